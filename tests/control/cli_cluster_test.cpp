// The `topolab` cluster commands as a user runs them (a real process), against
// fake agents served from this test: deploy (and --plan-only), watch, stop,
// fault and agents, with their output and exit codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.h"
#include "fake_agent.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"

namespace topolab::control {
namespace {

namespace fs = std::filesystem;
using cli_runner::lines;
using cli_runner::Result;
using testing::FakeServer;

constexpr std::string_view kPipeline = R"(topolab: 1
name: pipe
defaults: {metrics_interval_ms: 100}
components:
  - {id: gen, type: generator, parallelism: 2, params: {rate: 10}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: sink}
)";

// Each agent's part: gen#index receiving 10 per update, finished at update 5.
std::function<v1::MetricsUpdate(int)> finiteUpdates(int index) {
  return [index](int n) {
    const int k = std::min(n, 5);
    v1::MetricsUpdate u;
    u.set_t_ms(k * 100);
    u.set_state(n >= 5 ? "finished" : "running");
    auto* i = u.add_instances();
    i->set_component("gen");
    i->set_index(static_cast<uint32_t>(index));
    i->set_emitted(static_cast<uint64_t>(k) * 10);
    i->set_alive(true);
    return u;
  };
}

class CliClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("topolab-cli-cluster-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "operator.token") << testing::kToken << "\n";
    std::ofstream(dir_ / "pipe.yaml") << kPipeline;
    a_.agent().make_update = finiteUpdates(0);
    b_.agent().make_update = finiteUpdates(1);
    writeCluster({a_.address(), b_.address()});
  }
  void TearDown() override { fs::remove_all(dir_); }

  void writeCluster(const std::vector<std::string>& addresses, const std::string& extra = "") {
    std::ofstream out(dir_ / "cluster.yaml");
    out << "agents:\n";
    const char* names[] = {"node-a", "node-b"};
    for (size_t i = 0; i < addresses.size(); ++i) {
      out << "  - {name: " << names[i] << ", address: '" << addresses[i]
          << "', token_file: operator.token}\n";
    }
    out << extra;
  }
  std::string cluster() const { return (dir_ / "cluster.yaml").string(); }
  std::string pipeline() const { return (dir_ / "pipe.yaml").string(); }

  // Runs `topolab ARGS` with nothing on its input, capturing stdout and stderr.
  Result topolab(const std::vector<std::string>& args) {
    return cli_runner::topolab(args, "/dev/null");
  }

  fs::path dir_;
  FakeServer a_{"node-a"};
  FakeServer b_{"node-b"};
};

