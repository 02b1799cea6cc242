// `topolab deploy` against real agents on loopback, as a user runs it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "agent_process.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::listOn;
using Clock = std::chrono::steady_clock;

struct Lab {
  std::vector<std::unique_ptr<AgentProcess>> agents;
  std::string cluster_file;

  Lab(int n, const std::vector<std::vector<std::string>>& extra = {}) {
    std::string yaml = "agents:\n";
    for (int i = 0; i < n; ++i) {
      const std::string name = "node-" + std::string(1, char('a' + i));
      agents.push_back(std::make_unique<AgentProcess>(name, i < static_cast<int>(extra.size()) ? extra[i]
                                                                                              : std::vector<std::string>{}));
      yaml += "  - {name: " + name + ", address: \"" + agents.back()->address() + "\", token_file: \"" +
              agents.back()->operatorTokenFile() + "\"}\n";
    }
    cluster_file = (std::filesystem::temp_directory_path() / ("cluster-" + std::to_string(getpid()) + ".yaml")).string();
    std::ofstream(cluster_file) << yaml;
  }
  ~Lab() { std::filesystem::remove(cluster_file); }
  bool started() const {
    for (const auto& a : agents) {
      if (!a->started()) return false;
    }
    return true;
  }
};

// Runs the CLI; each output line is kept with the time it was read.
struct CliRun {
  std::vector<std::pair<Clock::time_point, std::string>> lines;
  int code = -1;
};

CliRun runCli(const std::string& args, std::atomic<bool>* started = nullptr,
              std::mutex* mu = nullptr, std::vector<std::pair<Clock::time_point, std::string>>* live = nullptr) {
  CliRun r;
  FILE* p = popen((std::string(TOPOLAB_CLI) + " " + args + " 2>&1").c_str(), "r");
  if (started) *started = true;
  char buf[1 << 16];
  while (fgets(buf, sizeof buf, p)) {
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    r.lines.emplace_back(Clock::now(), line);
    if (live) {
      std::lock_guard lock(*mu);
      live->emplace_back(Clock::now(), line);
    }
  }
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string example(const std::string& name) { return std::string(TOPOLAB_EXAMPLES_DIR) + "/" + name + ".yaml"; }


TEST(CliDeploy, FiniteAtLeastOnceRunOverThreeAgentsEndsWithEverythingAcked) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("deploy " + example("at-least-once") + " --cluster " + lab.cluster_file + " --json");
  ASSERT_EQ(r.code, 0) << (r.lines.empty() ? "" : r.lines.back().second);
  const std::string& summary = r.lines.back().second;
  ASSERT_EQ(summary.rfind("{\"type\":\"summary\"", 0), 0u) << summary;
  EXPECT_NE(summary.find("\"source\":{\"received\":0,\"emitted\":"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"acked\":200000"), std::string::npos) << summary;
  for (const auto& a : lab.agents) EXPECT_TRUE(listOn(*a).empty()) << a->name() << " still runs it";
}

TEST(CliDeploy, AKilledAgentIsNamedWithinTwoSeconds) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  std::mutex mu;
  std::vector<std::pair<Clock::time_point, std::string>> live;
  std::atomic<bool> started{false};
  CliRun result;
  std::thread cli([&] {
    result = runCli("deploy " + example("realtime-analytics") + " --cluster " + lab.cluster_file +
                        " --json --duration 8 --drain 1",
                    &started, &mu, &live);
  });
  // Kill node-c once the deployment is reporting.
  const auto give_up = Clock::now() + std::chrono::seconds(10);
  bool reporting = false;
  while (!reporting && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard lock(mu);
    for (const auto& [t, l] : live) reporting |= l.rfind("{\"type\":\"interval\"", 0) == 0;
  }
  ASSERT_TRUE(reporting);
  const auto killed = Clock::now();
  lab.agents[2]->stop(SIGKILL);
  cli.join();
  bool named = false;
  for (const auto& [t, l] : result.lines) {
    if (l.find("\"kind\":\"agent-lost\"") != std::string::npos && l.find("node-c") != std::string::npos) {
      named = true;
      EXPECT_LT(t - killed, std::chrono::seconds(2)) << l;
      break;
    }
  }
  EXPECT_TRUE(named) << "no agent-lost event for node-c";
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(listOn(*lab.agents[i]).empty()) << lab.agents[i]->name();
}

TEST(CliDeploy, ADeployThatFailsOnOneAgentLeavesNothingRunning) {
  // node-c accepts topologies of at most 2 components: its PREPARE fails.
  Lab lab(3, {{}, {}, {"--max-components", "2"}});
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("deploy " + example("realtime-analytics") + " --cluster " + lab.cluster_file + " --duration 2");
  EXPECT_EQ(r.code, 1);
  std::string all;
  for (const auto& [t, l] : r.lines) all += l + "\n";
  EXPECT_NE(all.find("node-c"), std::string::npos) << all;
  EXPECT_NE(all.find("at most 2"), std::string::npos) << all;
  for (const auto& a : lab.agents) EXPECT_TRUE(listOn(*a).empty()) << a->name() << " kept a half deployment";
}

TEST(CliDeploy, PlanOnlyShowsWhereEveryInstanceRuns) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("deploy " + example("realtime-analytics") + " --cluster " + lab.cluster_file + " --plan-only");
  ASSERT_EQ(r.code, 0);
  std::string all;
  for (const auto& [t, l] : r.lines) all += l + "\n";
  for (const char* s : {"node-a", "node-b", "node-c", "enrich#3", "events -> enrich", "(grpc)"}) {
    EXPECT_NE(all.find(s), std::string::npos) << s << " in\n" << all;
  }
  for (const auto& a : lab.agents) EXPECT_TRUE(listOn(*a).empty());
}

TEST(CliDeploy, AgentsListsEveryAgent) {
  Lab lab(2);
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("agents --cluster " + lab.cluster_file);
  ASSERT_EQ(r.code, 0);
  std::string all;
  for (const auto& [t, l] : r.lines) all += l + "\n";
  EXPECT_NE(all.find("node-a"), std::string::npos) << all;
  EXPECT_NE(all.find("node-b"), std::string::npos) << all;
  EXPECT_NE(all.find("0.1.0"), std::string::npos) << all;
}

}  // namespace
}  // namespace topolab
