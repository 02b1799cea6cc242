// topolab-bundle-bench: how long `topolab deploy` takes to ship a shell
// component's resources folder (10 MiB by default) to three agents on
// loopback, the first time (the bundle is sent) and the second (the agents
// hold it already), against the same deploy without a folder to ship.
// Prints the Markdown rows of BENCHMARKS.md.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "bench_lab.h"
#include "bench_util.h"

namespace topolab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A folder with the pass-through bolt and `mib` MiB of random data in 1 MiB files.
fs::path makeFolder(const fs::path& dir, int mib) {
  fs::create_directories(dir / "data");
  for (const char* f : {"echo_bolt.py", "proto.py"}) {
    fs::copy_file(fs::path(TOPOLAB_MULTILANG_DIR) / f, dir / f,
                  fs::copy_options::overwrite_existing);
  }
  std::mt19937_64 rng(42);
  std::vector<uint64_t> block((1 << 20) / sizeof(uint64_t));
  for (int i = 0; i < mib; ++i) {
    for (uint64_t& w : block) w = rng();
    std::ofstream(dir / "data" / ("blob-" + std::to_string(i) + ".bin"), std::ios::binary)
        .write(reinterpret_cast<const char*>(block.data()),
               static_cast<std::streamsize>(block.size() * sizeof(uint64_t)));
  }
  return dir;
}

void writeTopology(const fs::path& file, bool with_folder) {
  std::ofstream(file) << "topolab: 1\nname: bundle-bench\ncomponents:\n"
                         "  - {id: gen, type: generator, params: {rate: 10}}\n"
                         "  - {id: echo, type: shell-bolt, parallelism: 3, params: {command: "
                         "[python3, echo_bolt.py], env: {NEED_TASK_IDS: \"0\"}"
                      << (with_folder ? "" : ", resources: small") << "}}\n"
                      << "  - {id: sink, type: counter}\n"
                         "streams:\n  - {from: gen, to: echo}\n  - {from: echo, to: sink}\n";
}

// Seconds `topolab deploy --detach` took; ends the benchmark if it failed.
double timedDeploy(const fs::path& file, const testing::Lab& lab) {
  const auto t0 = Clock::now();
  const testing::CliRun r =
      testing::runCli("deploy " + file.string() + " --cluster " + lab.cluster_file + " --detach");
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (r.code != 0) {
    for (const auto& [t, l] : r.lines) std::cerr << l << '\n';
    std::exit(1);
  }
  (void)testing::runCli("stop bundle-bench --cluster " + lab.cluster_file);
  return s;
}

int benchMain(int argc, char** argv) {
  int runs = 5;
  int mib = 10;
  CLI::App app{"Time to deploy a resources folder to three agents"};
  app.add_option("--runs", runs, "runs per figure (the median is reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--mib", mib, "MiB in the folder")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  const fs::path root =
      fs::temp_directory_path() / ("topolab-bundle-bench-" + std::to_string(::getpid()));
  fs::create_directories(root);
  const fs::path big = makeFolder(root / "big", mib);
  makeFolder(root / "big" / "small", 0);  // the same program without the data
  writeTopology(big / "with-data.yaml", true);
  writeTopology(big / "without-data.yaml", false);

  std::vector<double> first, second, none;
  const std::vector<std::string> exec = {"--allow-exec", "python3"};
  for (int i = 0; i < runs; ++i) {
    // Fresh agents each run: the first deploy finds no bundle there.
    testing::Lab lab(3, {exec, exec, exec});
    bench::requireStarted(lab);
    none.push_back(timedDeploy(big / "without-data.yaml", lab));
    first.push_back(timedDeploy(big / "with-data.yaml", lab));
    second.push_back(timedDeploy(big / "with-data.yaml", lab));
  }
  fs::remove_all(root);

  const std::string cmd = "build/tests/bench/topolab-bundle-bench --runs " + std::to_string(runs);
  auto ms = [](double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f ms", s * 1000);
    return std::string(buf);
  };
  std::cout << "| scenario | median of " << runs << " runs | command |\n|---|---|---|\n";
  std::cout << "| `topolab deploy --detach` to 3 agents, shell-bolt ×3, a " << mib
            << " MiB resources folder, first time (sent to each agent) | "
            << ms(bench::median(first)) << " | `" << cmd << "` |\n";
  std::cout << "| the same, second time (the agents hold the bundle) | "
            << ms(bench::median(second)) << " | `" << cmd << "` |\n";
  std::cout << "| the same topology with a 2-file folder | " << ms(bench::median(none)) << " | `"
            << cmd << "` |\n";
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::benchMain(argc, argv); }
