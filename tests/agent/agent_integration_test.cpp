// Real topolab-agent processes on loopback: deploys across agents, security
// and hostile requests, as a client sees them through the gRPC API.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "agent_process.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"
#include "topolab/wire/convert.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::callContext;
using testing::listOn;

struct Cluster {
  std::vector<std::unique_ptr<AgentProcess>> agents;

  explicit Cluster(int n, const std::vector<std::string>& extra = {}) {
    for (int i = 0; i < n; ++i) {
      agents.push_back(
          std::make_unique<AgentProcess>("node-" + std::string(1, char('a' + i)), extra));
    }
  }
  bool started() const {
    for (const auto& a : agents) {
      if (!a->started()) return false;
    }
    return true;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& a : agents) n.push_back(a->name());
    return n;
  }
};

std::string randomPlanId() {
  std::random_device rd;
  return std::to_string(rd()) + std::to_string(rd());
}

v1::DeployRequest deployRequest(const Cluster& c, const std::string& yaml, const Topology& t,
                                const std::string& plan_id) {
  std::string error;
  const auto plan = planDeployment(t, c.names(), &error);
  EXPECT_TRUE(plan.has_value()) << error;
  v1::DeployRequest req;
  req.set_deployment(t.name);
  req.set_topology_yaml(yaml);
  req.set_plan_id(plan_id);
  if (plan) wire::toProto(*plan, &req);
  for (const auto& a : c.agents) {
    auto* pa = req.add_agents();
    pa->set_name(a->name());
    pa->set_address(a->address());
  }
  return req;
}

// PREPARE everywhere, then START everywhere (the two-phase deploy, done by hand).
void deploy(Cluster& c, const std::string& yaml) {
  LoadResult r = parseTopology(yaml, "test.yaml");
  ASSERT_TRUE(r.ok());
  v1::DeployRequest req = deployRequest(c, yaml, *r.topology, randomPlanId());
  for (auto phase : {v1::DeployRequest::PHASE_PREPARE, v1::DeployRequest::PHASE_START}) {
    for (const auto& a : c.agents) {
      req.set_phase(phase);
      req.set_self(a->name());
      v1::DeployReply reply;
      auto ctx = callContext(a->operatorToken());
      const grpc::Status s = a->stub()->Deploy(ctx.get(), req, &reply);
      ASSERT_TRUE(s.ok()) << a->name() << ": " << s.error_message();
    }
  }
}

// Follows WatchMetrics on every agent until each reports `finished` (or the
// timeout); returns the last cumulative snapshot of every agent, merged.
Snapshot watchUntilFinished(Cluster& c, const std::string& name, std::chrono::seconds timeout) {
  std::map<std::string, Snapshot> last;
  std::vector<std::thread> threads;
  std::mutex mu;
  for (const auto& a : c.agents) {
    threads.emplace_back([&, agent = a.get()] {
      auto ctx = callContext(agent->viewerToken(), timeout);
      v1::WatchRequest req;
      req.set_deployment(name);
      auto stub = agent->stub();
      auto reader = stub->WatchMetrics(ctx.get(), req);
      v1::MetricsUpdate u;
      while (reader->Read(&u)) {
        std::lock_guard lock(mu);
        last[agent->name()] = wire::fromProto(u);
        if (u.state() == "finished") {
          ctx->TryCancel();
          break;
        }
      }
      reader->Finish();
    });
  }
  for (auto& t : threads) t.join();
  Snapshot merged;
  for (auto& [agent, s] : last) {
    merged.t_ms = std::max(merged.t_ms, s.t_ms);
    for (auto& i : s.instances) merged.instances.push_back(i);
  }
  return merged;
}

void stopEverywhere(Cluster& c, const std::string& name) {
  for (const auto& a : c.agents) {
    auto ctx = callContext(a->operatorToken());
    v1::StopRequest req;
    req.set_deployment(name);
    req.set_drain_ms(1000);
    v1::StopReply reply;
    const grpc::Status s = a->stub()->Stop(ctx.get(), req, &reply);
    EXPECT_TRUE(s.ok()) << a->name() << ": " << s.error_message();
  }
}

