// A shuffle across agents routes around an instance killed on another agent:
// the sender learns it from the peer link's probe, sends the rest to the live
// instances, and the trees the dead one held fail at once and replay, so the
// run never waits out the ack timeout. The agent then restarts the instance
// per `defaults.restart`, and it takes work again.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "agent_process.h"
#include "cli_lab.h"

namespace topolab {
namespace {

using testing::CliRun;
using testing::componentOf;
using testing::Lab;
using testing::runCli;

// Deploys gen → work (one instance per agent) → sink with `restart`, kills
// work#1 on node-b once work has taken tuples, and returns the deploy's run.
struct KilledRun {
  CliRun deployed;
  CliRun killed;
  std::chrono::steady_clock::duration took{};
};

KilledRun killWorkOnB(Lab& lab, const std::string& restart) {
  const std::string file = (std::filesystem::temp_directory_path() /
                            ("route-around-" + std::to_string(getpid()) + ".yaml"))
                               .string();
  // gen on node-a; work#0, #1, #2 on node-a, node-b, node-c; the sink on node-c.
  std::ofstream(file) << R"(topolab: 1
name: route-around
defaults: {delivery: at-least-once, ack_timeout_ms: 60000, metrics_interval_ms: 500, restart: )"
                      << restart << R"(}
components:
  - {id: gen, type: generator, params: {rate: 3000, count: 12000, keys: 12000, distribution: sequential}, placement: [node-a]}
  - {id: work, type: work, parallelism: 3, params: {cost_us: 50}, placement: [node-a, node-b, node-c]}
  - {id: sink, type: counter, placement: [node-c]}
streams:
  - {from: gen, to: work}
  - {from: work, to: sink}
)";
  std::mutex mu;
  std::vector<std::pair<testing::Clock::time_point, std::string>> live;
  std::atomic<bool> started{false};
  KilledRun run;
  const auto t0 = std::chrono::steady_clock::now();
  std::thread deploy([&] {
    run.deployed =
        runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 50",
               &started, &mu, &live);
  });
  auto workTookTuples = [&] {
    std::lock_guard lock(mu);
    for (const auto& [t, line] : live) {
      if (line.find("\"type\":\"interval\"") != std::string::npos &&
          componentOf(line, "work").find("\"received\":") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!workTookTuples() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  run.killed = runCli("fault route-around --cluster " + lab.cluster_file + " --kill work#1");
  deploy.join();
  run.took = std::chrono::steady_clock::now() - t0;
  std::filesystem::remove(file);
  return run;
}

// Whether the deploy printed an event line of `kind` whose detail has `text`.
bool printedEvent(const CliRun& run, const std::string& kind, const std::string& text) {
  for (const auto& [t, line] : run.lines) {
    if (line.find("\"type\":\"event\"") != std::string::npos &&
        line.find("\"kind\":\"" + kind + "\"") != std::string::npos &&
        line.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(RouteAround, AShuffleAcrossAgentsSkipsAnInstanceKilledOnAnotherAgent) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const KilledRun run = killWorkOnB(lab, "never");
  EXPECT_EQ(run.killed.code, 0);
  ASSERT_EQ(run.deployed.code, 0);
  ASSERT_FALSE(run.deployed.lines.empty());
  const std::string& summary = run.deployed.lines.back().second;
  const std::string gen = componentOf(summary, "gen");
  EXPECT_NE(gen.find("\"acked\":12000,"), std::string::npos) << summary;
  // 4 s of generating; the ack timeout is 60 s: no tree waited for it.
  EXPECT_LT(run.took, std::chrono::seconds(30)) << summary;
  EXPECT_TRUE(printedEvent(run.deployed, "instance-failed", "work#1 is dead (restart: never)"));
  EXPECT_FALSE(printedEvent(run.deployed, "restart", "work#1"));
}

TEST(RouteAround, TheAgentRestartsAKilledInstanceAndNothingIsLost) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const KilledRun run = killWorkOnB(lab, "{max: 3, within_s: 60, delay_ms: 200}");
  EXPECT_EQ(run.killed.code, 0);
  ASSERT_EQ(run.deployed.code, 0);
  ASSERT_FALSE(run.deployed.lines.empty());
  EXPECT_TRUE(printedEvent(run.deployed, "restart", "work#1 restarted (1 of 3 within 60 s)"));
  EXPECT_FALSE(printedEvent(run.deployed, "instance-failed", "work#1"));
  const std::string& summary = run.deployed.lines.back().second;
  EXPECT_NE(componentOf(summary, "gen").find("\"acked\":12000,"), std::string::npos) << summary;
  EXPECT_LT(run.took, std::chrono::seconds(30)) << summary;
}

}  // namespace
}  // namespace topolab
