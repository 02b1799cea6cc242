// The cluster client against in-process fake agents: the two-phase deploy and
// its rollback, Hello, Stop and fault routing.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "fake_agent.h"
#include "topolab/control/cluster_client.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"

namespace topolab::control {
namespace {

using testing::FakeServer;

constexpr std::string_view kPipeline = R"(topolab: 1
name: pipe
components:
  - {id: gen, type: generator, parallelism: 3, params: {rate: 10}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: sink}
)";

class ClusterClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"node-a", "node-b", "node-c"}) {
      servers_.push_back(std::make_unique<FakeServer>(name));
    }
    LoadResult loaded = parseTopology(kPipeline, "pipe.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.errors[0].format();
    topology_ = *loaded.topology;
    std::string error;
    auto plan = planDeployment(topology_, {"node-a", "node-b", "node-c"}, &error);
    ASSERT_TRUE(plan) << error;
    plan_ = *plan;
    for (const std::string& a : plan_.agents) ASSERT_FALSE(plan_.on(a).empty());
    client_ = ClusterClient::create(testing::clusterOf({a(), b(), c()}), &error);
    ASSERT_TRUE(client_) << error;
  }

  FakeServer* a() { return servers_[0].get(); }
  FakeServer* b() { return servers_[1].get(); }
  FakeServer* c() { return servers_[2].get(); }

  std::vector<std::unique_ptr<FakeServer>> servers_;
  Topology topology_;
  Plan plan_;
  ClusterClientPtr client_;
};

using Methods = std::vector<std::string>;

TEST_F(ClusterClientTest, DeployPreparesEverywhereThenStartsEverywhere) {
  const DeployOutcome out = client_->deploy(topology_, kPipeline, plan_);
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(out.agents, (std::vector<std::string>{"node-a", "node-b", "node-c"}));
  EXPECT_EQ(out.plan_id.size(), 16u);
  for (FakeServer* s : {a(), b(), c()}) {
    EXPECT_EQ(s->agent().methods(), (Methods{"Hello", "Deploy:PREPARE", "Deploy:START"}))
        << s->name();
    const auto calls = s->agent().calls();
    const v1::DeployRequest& prepare = calls[1].deploy;
    EXPECT_EQ(prepare.deployment(), "pipe");
    EXPECT_EQ(prepare.topology_yaml(), kPipeline);
    EXPECT_EQ(prepare.self(), s->name());
    EXPECT_EQ(prepare.plan_id(), out.plan_id);
    EXPECT_EQ(prepare.placements_size(), 4);
    ASSERT_EQ(prepare.agents_size(), 3);
    EXPECT_EQ(prepare.agents(1).name(), "node-b");
    EXPECT_EQ(prepare.agents(1).address(), b()->address());
    EXPECT_EQ(calls[2].deploy.plan_id(), out.plan_id);
    EXPECT_EQ(calls[2].deploy.self(), s->name());
  }
}

TEST_F(ClusterClientTest, OneAgentRefusingPrepareAbortsEveryOther) {
  b()->agent().prepare_status =
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "component 'gen': rate is out of range");
  const DeployOutcome out = client_->deploy(topology_, kPipeline, plan_);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.failed_agent, "node-b");
  EXPECT_EQ(out.message,
            "deploying 'pipe' failed at PREPARE on node-b: component 'gen': rate is out of range "
            "(aborted on node-a, node-c)");
  EXPECT_TRUE(out.rollback_errors.empty());
  EXPECT_EQ(a()->agent().methods(), (Methods{"Hello", "Deploy:PREPARE", "Deploy:ABORT"}));
  EXPECT_EQ(b()->agent().methods(), (Methods{"Hello", "Deploy:PREPARE"}));
  EXPECT_EQ(c()->agent().methods(), (Methods{"Hello", "Deploy:PREPARE", "Deploy:ABORT"}));
  EXPECT_EQ(a()->agent().calls()[2].plan_id, a()->agent().calls()[1].plan_id);
}

TEST_F(ClusterClientTest, OneAgentRefusingStartStopsTheStartedAndAbortsIt) {
  c()->agent().start_status = grpc::Status(grpc::StatusCode::INTERNAL, "port in use");
  const DeployOutcome out = client_->deploy(topology_, kPipeline, plan_);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.failed_agent, "node-c");
  EXPECT_NE(out.message.find("failed at START on node-c: port in use"), std::string::npos)
      << out.message;
  EXPECT_EQ(a()->agent().methods(), (Methods{"Hello", "Deploy:PREPARE", "Deploy:START", "Stop"}));
  EXPECT_EQ(b()->agent().methods(), (Methods{"Hello", "Deploy:PREPARE", "Deploy:START", "Stop"}));
  EXPECT_EQ(c()->agent().methods(),
            (Methods{"Hello", "Deploy:PREPARE", "Deploy:START", "Deploy:ABORT"}));
}

