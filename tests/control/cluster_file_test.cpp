// Cluster files: what a good one gives, and each mistake reported at its
// line and column, like a topology file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "topolab/control/cluster.h"

namespace topolab::control {
namespace {

namespace fs = std::filesystem;

class ClusterFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("topolab-cluster-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    write("a.token", "token-a\n");
    write("b.token", "  token-b  \n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  // Parses `text` as cluster.yaml in the test's directory.
  ClusterLoadResult load(const std::string& text, bool read_secrets = true) {
    ClusterLoadOptions options;
    options.read_secrets = read_secrets;
    return loadClusterFile(write("cluster.yaml", text), options);
  }

  // The one diagnostic, formatted without the directory.
  std::string onlyError(const ClusterLoadResult& r) {
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.errors.size(), 1u);
    if (r.errors.empty()) return "";
    std::string s = r.errors[0].format();
    const std::string prefix = (dir_ / "").string();
    if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
    return s;
  }

  fs::path dir_;
};

TEST_F(ClusterFileTest, ReadsAgentsTokensAndKafka) {
  const auto r = load(
      "agents:\n"
      "  - {name: node-a, address: 127.0.0.1:7701, token_file: a.token}\n"
      "  - name: node-b\n"
      "    address: '[::1]:7702'\n"
      "    token_file: " +
      (dir_ / "b.token").string() +
      "\n"
      "kafka: {bootstrap: embedded}\n");
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].format());
  const ClusterFile& c = *r.cluster;
  ASSERT_EQ(c.agents.size(), 2u);
  EXPECT_EQ(c.agentNames(), (std::vector<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(c.agents[0].address, "127.0.0.1:7701");
  EXPECT_EQ(c.agents[0].token, "token-a");  // relative to the cluster file, newline trimmed
  EXPECT_EQ(c.agents[1].address, "[::1]:7702");
  EXPECT_EQ(c.agents[1].token, "token-b");
  EXPECT_EQ(c.agents[1].name_mark.line, 3);
  EXPECT_EQ(c.kafka_bootstrap, "embedded");
  EXPECT_FALSE(c.agents[0].tls.has_value());
  EXPECT_EQ(c.agent("node-b"), &c.agents[1]);
  EXPECT_EQ(c.agent("node-c"), nullptr);
}

TEST_F(ClusterFileTest, ExpandsTildeToHome) {
  const char* old_home = std::getenv("HOME");
  const std::string saved = old_home ? old_home : "";
  setenv("HOME", dir_.c_str(), 1);
  const auto r = load("agents: [{name: a, address: h:1, token_file: ~/a.token}]\n");
  if (old_home) setenv("HOME", saved.c_str(), 1);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].format());
  EXPECT_EQ(r.cluster->agents[0].token, "token-a");
}

TEST_F(ClusterFileTest, ClusterTlsAppliesToAgentsWithoutTheirOwn) {
  write("ca.pem", "CA");
  write("own-ca.pem", "OWN");
  write("me.pem", "CERT");
  write("me.key", "KEY");
  const auto r = load(
      "tls: {ca: ca.pem, cert: me.pem, key: me.key}\n"
      "agents:\n"
      "  - {name: a, address: h:1, token_file: a.token}\n"
      "  - {name: b, address: h:2, token_file: b.token, tls: {ca: own-ca.pem}}\n");
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].format());
  ASSERT_TRUE(r.cluster->agents[0].tls);
  EXPECT_EQ(r.cluster->agents[0].tls->ca_pem, "CA");
  EXPECT_EQ(r.cluster->agents[0].tls->cert_pem, "CERT");
  EXPECT_EQ(r.cluster->agents[0].tls->key_pem, "KEY");
  ASSERT_TRUE(r.cluster->agents[1].tls);
  EXPECT_EQ(r.cluster->agents[1].tls->ca_pem, "OWN");
  EXPECT_TRUE(r.cluster->agents[1].tls->cert_pem.empty());
}

TEST_F(ClusterFileTest, UnknownTopLevelKeyIsAnErrorAtTheKey) {
  EXPECT_EQ(onlyError(load("agents: [{name: a, address: h:1, token_file: a.token}]\n"
                           "kafak: {bootstrap: embedded}\n")),
            "cluster.yaml:2:1: error: unknown key 'kafak' in the cluster file (expected agents, "
            "tls, kafka)");
}

TEST_F(ClusterFileTest, UnknownAgentKeyIsAnErrorAtTheKey) {
  EXPECT_EQ(onlyError(load("agents:\n"
                           "  - {name: a, adress: h:1, address: h:1, token_file: a.token}\n")),
            "cluster.yaml:2:15: error: unknown key 'adress' in an agent entry (expected name, "
            "address, token_file, tls)");
}

