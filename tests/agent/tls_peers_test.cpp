// Agents under plain TLS, each with its own certificate from one CA, reach
// each other when started with --tls-peer-ca naming that CA: a deploy across
// them delivers every tuple. Without it an agent trusts only its own
// certificate, and the link to the other agent is never made.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "agent_process.h"
#include "cli_lab.h"
#include "test_pki.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::componentOf;
using testing::Lab;
using testing::runCli;

class TlsPeers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        (std::filesystem::temp_directory_path() / ("topolab-peer-pki-" + std::to_string(getpid())))
            .string();
    std::filesystem::create_directories(dir_);
    std::string log;
    ASSERT_TRUE(testing::makeTestPki(dir_, &log)) << log;
    ASSERT_TRUE(testing::makeAgentCertificate(dir_, "node-a", "127.0.0.1", 20, &log)) << log;
    ASSERT_TRUE(testing::makeAgentCertificate(dir_, "node-b", "127.0.0.1", 21, &log)) << log;
    file_ = dir_ + "/pair.yaml";
    std::ofstream(file_) << R"(topolab: 1
name: tls-pair
defaults: {delivery: at-least-once, metrics_interval_ms: 500}
components:
  - {id: gen, type: generator, params: {rate: 2000, count: 3000, keys: 3000}, placement: [node-a]}
  - {id: sink, type: counter, placement: [node-b]}
streams:
  - {from: gen, to: sink}
)";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Each agent's flags: its own certificate, and `more`.
  std::vector<std::vector<std::string>> flags(const std::vector<std::string>& more) const {
    std::vector<std::vector<std::string>> out;
    for (const char* name : {"node-a", "node-b"}) {
      std::vector<std::string> f = {"--tls-cert", dir_ + "/" + name + ".crt", "--tls-key",
                                    dir_ + "/" + name + ".key"};
      f.insert(f.end(), more.begin(), more.end());
      out.push_back(f);
    }
    return out;
  }
  // The deploy's summary line after `duration_s`; `events`, when given, gets
  // its event lines.
  std::string deploy(Lab& lab, int duration_s, std::vector<std::string>* events = nullptr) {
    lab.cluster_extra = "tls: {ca: \"" + dir_ + "/ca.crt\"}\n";
    lab.writeClusterFile();
    const testing::CliRun run = runCli("deploy " + file_ + " --cluster " + lab.cluster_file +
                                       " --json --duration " + std::to_string(duration_s));
    EXPECT_EQ(run.code, 0);
    for (const auto& [at, line] : run.lines) {
      if (events && line.find("\"type\":\"event\"") != std::string::npos) events->push_back(line);
    }
    return run.lines.empty() ? std::string() : run.lines.back().second;
  }

  std::string dir_, file_;
};

TEST_F(TlsPeers, AgentsWithTheirOwnCertificatesReachEachOtherThroughThePeerCa) {
  Lab lab(2, flags({"--tls-peer-ca", dir_ + "/ca.crt"}));
  ASSERT_TRUE(lab.started());
  std::vector<std::string> events;
  const std::string summary = deploy(lab, 30, &events);
  EXPECT_NE(componentOf(summary, "gen").find("\"acked\":3000,"), std::string::npos) << summary;
  EXPECT_NE(componentOf(summary, "sink").find("\"received\":3000,"), std::string::npos) << summary;
  // Links that work, and a stop, say nothing about links.
  for (const std::string& e : events) EXPECT_EQ(e.find("peer-link"), std::string::npos) << e;
}

TEST_F(TlsPeers, WithoutThePeerCaAnAgentTrustsOnlyItsOwnCertificate) {
  Lab lab(2, flags({}));
  ASSERT_TRUE(lab.started());
  std::vector<std::string> events;
  const std::string summary = deploy(lab, 3, &events);
  EXPECT_NE(componentOf(summary, "sink").find("\"received\":0,"), std::string::npos) << summary;
  // The deploy says which links fail and why, once each, not only the agents' logs.
  std::map<std::string, int> down;
  for (const std::string& e : events) {
    if (e.find("\"kind\":\"peer-link-down\"") == std::string::npos) continue;
    for (const char* link :
         {"node-a cannot reach node-b at 127.0.0.1:", "node-b cannot reach node-a at 127.0.0.1:"}) {
      if (e.find(link) != std::string::npos) ++down[link];
    }
  }
  EXPECT_EQ(down["node-a cannot reach node-b at 127.0.0.1:"], 1);
  EXPECT_EQ(down["node-b cannot reach node-a at 127.0.0.1:"], 1);
}

TEST(TlsPeerFlag, NeedsTheAgentsOwnCertificate) {
  AgentProcess a("no-tls", {"--tls-peer-ca", "/nonexistent/ca.crt"});
  EXPECT_FALSE(a.started());
  EXPECT_NE(a.log().find("--tls-peer-ca needs --tls-cert and --tls-key"), std::string::npos)
      << a.log();
}

}  // namespace
}  // namespace topolab