TEST_F(ClusterClientTest, AnUnreachableAgentFailsTheDeployBeforeAnythingIsPrepared) {
  c()->shutdown();
  const DeployOutcome out = client_->deploy(topology_, kPipeline, plan_);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.failed_agent, "node-c");
  EXPECT_EQ(out.message.rfind("node-c: unreachable at " + c()->address(), 0), 0u) << out.message;
  for (FakeServer* s : {a(), b()}) EXPECT_EQ(s->agent().methods(), (Methods{"Hello"}));
}

TEST_F(ClusterClientTest, AViewerTokenFailsTheDeployBeforeAnythingIsPrepared) {
  a()->agent().role = "viewer";
  const DeployOutcome out = client_->deploy(topology_, kPipeline, plan_);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.failed_agent, "node-a");
  EXPECT_NE(out.message.find("viewer token"), std::string::npos) << out.message;
  for (FakeServer* s : {a(), b(), c()}) EXPECT_EQ(s->agent().methods(), (Methods{"Hello"}));
}

TEST_F(ClusterClientTest, HelloReportsEachAgentOrWhyNot) {
  b()->agent().api_version = 2;
  c()->shutdown();
  const auto hellos = client_->hello();
  ASSERT_EQ(hellos.size(), 3u);
  EXPECT_TRUE(hellos[0].ok()) << hellos[0].error;
  EXPECT_EQ(hellos[0].version, "0.1.0-fake");
  EXPECT_EQ(hellos[0].cores, 4u);
  EXPECT_EQ(hellos[0].role, "operator");
  EXPECT_EQ(hellos[1].error.substr(0, 60),
            "agent node-b speaks API v2, this topolab speaks v1: use the ");
  EXPECT_EQ(hellos[2].error.rfind("unreachable at " + c()->address(), 0), 0u) << hellos[2].error;
}

TEST_F(ClusterClientTest, AWrongTokenIsNamedWithItsFile) {
  ClusterFile cluster = testing::clusterOf({a()});
  cluster.agents[0].token = "wrong";
  std::string error;
  auto client = ClusterClient::create(cluster, &error);
  const auto hellos = client->hello();
  EXPECT_EQ(hellos[0].error, "refused the token in /fake/node-a.token: no valid bearer token");
}

TEST_F(ClusterClientTest, StopSkipsAgentsWithoutTheDeployment) {
  b()->agent().stop_status = grpc::Status(grpc::StatusCode::NOT_FOUND, "no deployment 'pipe'");
  const StopOutcome out = client_->stop("pipe", std::chrono::milliseconds(100));
  EXPECT_TRUE(out.ok) << out.message;
  ASSERT_EQ(out.stopped.size(), 2u);
  EXPECT_EQ(out.stopped[0].agent, "node-a");
  EXPECT_EQ(out.stopped[1].agent, "node-c");
}

TEST_F(ClusterClientTest, StopOfADeploymentNoAgentHasFails) {
  for (FakeServer* s : {a(), b(), c()}) {
    s->agent().stop_status = grpc::Status(grpc::StatusCode::NOT_FOUND, "no deployment 'x'");
  }
  const StopOutcome out = client_->stop("x", std::chrono::milliseconds(0));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.message, "no agent of test-cluster.yaml runs deployment 'x'");
}

TEST_F(ClusterClientTest, KillGoesToEveryAgentAndThoseWithoutTheInstanceAreIgnored) {
  a()->agent().fault_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "gen#1 does not run on node-a");
  c()->agent().fault_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "gen#1 does not run on node-c");
  b()->agent().fault_detail = "killed gen#1";
  std::string error;
  const auto kill = parseKill("gen#1", &error);
  ASSERT_TRUE(kill) << error;
  const FaultOutcome out = client_->fault("pipe", *kill);
  EXPECT_TRUE(out.ok) << out.message;
  ASSERT_EQ(out.details.size(), 1u);
  EXPECT_EQ(out.details[0].first, "node-b");
  EXPECT_EQ(out.details[0].second, "killed gen#1 on node-b");
  for (FakeServer* s : {a(), b(), c()}) EXPECT_EQ(s->agent().methods().size(), 1u);
}