const char* kAtLeastOnce = R"(topolab: 1
name: spread
defaults: {delivery: at-least-once, ack_timeout_ms: 5000}
components:
  - {id: source, type: generator, params: {rate: 0, count: 30000, keys: 30000, distribution: sequential}}
  - {id: flaky, type: work, parallelism: 3, params: {error_rate: 0.02}}
  - {id: sink, type: counter, parallelism: 2}
streams:
  - {from: source, to: flaky}
  - {from: flaky, to: sink}
)";

TEST(AgentCluster, AtLeastOnceAcrossThreeAgentsDeliversEverything) {
  Cluster c(3);
  ASSERT_TRUE(c.started());
  deploy(c, kAtLeastOnce);
  const Snapshot s = watchUntilFinished(c, "spread", std::chrono::seconds(60));
  const auto totals = totalStats(s);
  ASSERT_TRUE(totals.count("source"));
  EXPECT_EQ(totals.at("source").counters.acked, 30000u) << "every producer tuple is acked";
  EXPECT_GT(totals.at("source").counters.replayed, 0u);
  EXPECT_EQ(totals.at("sink").counters.received, 30000u) << "the sinks get them all";
  EXPECT_GT(totals.at("flaky").counters.errors, 0u);
  // Tuples crossed agents: each agent's flaky instance received some.
  std::map<std::string, uint64_t> per_agent;
  for (const auto& i : s.instances) {
    if (i.component == "flaky") per_agent[i.agent] += i.counters.received;
  }
  EXPECT_EQ(per_agent.size(), 3u);
  for (const auto& [agent, n] : per_agent) EXPECT_GT(n, 5000u) << agent;
  stopEverywhere(c, "spread");
  for (const auto& a : c.agents) EXPECT_TRUE(listOn(*a).empty()) << a->name();
}

TEST(AgentCluster, RealtimeAnalyticsSpreadOverThreeAgents) {
  Cluster c(3);
  ASSERT_TRUE(c.started());
  const std::string yaml =
      testing::readFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/realtime-analytics.yaml");
  deploy(c, yaml);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  Snapshot merged;
  for (const auto& a : c.agents) {
    auto ctx = callContext(a->viewerToken());
    v1::WatchRequest req;
    req.set_deployment("realtime-analytics");
    auto reader = a->stub()->WatchMetrics(ctx.get(), req);
    v1::MetricsUpdate u;
    ASSERT_TRUE(reader->Read(&u)) << a->name();
    EXPECT_EQ(u.state(), "running");
    for (const auto& i : wire::fromProto(u).instances) merged.instances.push_back(i);
    ctx->TryCancel();
    reader->Finish();
  }
  const auto totals = totalStats(merged);
  EXPECT_GT(totals.at("events").counters.emitted, 150000u);
  EXPECT_GT(totals.at("enrich").counters.received, 150000u);
  EXPECT_GT(totals.at("store").counters.received, 0u) << "windows reached the store across agents";
  stopEverywhere(c, "realtime-analytics");
  for (const auto& a : c.agents) EXPECT_TRUE(listOn(*a).empty()) << a->name();
}

TEST(AgentSecurity, RefusesDeployWithoutTheOperatorToken) {
  Cluster c(1);
  ASSERT_TRUE(c.started());
  AgentProcess& a = *c.agents[0];
  LoadResult r = parseTopology(kAtLeastOnce, "t.yaml");
  v1::DeployRequest req = deployRequest(c, kAtLeastOnce, *r.topology, "p1");
  req.set_phase(v1::DeployRequest::PHASE_PREPARE);
  req.set_self(a.name());
  const std::vector<std::pair<std::string, grpc::StatusCode>> cases = {
      {"", grpc::StatusCode::UNAUTHENTICATED},
      {"not-the-token", grpc::StatusCode::UNAUTHENTICATED},
      {a.viewerToken(), grpc::StatusCode::PERMISSION_DENIED},
  };
  for (const auto& [token, code] : cases) {
    auto ctx = callContext(token);
    v1::DeployReply reply;
    const grpc::Status s = a.stub()->Deploy(ctx.get(), req, &reply);
    EXPECT_EQ(s.error_code(), code) << "token '" << token << "': " << s.error_message();
    EXPECT_FALSE(s.error_message().empty());
  }
  EXPECT_TRUE(listOn(a).empty()) << "nothing runs";
  // Refused attempts are audited.
  const std::string audit = testing::readFile(a.stateDir() + "/audit.log");
  EXPECT_NE(audit.find("Deploy"), std::string::npos) << audit;
}

