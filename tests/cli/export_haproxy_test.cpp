// `topolab export --to haproxy`: the config the real HAProxy (Debian's
// haproxy) accepts, the policy and health checks carried over, and input
// without a load balancer refused.
#include <gtest/gtest.h>

#include "cli_runner.h"

using namespace cli_runner;

namespace {

// HAProxy's own check of a config file; its output when it refuses.
int haproxyCheck(const std::string& cfg, std::string* output) {
  const std::string log = cfg + ".check";
  const std::string cmd =
      "PATH=\"$PATH:/usr/sbin:/sbin\" haproxy -c -f " + quote(cfg) + " >" + quote(log) + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(log);
  output->assign(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid())))
      .string();
}

TEST(ExportHaproxy, WebTierPassesHaproxysOwnCheck) {
  const std::string cfg = temp("web-tier.cfg");
  const Result r = topolab({"export", example("web-tier"), "--to", "haproxy", "-o", cfg});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string check;
  EXPECT_EQ(haproxyCheck(cfg, &check), 0) << check;
  std::ifstream in(cfg);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("balance roundrobin"), std::string::npos) << text;
  for (const char* server : {"server node1-0 ", "server node2-0 ", "server node3-0 "}) {
    EXPECT_NE(text.find(server), std::string::npos) << server << "\n" << text;
  }
  EXPECT_NE(text.find("check inter 500ms"), std::string::npos) << "web-tier checks every 500 ms";
  std::filesystem::remove(cfg);
}

TEST(ExportHaproxy, EveryPolicyMapsToABalanceHaproxyAccepts) {
  const std::pair<const char*, const char*> policies[] = {
      {"round-robin", "balance roundrobin"},
      {"least-outstanding", "balance leastconn"},
      {"consistent-hash", "hash-type consistent"},
      {"random", "balance random"},
  };
  for (const auto& [policy, expected] : policies) {
    SCOPED_TRACE(policy);
    const std::string cfg = temp(std::string(policy) + ".cfg");
    std::ifstream original(example("web-tier"));
    std::string text((std::istreambuf_iterator<char>(original)), {});
    const std::string from = "policy: round-robin";
    text.replace(text.find(from), from.size(), std::string("policy: ") + policy);
    const std::string yaml = temp(std::string(policy) + ".yaml");
    std::ofstream(yaml) << text;
    const Result r = topolab({"export", yaml, "--to", "haproxy", "-o", cfg});
    std::filesystem::remove(yaml);
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream in(cfg);
    const std::string out((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(out.find(expected), std::string::npos) << out;
    std::string check;
    EXPECT_EQ(haproxyCheck(cfg, &check), 0) << check;
    std::filesystem::remove(cfg);
  }
}

TEST(ExportHaproxy, ClusterFilePlacesMembersOnTheirAgentsHosts) {
  const std::string cluster = temp("cluster.yaml");
  std::ofstream(cluster) << "agents:\n"
                            "  - {name: node-a, address: 127.0.0.11:7701, token_file: a.token}\n"
                            "  - {name: node-b, address: 127.0.0.12:7702, token_file: b.token}\n"
                            "  - {name: node-c, address: 127.0.0.13:7703, token_file: c.token}\n";
  const Result r =
      topolab({"export", example("web-tier-3-agents"), "--to", "haproxy", "--cluster", cluster});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("server node1-0 127.0.0.11:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("server node2-0 127.0.0.12:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("server node3-0 127.0.0.13:"), std::string::npos) << r.out;
  const std::string cfg = temp("placed.cfg");
  std::ofstream(cfg) << r.out;
  std::string check;
  EXPECT_EQ(haproxyCheck(cfg, &check), 0) << check;
  std::filesystem::remove(cfg);
  std::filesystem::remove(cluster);
}

TEST(ExportHaproxy, ATopologyWithoutALoadBalancerIsRefusedNamingTheFile) {
  const Result r = topolab({"export", example("wordcount"), "--to", "haproxy"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("wordcount.yaml: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no load-balancer"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ExportHaproxy, AnInvalidFileIsRefusedWithItsPosition) {
  const std::string yaml = temp("broken.yaml");
  std::ofstream(yaml) << "topolab: 1\nname: broken\ncomponents:\n"
                         "  - {id: lb, type: load-balancer, params: {policy: fastest}}\n";
  const Result r = topolab({"export", yaml, "--to", "haproxy"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(yaml + ":4:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fastest"), std::string::npos) << r.err;
  std::filesystem::remove(yaml);
}

}  // namespace
