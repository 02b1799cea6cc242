// `topolab deploy` against real agents on loopback, as a user runs it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "agent_process.h"
#include "cli_lab.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::allLines;
using testing::CliRun;
using testing::Lab;
using testing::listOn;
using testing::runCli;
using Clock = std::chrono::steady_clock;

std::string example(const std::string& name) {
  return std::string(TOPOLAB_EXAMPLES_DIR) + "/" + name + ".yaml";
}

TEST(CliDeploy, FiniteAtLeastOnceRunOverThreeAgentsEndsWithEverythingAcked) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const CliRun r =
      runCli("deploy " + example("at-least-once") + " --cluster " + lab.cluster_file + " --json");
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
    if (l.find("\"kind\":\"agent-lost\"") != std::string::npos &&
        l.find("node-c") != std::string::npos) {
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
  const CliRun r = runCli("deploy " + example("realtime-analytics") + " --cluster " +
                          lab.cluster_file + " --duration 2");
  EXPECT_EQ(r.code, 1);
  std::string all;
  for (const auto& [t, l] : r.lines) all += l + "\n";
  EXPECT_NE(all.find("node-c"), std::string::npos) << all;
  EXPECT_NE(all.find("at most 2"), std::string::npos) << all;
  for (const auto& a : lab.agents)
    EXPECT_TRUE(listOn(*a).empty()) << a->name() << " kept a half deployment";
}

double summaryField(const std::string& summary, const std::string& id, const std::string& field) {
  const auto c = summary.find("\"" + id + "\":{");
  if (c == std::string::npos) return -1;
  const auto f = summary.find("\"" + field + "\":", c);
  return f == std::string::npos ? -1 : std::stod(summary.substr(f + field.size() + 3));
}

// The example of user code, deployed as a user does it: its programs travel
// to the agents with the deploy (once), run there, and every word is counted.
TEST(CliDeploy, MultilangExampleRunsOnThreeAgentsWithItsFolderShippedOnce) {
  const std::vector<std::string> exec = {"--allow-exec", "python3", "--allow-exec", "node"};
  Lab lab(3, {exec, exec, exec});
  ASSERT_TRUE(lab.started());
  const std::string cmd =
      "deploy " + example("wordcount-multilang/wordcount-multilang") + " --cluster " +
      lab.cluster_file +
      " --json --duration 6 --set 'sentences.env={SENTENCES: \"200\", RATE: \"0\"}'";
  const CliRun first = runCli(cmd);
  ASSERT_EQ(first.code, 0) << allLines(first);
  const std::string summary = first.lines.back().second;
  ASSERT_EQ(summary.rfind("{\"type\":\"summary\"", 0), 0u) << summary;
  EXPECT_EQ(summaryField(summary, "sentences", "acked"), 200) << summary;
  EXPECT_EQ(summaryField(summary, "log", "received"), 200 / 10 * 74) << summary;
  EXPECT_NE(allLines(first).find("resources bundle(s)"), std::string::npos) << allLines(first);
  EXPECT_EQ(allLines(first).find("process-died"), std::string::npos) << allLines(first);
  // The same folder again: nothing is sent.
  const CliRun second = runCli(cmd);
  ASSERT_EQ(second.code, 0) << allLines(second);
  EXPECT_EQ(allLines(second).find("resources bundle(s)"), std::string::npos) << allLines(second);
  for (const auto& a : lab.agents) EXPECT_TRUE(listOn(*a).empty()) << a->name() << " still runs it";
}

TEST(CliDeploy, AShellComponentIsRefusedWhereTheAgentMayNotRunItsProgram) {
  // node-b may run python3 but not node; node-a and node-c may run nothing.
  Lab lab(3, {{}, {"--allow-exec", "python3"}, {}});
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("deploy " + example("wordcount-multilang/wordcount-multilang") +
                          " --cluster " + lab.cluster_file + " --duration 2");
  EXPECT_EQ(r.code, 1);
  const std::string all = allLines(r);
  // Every refusal names the agent, the component, its program and the flag.
  for (const char* refusal :
       {"node-a: component 'sentences' runs 'python3', which this agent does not allow (it runs "
        "no programs): start topolab-agent with --allow-exec python3",
        "node-b: component 'count' runs 'node', which this agent does not allow (it allows "
        "python3): start topolab-agent with --allow-exec node"}) {
    EXPECT_NE(all.find(refusal), std::string::npos) << all;
  }
  for (const auto& a : lab.agents)
    EXPECT_TRUE(listOn(*a).empty()) << a->name() << " kept a half deployment";
}

TEST(CliDeploy, PlanOnlyShowsWhereEveryInstanceRuns) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("deploy " + example("realtime-analytics") + " --cluster " +
                          lab.cluster_file + " --plan-only");
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

// An agent that is restarting when the CLI calls is found once it listens,
// within the Hello deadline (2 s), rather than called unreachable.
TEST(CliDeploy, AgentsFindsAnAgentThatComesUpWhileItAsks) {
  Lab lab(1);
  ASSERT_TRUE(lab.started());
  AgentProcess& a = *lab.agents[0];
  a.stop(SIGKILL);  // its port, state dir and tokens stay as the cluster file has them
  std::atomic<bool> started{false};
  CliRun r;
  std::thread cli([&] { r = runCli("agents --cluster " + lab.cluster_file, &started); });
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string log = a.stateDir() + "/../again.log";
  const pid_t pid = AgentProcess::spawn(
      {TOPOLAB_AGENT, "--name", a.name(), "--state-dir", a.stateDir(), "--listen", a.address()},
      log);
  cli.join();
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::string all;
  for (const auto& [t, l] : r.lines) all += l + "\n";
  EXPECT_EQ(r.code, 0) << all << testing::readFile(log);
  EXPECT_NE(all.find("node-a"), std::string::npos) << all;
  EXPECT_EQ(all.find("unreachable"), std::string::npos) << all;
}

}  // namespace
}  // namespace topolab