TEST(AgentSecurity, NonLoopbackWithoutTlsRefusesToStart) {
  AgentProcess a("exposed", {"--listen", "0.0.0.0:0"});
  EXPECT_FALSE(a.started());
  const int status = a.stop(SIGKILL);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  EXPECT_NE(a.log().find("--insecure"), std::string::npos) << a.log();
}

TEST(AgentSecurity, HostileRequestsGetAStatusNamingTheProblem) {
  Cluster c(1, {"--max-message-bytes", "200000", "--max-components", "500"});
  ASSERT_TRUE(c.started());
  AgentProcess& a = *c.agents[0];
  auto prepare = [&](const std::string& yaml, const std::string& self = "node-a") {
    v1::DeployRequest req;
    req.set_phase(v1::DeployRequest::PHASE_PREPARE);
    req.set_deployment("bad");
    req.set_topology_yaml(yaml);
    req.set_self(self);
    req.set_plan_id("p");
    auto* pa = req.add_agents();
    pa->set_name("node-a");
    pa->set_address(a.address());
    LoadResult r = parseTopology(yaml, "x");
    if (r.topology) {
      for (const auto& comp : r.topology->components) {
        for (int i = 0; i < comp.instances(); ++i) {
          auto* p = req.add_placements();
          p->set_component(comp.id);
          p->set_index(i);
          p->set_agent("node-a");
        }
      }
    }
    auto ctx = callContext(a.operatorToken());
    v1::DeployReply reply;
    return a.stub()->Deploy(ctx.get(), req, &reply);
  };
  const std::string head = "topolab: 1\nname: bad\ncomponents:\n";
  struct Case {
    std::string what, yaml;
    std::vector<grpc::StatusCode> codes;
    std::string mention;
  };
  std::string many = head;
  for (int i = 0; i < 100000; ++i) many += "  - {id: c" + std::to_string(i) + ", type: counter}\n";
  std::string big = head + "  - {id: g, type: generator}\n#" + std::string(300000, 'x') + "\n";
  const std::vector<Case> cases = {
      {"unknown type",
       head + "  - {id: g, type: nosuch}\n",
       {grpc::StatusCode::INVALID_ARGUMENT},
       "nosuch"},
      {"bad params",
       head + "  - {id: g, type: generator, params: {rate: fast}}\n",
       {grpc::StatusCode::INVALID_ARGUMENT},
       "rate"},
      {"over the message cap", big, {grpc::StatusCode::RESOURCE_EXHAUSTED}, ""},
      {"100,000 components",
       many,
       {grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::INVALID_ARGUMENT},
       ""},
      {"placement on an unknown agent",
       head + "  - {id: g, type: generator, placement: [node-z]}\n  - {id: s, type: "
              "counter}\nstreams: [{from: g, to: s}]\n",
       {grpc::StatusCode::INVALID_ARGUMENT},
       "node-z"},
      {"file-sink outside the state dir",
       head + "  - {id: g, type: generator}\n  - {id: s, type: file-sink, params: {path: "
              "/etc/passwd}}\nstreams: [{from: g, to: s}]\n",
       {grpc::StatusCode::INVALID_ARGUMENT},
       "/etc/passwd"},
  };
  for (const Case& k : cases) {
    const grpc::Status s = prepare(k.yaml);
    EXPECT_NE(std::find(k.codes.begin(), k.codes.end(), s.error_code()), k.codes.end())
        << k.what << ": code " << s.error_code() << " " << s.error_message().substr(0, 300);
    EXPECT_FALSE(s.error_message().empty()) << k.what;
    if (!k.mention.empty()) {
      EXPECT_NE(s.error_message().find(k.mention), std::string::npos)
          << k.what << ": " << s.error_message().substr(0, 300);
    }
  }
  // The agent keeps serving, and nothing was deployed.
  auto ctx = callContext(a.viewerToken());
  v1::HealthReply health;
  EXPECT_TRUE(a.stub()->Health(ctx.get(), v1::HealthRequest(), &health).ok());
  EXPECT_TRUE(health.serving());
  EXPECT_TRUE(listOn(a).empty());
}

