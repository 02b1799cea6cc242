// Per-stream latency across real agents: a stream whose instances are on two
// agents is measured on the wall clock both read, and `deploy --json` reports
// it in the interval lines and the summary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "cli_lab.h"

namespace topolab {
namespace {

using testing::CliRun;
using testing::Lab;
using testing::runCli;

TEST(CliStreamLatency, AStreamAcrossAgentsIsMeasuredForEveryTuple) {
  Lab lab(2);
  ASSERT_TRUE(lab.started());
  const std::string file =
      (std::filesystem::temp_directory_path() / ("streams-" + std::to_string(getpid()) + ".yaml"))
          .string();
  // gen and work on node-a, the sink on node-b: work → sink crosses the wire.
  std::ofstream(file) << R"(topolab: 1
name: streams
defaults: {metrics_interval_ms: 500}
components:
  - {id: gen, type: generator, params: {rate: 3000, count: 3000}, placement: [node-a]}
  - {id: work, type: work, parallelism: 2, placement: [node-a]}
  - {id: sink, type: counter, placement: [node-b]}
streams:
  - {from: gen, to: work}
  - {from: work, to: sink}
)";
  const CliRun run = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json");
  std::filesystem::remove(file);
  ASSERT_EQ(run.code, 0) << testing::allLines(run);

  nlohmann::json summary;
  uint64_t in_intervals = 0;
  for (const auto& [at, text] : run.lines) {
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    if (j.value("type", "") == "summary") summary = j;
    if (j.value("type", "") == "interval" && j.contains("streams") &&
        j["streams"].contains("work:sink")) {
      in_intervals += j["streams"]["work:sink"]["tuples"].get<uint64_t>();
    }
  }
  ASSERT_TRUE(summary.contains("streams")) << testing::allLines(run);
  const auto& streams = summary["streams"];
  ASSERT_TRUE(streams.contains("gen:work") && streams.contains("work:sink")) << streams.dump();
  EXPECT_EQ(streams["gen:work"]["tuples"], 3000);
  EXPECT_EQ(streams["work:sink"]["tuples"], 3000);
  // The intervals' counts add up to the total: each batch is measured once.
  EXPECT_EQ(in_intervals, 3000u);
  const auto& across = streams["work:sink"]["latency_us"];
  EXPECT_GT(across["max"].get<double>(), 0);
  EXPECT_LE(across["p50"].get<double>(), across["p99"].get<double>());
  EXPECT_LE(across["p99"].get<double>(), across["max"].get<double>());
  // Under a second on one machine's clock: not a skewed or unset timestamp.
  EXPECT_LT(across["max"].get<double>(), 1e6) << across.dump();
}

}  // namespace
}  // namespace topolab