TEST_F(CliClusterTest, PlanOnlyPrintsThePlanAndContactsNoAgent) {
  // No token files and nothing listening: --plan-only needs only the names.
  writeCluster({"127.0.0.1:1", "127.0.0.1:2"});
  fs::remove(dir_ / "operator.token");
  const std::string example = std::string(TOPOLAB_EXAMPLES_DIR) + "/wordcount.yaml";
  const Result r = topolab({"deploy", example, "--cluster", cluster(), "--plan-only"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::string error;
  const auto plan =
      planDeployment(*loadTopologyFile(example).topology, {"node-a", "node-b"}, &error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(r.out, formatPlan(*plan));
  const auto out = lines(r.out);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0].rfind("node-a: ", 0), 0u);
  EXPECT_EQ(out[1].rfind("node-b: ", 0), 0u);

  const Result json = topolab({"deploy", example, "--cluster", cluster(), "--plan-only", "--json"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(json.out, planJson(*plan) + "\n");
  EXPECT_TRUE(a_.agent().calls().empty());
}

TEST_F(CliClusterTest, ABadClusterFileIsInvalidInputWithItsPosition) {
  writeCluster({a_.address()}, "kafak: {bootstrap: embedded}\n");
  const Result r = topolab({"deploy", pipeline(), "--cluster", cluster(), "--plan-only"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, cluster() +
                       ":3:1: error: unknown key 'kafak' in the cluster file (expected agents, "
                       "tls, kafka)\n");
}

TEST_F(CliClusterTest, APlacementOnAnAgentTheClusterLacksIsInvalidInput) {
  std::ofstream(dir_ / "placed.yaml") << "topolab: 1\nname: placed\ncomponents:\n"
                                         "  - {id: gen, type: generator, placement: [node-z]}\n"
                                         "  - {id: sink, type: counter}\n"
                                         "streams:\n  - {from: gen, to: sink}\n";
  const Result r =
      topolab({"deploy", (dir_ / "placed.yaml").string(), "--cluster", cluster(), "--plan-only"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("node-z"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("placed.yaml:4:"), std::string::npos) << r.err;
}

TEST_F(CliClusterTest, DeployFollowsTheRunLikeRunAndCleansUp) {
  const Result r = topolab({"deploy", pipeline(), "--cluster", cluster(), "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  const auto out = lines(r.out);
  ASSERT_GE(out.size(), 3u) << r.out;
  EXPECT_EQ(
      out.front().rfind(
          R"({"type":"event","t_ms":0,"kind":"deploy","detail":"deployed pipe on node-a, node-b (plan )",
          0),
      0u)
      << out.front();
  EXPECT_EQ(out.back().rfind(R"({"type":"summary","duration_ms":500,)", 0), 0u) << out.back();
  EXPECT_NE(out.back().find(R"("gen":{"received":0,"emitted":100,)"), std::string::npos)
      << out.back();
  int intervals = 0;
  for (const std::string& l : out) intervals += l.rfind(R"({"type":"interval",)", 0) == 0;
  EXPECT_GE(intervals, 1);
  for (FakeServer* s : {&a_, &b_}) {
    const auto m = s->agent().methods();
    ASSERT_GE(m.size(), 5u);
    EXPECT_EQ(std::vector<std::string>(m.begin(), m.begin() + 3),
              (std::vector<std::string>{"Hello", "Deploy:PREPARE", "Deploy:START"}));
    EXPECT_EQ(m.back(), "Stop");  // finished parts are removed so the name can be deployed again
  }
}

TEST_F(CliClusterTest, DeployHeaderNamesTheDeliveryMode) {
  const Result r = topolab({"deploy", pipeline(), "--cluster", cluster()});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_FALSE(lines(r.out).empty());
  // `pipe` sets no delivery: at-most-once, the default.
  EXPECT_EQ(lines(r.out).front(), "pipe: at-most-once delivery") << r.out;
  EXPECT_NE(r.out.find("summary"), std::string::npos) << r.out;
}

TEST_F(CliClusterTest, DeployDetachedReturnsOnceStarted) {
  const Result r = topolab({"deploy", pipeline(), "--cluster", cluster(), "--detach"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.rfind("[0 s] deploy: deployed pipe on node-a, node-b (plan ", 0), 0u) << r.err;
  EXPECT_EQ(a_.agent().methods(),
            (std::vector<std::string>{"Hello", "Deploy:PREPARE", "Deploy:START"}));
}

TEST_F(CliClusterTest, AFailedDeployNamesTheAgentAndExitsOne) {
  b_.agent().prepare_status =
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "topology has 2 components; at most 1");
  const Result r = topolab({"deploy", pipeline(), "--cluster", cluster()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "error: deploying 'pipe' failed at PREPARE on node-b: topology has 2 components; at "
            "most 1 (aborted on node-a)\n");
  EXPECT_EQ(a_.agent().methods(),
            (std::vector<std::string>{"Hello", "Deploy:PREPARE", "Deploy:ABORT"}));
}

TEST_F(CliClusterTest, WatchFollowsADeploymentByName) {
  v1::DeploymentInfo info;
  info.set_name("pipe");
  info.set_state("running");
  a_.agent().deployments = {info};
  b_.agent().deployments = {info};
  const Result r = topolab({"watch", "pipe", "--cluster", cluster(), "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  const auto out = lines(r.out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().rfind(R"({"type":"summary","duration_ms":500,"slo":null,)", 0), 0u)
      << out.back();
  EXPECT_EQ(a_.agent().methods(), (std::vector<std::string>{"Watch"}));  // watching stops nothing

  const Result none = topolab({"watch", "other", "--cluster", cluster()});
  EXPECT_EQ(none.code, 1);
  EXPECT_EQ(none.err, "error: no agent of " + cluster() + " runs deployment 'other'\n");
}

TEST_F(CliClusterTest, StopSaysWhereItStopped) {
  b_.agent().stop_status = grpc::Status(grpc::StatusCode::NOT_FOUND, "no deployment 'pipe'");
  const Result r = topolab({"stop", "pipe", "--cluster", cluster()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "stopped pipe on node-a (drained)\n");
}

TEST_F(CliClusterTest, FaultPrintsWhatEachAgentDid) {
  a_.agent().fault_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "gen#1 does not run on node-a");
  b_.agent().fault_detail = "killed gen#1";
  const Result r = topolab({"fault", "pipe", "--cluster", cluster(), "--kill", "gen#1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "killed gen#1 on node-b\n");

  const Result bad = topolab({"fault", "pipe", "--cluster", cluster(), "--latency", "gen"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err,
            "error: --latency 'gen': expected ID=MS with MS from 0 to 3600000, e.g. enrich=50\n");

  const Result none = topolab({"fault", "pipe", "--cluster", cluster()});
  EXPECT_EQ(none.code, 2);

  const Result unknown =
      topolab({"fault", "pipe", "--cluster", cluster(), "--partition", "node-x=3"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_EQ(unknown.err, "error: --partition: no agent 'node-x' in " + cluster() + "\n");
}

TEST_F(CliClusterTest, AgentsShowsEachAgentOrItsError) {
  b_.shutdown();
  const Result r = topolab({"agents", "--cluster", cluster()});
  EXPECT_EQ(r.code, 1);
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_EQ(out[0].rfind("AGENT ", 0), 0u);
  EXPECT_NE(out[0].find("DEPLOYMENTS"), std::string::npos);
  EXPECT_EQ(out[1].rfind("node-a  ", 0), 0u);
  EXPECT_NE(out[1].find("0.1.0-fake"), std::string::npos);
  EXPECT_NE(out[1].find("8.0 GiB"), std::string::npos);
  EXPECT_NE(out[1].find("operator"), std::string::npos);
  EXPECT_EQ(out[2].rfind("node-b  ", 0), 0u);
  EXPECT_NE(out[2].find("error: unreachable at " + b_.address()), std::string::npos) << out[2];
}

}  // namespace
}  // namespace topolab::control