TEST(AgentLifecycle, SigtermDrainsAndExitsZero) {
  Cluster c(1);
  ASSERT_TRUE(c.started());
  deploy(c, testing::readFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/web-tier.yaml"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int status = c.agents[0]->stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status)) << c.agents[0]->log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << c.agents[0]->log();
}

TEST(AgentLifecycle, HelloReportsTheAgentAndTheCallersRole) {
  Cluster c(1);
  ASSERT_TRUE(c.started());
  auto ctx = callContext(c.agents[0]->viewerToken());
  v1::HelloRequest req;
  req.set_api_version(1);
  v1::HelloReply reply;
  ASSERT_TRUE(c.agents[0]->stub()->Hello(ctx.get(), req, &reply).ok());
  EXPECT_EQ(reply.api_version(), 1u);
  EXPECT_EQ(reply.agent_name(), "node-a");
  EXPECT_GT(reply.cores(), 0u);
  EXPECT_GT(reply.memory_bytes(), 0u);
  EXPECT_EQ(reply.role(), "viewer");
  auto ctx2 = callContext(c.agents[0]->viewerToken());
  req.set_api_version(2);
  const grpc::Status s = c.agents[0]->stub()->Hello(ctx2.get(), req, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("v1"), std::string::npos);
}

}  // namespace
}  // namespace topolab

namespace topolab {
namespace {

TEST(AgentMetrics, PrometheusEndpointPassesPromtoolWithALiveDeployment) {
  Cluster c(1, {"--metrics-port", "0"});
  ASSERT_TRUE(c.started());
  deploy(c, testing::readFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/web-tier.yaml"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::smatch m;
  const std::string log = c.agents[0]->log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)/metrics")))
      << log;
  const std::string url = "http://127.0.0.1:" + m[1].str() + "/metrics";
  const std::string out =
      (std::filesystem::temp_directory_path() / ("metrics-" + std::to_string(getpid()))).string();
  const std::string fetch =
      "python3 -c 'import sys,urllib.request; "
      "sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' " +
      url + " > " + out;
  ASSERT_EQ(std::system(fetch.c_str()), 0);
  const std::string body = testing::readFile(out);
  EXPECT_NE(body.find("topolab_tuples_received_total{"), std::string::npos);
  EXPECT_NE(body.find("component=\"haproxy\""), std::string::npos);
  EXPECT_NE(body.find("topolab_lb_member_healthy"), std::string::npos);
  EXPECT_EQ(std::system(("promtool check metrics < " + out).c_str()), 0) << body.substr(0, 2000);
  std::filesystem::remove(out);
}

}  // namespace
}  // namespace topolab

#include "test_pki.h"

