// Error samples across real agents: `topolab errors` for a running
// deployment, and each new sample once in `deploy --json`'s interval lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "cli_lab.h"

namespace topolab {
namespace {

using testing::allLines;
using testing::CliRun;
using testing::Lab;
using testing::runCli;
using Clock = std::chrono::steady_clock;

// Polls `done` every 20 ms until it holds or `timeout` passes; whether it held.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// One generator with unique keys, two work instances failing 0.25 % of them:
// about 5 errors a second each, so an interval holds new samples and ones
// sent before, and only the new may be printed.
std::string failingTopology() {
  static int counter = 0;
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("errors-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".yaml"))
          .string();
  std::ofstream(path) << R"(topolab: 1
name: failing
components:
  - {id: gen, type: generator, params: {rate: 4000, keys: 1000000, distribution: sequential}}
  - {id: work, type: work, parallelism: 2, params: {error_rate: 0.0025}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: work}
  - {from: work, to: sink}
)";
  return path;
}

TEST(CliErrors, ShowsARunningDeploymentsLastErrorsAndIntervalsCarryEachOnce) {
  Lab lab(2);
  ASSERT_TRUE(lab.started());
  const std::string file = failingTopology();
  std::mutex mu;
  std::vector<std::pair<Clock::time_point, std::string>> live;
  std::atomic<bool> started{false};
  CliRun deploy;
  std::thread cli([&] {
    deploy = runCli(
        "deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 10 --drain 1",
        &started, &mu, &live);
  });
  // Ask once the interval lines showed more than 20 samples of each work instance.
  const bool sampled = eventually(
      [&] {
        std::lock_guard lock(mu);
        std::map<std::string, int> seen;
        for (const auto& [t, l] : live) {
          for (const std::string i : {"work#0", "work#1"}) {
            const std::string tag = "\"instance\":\"" + i + "\"";
            for (size_t at = l.find(tag); at != std::string::npos; at = l.find(tag, at + 1))
              ++seen[i];
          }
        }
        return seen["work#0"] > 20 && seen["work#1"] > 20;
      },
      std::chrono::seconds(9));
  CliRun text, json;
  if (sampled) {
    text = runCli("errors failing --cluster " + lab.cluster_file);
    json = runCli("errors failing --cluster " + lab.cluster_file + " --json");
  }
  cli.join();
  std::filesystem::remove(file);
  ASSERT_TRUE(sampled) << allLines(deploy);
  ASSERT_EQ(deploy.code, 0) << allLines(deploy);

  // TIME  component#N  agent  message  [key], newest last, the last 20 per instance.
  ASSERT_EQ(text.code, 0) << allLines(text);
  const std::regex line(
      R"(\d\d:\d\d:\d\d\.\d{3}  work#([01])  (node-[ab])  simulated failure \(error_rate 0\.0025\)  \[k\d+\])");
  std::map<std::string, int> per_instance;
  for (const auto& [t, l] : text.lines) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    ++per_instance["work#" + m[1].str()];
  }
  EXPECT_EQ(per_instance, (std::map<std::string, int>{{"work#0", 20}, {"work#1", 20}}))
      << allLines(text);

  ASSERT_EQ(json.code, 0) << allLines(json);
  ASSERT_EQ(json.lines.size(), 40u) << allLines(json);
  int64_t last_ms = 0;
  std::set<std::string> agents;
  for (const auto& [t, l] : json.lines) {
    const auto j = nlohmann::json::parse(l);
    EXPECT_EQ(j["type"], "error_sample");
    EXPECT_EQ(j["message"], "simulated failure (error_rate 0.0025)");
    EXPECT_EQ(j["key"].get<std::string>().rfind('k', 0), 0u) << l;
    EXPECT_GE(j["unix_ms"].get<int64_t>(), last_ms) << "newest last";
    last_ms = j["unix_ms"].get<int64_t>();
    agents.insert(j["agent"].get<std::string>());
  }
  EXPECT_FALSE(agents.empty());
  EXPECT_TRUE(agents.count("node-a") + agents.count("node-b") == agents.size());

  // deploy --json: new samples only, so no tuple's error is told twice.
  std::set<std::string> keys;
  size_t samples = 0;
  for (const auto& [t, l] : deploy.lines) {
    if (l.rfind("{\"type\":\"interval\"", 0) != 0) continue;
    const auto j = nlohmann::json::parse(l);
    if (!j["components"]["work"].contains("error_samples")) continue;
    for (const auto& e : j["components"]["work"]["error_samples"]) {
      ++samples;
      keys.insert(e["key"].get<std::string>());
      EXPECT_TRUE(e["agent"] == "node-a" || e["agent"] == "node-b") << e;
    }
  }
  EXPECT_GT(samples, 40u);
  EXPECT_EQ(keys.size(), samples) << "a sample appeared in two interval lines";
  const auto summary = nlohmann::json::parse(deploy.lines.back().second);
  ASSERT_EQ(summary["type"], "summary");
  EXPECT_EQ(summary["components"]["work"]["error_samples"].size(), 40u)
      << "the summary holds what the instances keep";
}

TEST(CliErrors, AnUnknownDeploymentIsAnError) {
  Lab lab(2);
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("errors nosuch --cluster " + lab.cluster_file);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(allLines(r).find("error: no deployment 'nosuch' on any agent of " + lab.cluster_file),
            std::string::npos)
      << allLines(r);
}

TEST(CliErrors, AnUnreachableAgentIsNamed) {
  Lab lab(2);
  ASSERT_TRUE(lab.started());
  lab.agents[1]->stop(SIGKILL);
  const CliRun r = runCli("errors failing --cluster " + lab.cluster_file);
  EXPECT_EQ(r.code, 1);
  const std::string all = allLines(r);
  EXPECT_NE(all.find("error: error samples of 'failing': node-b: unreachable"), std::string::npos)
      << all;
}

}  // namespace
}  // namespace topolab