// An agent that is not yet listening when a call goes out (restarting, or
// its first connection failed) gets the call once it listens.
TEST_F(ClusterClientTest, ACallReachesAnAgentThatListensShortlyAfter) {
  const std::string address = c()->address();
  c()->shutdown();
  std::unique_ptr<FakeServer> again;
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    again = std::make_unique<FakeServer>("node-c", address);
    again->agent().fault_detail = "killed gen#1";
  });
  a()->agent().fault_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "gen#1 does not run on node-a");
  b()->agent().fault_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "gen#1 does not run on node-b");
  const FaultOutcome out = client_->fault("pipe", *parseKill("gen#1", nullptr));
  later.join();
  EXPECT_TRUE(out.ok) << out.message;
  ASSERT_EQ(out.details.size(), 1u);
  EXPECT_EQ(out.details[0].first, "node-c");
  EXPECT_EQ(again->agent().methods().size(), 1u);
}

TEST_F(ClusterClientTest, AFaultNoAgentCanApplyFails) {
  for (FakeServer* s : {a(), b(), c()}) {
    s->agent().fault_status = grpc::Status(grpc::StatusCode::NOT_FOUND, "no gen#9 here");
  }
  const FaultOutcome out = client_->fault("pipe", *parseKill("gen#9", nullptr));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(
      out.message.rfind("kill gen#9 in 'pipe' failed: no agent has it (node-a: no gen#9 here", 0),
      0u)
      << out.message;
}

TEST_F(ClusterClientTest, APartitionGoesOnlyToItsAgent) {
  const FaultOutcome out = client_->fault("pipe", *parsePartition("node-b=5", nullptr));
  EXPECT_TRUE(out.ok) << out.message;
  EXPECT_TRUE(a()->agent().methods().empty());
  EXPECT_EQ(b()->agent().methods().size(), 1u);
  EXPECT_TRUE(c()->agent().methods().empty());
  const FaultOutcome unknown = client_->fault("pipe", *parsePartition("node-x=5", nullptr));
  EXPECT_FALSE(unknown.ok);
  EXPECT_NE(unknown.message.find("no agent 'node-x'"), std::string::npos);
}

TEST_F(ClusterClientTest, ListNamesTheAgentsOfADeployment) {
  v1::DeploymentInfo info;
  info.set_name("pipe");
  info.set_state("running");
  a()->agent().deployments = {info};
  c()->agent().deployments = {info};
  b()->shutdown();
  const ListOutcome out = client_->list();
  EXPECT_EQ(out.agentsOf("pipe"), (std::vector<std::string>{"node-a", "node-c"}));
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].agent, "node-b");
}

TEST_F(ClusterClientTest, AsyncCallsAnswerOnTheClientsThread) {
  std::promise<std::vector<AgentHello>> got;
  const auto caller = std::this_thread::get_id();
  std::thread::id answered_on;
  client_->helloAsync([&](std::vector<AgentHello> h) {
    answered_on = std::this_thread::get_id();
    got.set_value(std::move(h));
  });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get().size(), 3u);
  EXPECT_NE(answered_on, caller);
}

TEST(FaultSpec, ParsesTheCliForms) {
  std::string error;
  EXPECT_EQ(parseKill("enrich", &error)->index, -1);
  EXPECT_EQ(parseKill("enrich#2", &error)->index, 2);
  EXPECT_FALSE(parseKill("enrich#x", &error));
  EXPECT_EQ(error,
            "--kill 'enrich#x': the instance after '#' must be a number from 0, e.g. enrich#1");
  EXPECT_EQ(parseLatency("enrich=50", &error)->latency_ms, 50u);
  EXPECT_FALSE(parseLatency("enrich", &error));
  EXPECT_DOUBLE_EQ(parseFail("enrich=0.25", &error)->ratio, 0.25);
  EXPECT_FALSE(parseFail("enrich=1.5", &error));
  EXPECT_EQ(parsePartition("node-b=10", &error)->agent, "node-b");
  EXPECT_FALSE(parsePartition("node-b=0", &error));
  EXPECT_EQ(parseFail("enrich=0.25", &error)->describe(), "fail 0.25 of the tuples into enrich");
  const auto revive = parseRevive("node3#0", &error);
  ASSERT_TRUE(revive);
  EXPECT_EQ(revive->kind, FaultSpec::Kind::Revive);
  EXPECT_EQ(revive->describe(), "revive node3#0");
  EXPECT_EQ(parseRevive("node3", &error)->describe(), "revive every killed instance of node3");
  EXPECT_FALSE(parseRevive("#1", &error));
  EXPECT_EQ(error, "--revive '#1': expected ID or ID#N, e.g. enrich#1");
}

}  // namespace
}  // namespace topolab::control