namespace topolab {
namespace {

std::shared_ptr<grpc::ChannelCredentials> clientTls(const std::string& dir,
                                                    const std::string& client) {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = testing::readFile(dir + "/ca.crt");
  if (!client.empty()) {
    o.pem_cert_chain = testing::readFile(dir + "/" + client + ".crt");
    o.pem_private_key = testing::readFile(dir + "/" + client + ".key");
  }
  return grpc::SslCredentials(o);
}

TEST(AgentSecurity, MutualTlsRefusesClientsWithoutACertificateFromItsCa) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("topolab-pki-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(dir);
  std::string log;
  ASSERT_TRUE(testing::makeTestPki(dir, &log)) << log;
  AgentProcess a("secure", {"--tls-cert", dir + "/server.crt", "--tls-key", dir + "/server.key",
                            "--tls-client-ca", dir + "/ca.crt"});
  ASSERT_TRUE(a.started()) << a.log();
  auto hello = [&](const std::string& client) {
    auto stub = v1::Agent::NewStub(grpc::CreateChannel(a.address(), clientTls(dir, client)));
    auto ctx = callContext(a.viewerToken(), std::chrono::seconds(5));
    v1::HelloRequest req;
    v1::HelloReply reply;
    return stub->Hello(ctx.get(), req, &reply);
  };
  EXPECT_TRUE(hello("client").ok()) << hello("client").error_message();
  EXPECT_FALSE(hello("stranger").ok()) << "a certificate from another CA is refused";
  EXPECT_FALSE(hello("").ok()) << "a client without a certificate is refused";
  // Plain text to a TLS port gets nowhere either.
  auto plain =
      v1::Agent::NewStub(grpc::CreateChannel(a.address(), grpc::InsecureChannelCredentials()));
  auto ctx = callContext(a.viewerToken(), std::chrono::seconds(5));
  v1::HelloReply reply;
  EXPECT_FALSE(plain->Hello(ctx.get(), v1::HelloRequest(), &reply).ok());
  std::filesystem::remove_all(dir);
}

TEST(AgentSecurity, NonLoopbackWithTlsStarts) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("topolab-pki2-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(dir);
  std::string log;
  ASSERT_TRUE(testing::makeTestPki(dir, &log)) << log;
  AgentProcess a("tls-any", {"--listen", "0.0.0.0:0", "--tls-cert", dir + "/server.crt",
                             "--tls-key", dir + "/server.key"});
  ASSERT_TRUE(a.started()) << a.log();
  EXPECT_NE(a.log().find("0.0.0.0"), std::string::npos) << a.log();
  EXPECT_NE(a.log().find("(TLS)"), std::string::npos) << a.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace topolab

namespace topolab {
namespace {

Snapshot latestOn(const AgentProcess& a, const std::string& name) {
  auto ctx = callContext(a.viewerToken(), std::chrono::seconds(5));
  v1::WatchRequest req;
  req.set_deployment(name);
  auto reader = a.stub()->WatchMetrics(ctx.get(), req);
  v1::MetricsUpdate u;
  Snapshot s;
  if (reader->Read(&u)) s = wire::fromProto(u);
  ctx->TryCancel();
  reader->Finish();
  return s;
}

TEST(AgentCluster, SurvivorsKeepRunningAndCountTheLossWhenAnAgentIsKilled) {
  Cluster c(3);
  ASSERT_TRUE(c.started());
  // Trees lost with the dead agent are replayed after ack_timeout_ms (1 s here);
  // until then max_pending holds the producers back, as in Storm.
  std::string yaml =
      testing::readFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/realtime-analytics.yaml");
  const std::string from = "ack_timeout_ms: 5000";
  ASSERT_NE(yaml.find(from), std::string::npos);
  yaml.replace(yaml.find(from), from.size(), "ack_timeout_ms: 1000");
  deploy(c, yaml);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  c.agents[2]->stop(SIGKILL);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const Snapshot before = latestOn(*c.agents[0], "realtime-analytics");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const Snapshot after = latestOn(*c.agents[0], "realtime-analytics");
  ASSERT_FALSE(after.instances.empty());
  const auto delta = intervalStats(before, after);
  EXPECT_GT(delta.at("events").counters.emitted, 10000u) << "the survivors keep producing";
  EXPECT_GT(totalStats(after).at("events").counters.replayed, 0u) << "lost trees are replayed";
  uint64_t dropped = 0;
  for (const auto& i : after.instances) dropped += i.counters.dropped;
  EXPECT_GT(dropped, 0u) << "tuples for the dead agent are counted as lost, not silently dropped";
  for (int i = 0; i < 2; ++i) {
    auto ctx = callContext(c.agents[i]->operatorToken());
    v1::StopRequest req;
    req.set_deployment("realtime-analytics");
    req.set_drain_ms(500);
    v1::StopReply reply;
    EXPECT_TRUE(c.agents[i]->stub()->Stop(ctx.get(), req, &reply).ok());
    EXPECT_TRUE(listOn(*c.agents[i]).empty());
  }
}

}  // namespace
}  // namespace topolab

namespace topolab {
namespace {

grpc::Status fault(const AgentProcess& a, const v1::FaultRequest& req,
                   std::string* detail = nullptr) {
  auto ctx = callContext(a.operatorToken());
  v1::FaultReply reply;
  const grpc::Status s = a.stub()->InjectFault(ctx.get(), req, &reply);
  if (detail) *detail = reply.detail();
  return s;
}

TEST(AgentFaults, FailLatencyAndKillShowInTheFiguresAndAsEvents) {
  Cluster c(1);
  ASSERT_TRUE(c.started());
  AgentProcess& a = *c.agents[0];
  // The killed instance stays dead for the intervals checked below.
  std::string yaml = testing::readFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/web-tier.yaml");
  yaml.insert(yaml.find("defaults:\n") + 10, "  restart: never\n");
  deploy(c, yaml);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  v1::FaultRequest fail;
  fail.set_deployment("web-tier");
  fail.mutable_fail()->set_component("node1");
  fail.mutable_fail()->set_ratio(0.5);
  std::string detail;
  ASSERT_TRUE(fault(a, fail, &detail).ok());
  EXPECT_NE(detail.find("node1"), std::string::npos) << detail;

  v1::FaultRequest latency;
  latency.set_deployment("web-tier");
  latency.mutable_latency()->set_component("responses");
  latency.mutable_latency()->set_latency_ms(50);
  ASSERT_TRUE(fault(a, latency).ok());

  v1::FaultRequest kill;
  kill.set_deployment("web-tier");
  kill.mutable_kill_instance()->set_component("node3");
  kill.mutable_kill_instance()->set_index(0);
  ASSERT_TRUE(fault(a, kill).ok());

  v1::FaultRequest unknown;
  unknown.set_deployment("web-tier");
  unknown.mutable_kill_instance()->set_component("nosuch");
  unknown.mutable_kill_instance()->set_index(0);
  EXPECT_EQ(fault(a, unknown).error_code(), grpc::StatusCode::NOT_FOUND);

  // Watch two intervals after the faults.
  auto ctx = callContext(a.viewerToken(), std::chrono::seconds(10));
  v1::WatchRequest req;
  req.set_deployment("web-tier");
  auto reader = a.stub()->WatchMetrics(ctx.get(), req);
  v1::MetricsUpdate u;
  std::vector<Snapshot> snaps;
  std::vector<std::string> events;
  while (snaps.size() < 4 && reader->Read(&u)) {
    snaps.push_back(wire::fromProto(u));
    for (const auto& e : u.events()) events.push_back(e.kind() + ": " + e.detail());
  }
  ctx->TryCancel();
  reader->Finish();
  ASSERT_EQ(snaps.size(), 4u);
  const auto delta = intervalStats(snaps[2], snaps[3]);
  const auto& node1 = delta.at("node1").counters;
  EXPECT_NEAR(static_cast<double>(node1.errors) / std::max<uint64_t>(node1.received, 1), 0.5, 0.1);
  EXPECT_GT(percentilesUs(delta.at("responses").e2e).p50, 50000.0) << "50 ms latency into the sink";
  EXPECT_EQ(delta.at("node3").alive, 0);
  EXPECT_EQ(delta.at("node3").counters.received, 0u) << "the balancer stopped sending to it";
  int fault_events = 0;
  for (const auto& e : events) fault_events += e.rfind("fault: ", 0) == 0;
  EXPECT_EQ(fault_events, 3) << "each fault is an event marker";
  const std::string audit = testing::readFile(a.stateDir() + "/audit.log");
  EXPECT_NE(audit.find("InjectFault"), std::string::npos);
}

TEST(AgentFaults, APartitionCutsAnAgentOffAndHeals) {
  Cluster c(2);
  ASSERT_TRUE(c.started());
  const std::string yaml = R"(topolab: 1
name: cut
components:
  - {id: gen, type: generator, params: {rate: 20000}, placement: [node-a]}
  - {id: sink, type: counter, placement: [node-b]}
streams:
  - {from: gen, to: sink}
)";
  deploy(c, yaml);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  v1::FaultRequest cut;
  cut.set_deployment("cut");
  cut.mutable_partition()->set_seconds(2);
  ASSERT_TRUE(fault(*c.agents[0], cut).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const Snapshot during = latestOn(*c.agents[0], "cut");
  uint64_t dropped = 0;
  for (const auto& i : during.instances) dropped += i.counters.dropped;
  EXPECT_GT(dropped, 5000u) << "tuples for the cut-off peer are counted as lost";
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  const Snapshot b1 = latestOn(*c.agents[1], "cut");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const Snapshot b2 = latestOn(*c.agents[1], "cut");
  EXPECT_GT(intervalStats(b1, b2).at("sink").counters.received, 10000u) << "the partition heals";
}

}  // namespace
}  // namespace topolab