TEST_F(ClusterFileTest, DuplicateNameIsAnErrorAtTheSecond) {
  EXPECT_EQ(onlyError(load("agents:\n"
                           "  - {name: a, address: h:1, token_file: a.token}\n"
                           "  - {name: a, address: h:2, token_file: b.token}\n")),
            "cluster.yaml:3:12: error: agent 'a' is listed twice (first at line 2): give each "
            "agent a unique name");
}

TEST_F(ClusterFileTest, AddressWithoutPortIsAnError) {
  EXPECT_EQ(onlyError(load("agents:\n"
                           "  - name: a\n"
                           "    address: localhost\n"
                           "    token_file: a.token\n")),
            "cluster.yaml:3:14: error: agent 'a': bad address 'localhost': no port: write "
            "HOST:PORT, e.g. 127.0.0.1:7701");
}

TEST_F(ClusterFileTest, PortOutOfRangeIsAnError) {
  const std::string e =
      onlyError(load("agents: [{name: a, address: 'h:70000', token_file: a.token}]\n"));
  EXPECT_EQ(e,
            "cluster.yaml:1:29: error: agent 'a': bad address 'h:70000': the port must be a "
            "number from 1 to 65535");
}

TEST_F(ClusterFileTest, MissingTokenFileIsAnErrorAtItsPath) {
  const std::string e =
      onlyError(load("agents:\n"
                     "  - {name: a, address: h:1, token_file: nope.token}\n"));
  EXPECT_EQ(e.rfind("cluster.yaml:2:41: error: agent 'a': token file 'nope.token' (", 0), 0u) << e;
  EXPECT_NE(e.find("does not exist: fix the path or create the file"), std::string::npos) << e;
}

TEST_F(ClusterFileTest, MissingTokenFileIsFineWhenSecretsAreNotRead) {
  const auto r = load("agents: [{name: a, address: h:1, token_file: nope.token}]\n", false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.cluster->agents[0].token_file, "nope.token");
}

TEST_F(ClusterFileTest, EmptyTokenFileIsAnError) {
  write("empty.token", "\n");
  EXPECT_EQ(onlyError(load("agents: [{name: a, address: h:1, token_file: empty.token}]\n")),
            "cluster.yaml:1:46: error: agent 'a': token file 'empty.token' is empty");
}

TEST_F(ClusterFileTest, AgentWithoutTokenFileIsAnError) {
  EXPECT_EQ(onlyError(load("agents:\n  - {name: a, address: h:1}\n")),
            "cluster.yaml:2:5: error: agent 'a' has no 'token_file': add the path of the token "
            "the agent created (<state-dir>/operator.token)");
}

TEST_F(ClusterFileTest, NoAgentsIsAnError) {
  EXPECT_EQ(onlyError(load("agents: []\n")),
            "cluster.yaml:1:9: error: 'agents' is empty: list at least one agent");
  EXPECT_EQ(onlyError(load("kafka: {bootstrap: embedded}\n")).substr(0, 33),
            "cluster.yaml:1:1: error: no 'agen");
}

TEST_F(ClusterFileTest, CertWithoutKeyIsAnError) {
  write("me.pem", "CERT");
  EXPECT_EQ(onlyError(load("tls: {cert: me.pem}\n"
                           "agents: [{name: a, address: h:1, token_file: a.token}]\n")),
            "cluster.yaml:1:6: error: cluster tls: give both 'cert' and 'key' (for mutual TLS) "
            "or neither");
}

TEST_F(ClusterFileTest, BadKafkaBootstrapIsAnError) {
  EXPECT_EQ(onlyError(load("agents: [{name: a, address: h:1, token_file: a.token}]\n"
                           "kafka: {bootstrap: 'k1:9092,k2'}\n")),
            "cluster.yaml:2:20: error: kafka bootstrap 'k2': no port: write HOST:PORT, e.g. "
            "127.0.0.1:7701");
}

TEST_F(ClusterFileTest, SyntaxErrorHasAPosition) {
  const std::string e = onlyError(load("agents:\n  - {name: a, address: h:1\n"));
  EXPECT_EQ(e.rfind("cluster.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find(": error: YAML syntax error: "), std::string::npos) << e;
  EXPECT_NE(e.substr(13, 1), "0");  // a real line number
}

TEST_F(ClusterFileTest, EveryProblemIsReportedInOrder) {
  const auto r = load(
      "agents:\n"
      "  - {name: a, address: h, token_file: a.token}\n"
      "  - {name: 'bad name', address: h:2, token_file: b.token}\n"
      "extra: 1\n");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].mark.line, 2);
  EXPECT_EQ(r.errors[1].mark.line, 3);
  EXPECT_NE(r.errors[1].message.find("'bad name' is not valid"), std::string::npos);
  EXPECT_EQ(r.errors[2].mark.line, 4);
}

TEST_F(ClusterFileTest, UnreadableClusterFileIsOneError) {
  const auto r = loadClusterFile((dir_ / "missing.yaml").string());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].format().find("cannot read the cluster file"), std::string::npos);
}

}  // namespace
}  // namespace topolab::control
