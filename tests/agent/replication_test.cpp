// replicated-store across real agents: writes through `topolab deploy`, the
// primary's agent killed with SIGKILL at a random point, and what the new
// primary holds compared with what the writer was told was written.
#include <gtest/gtest.h>

#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "agent_process.h"
#include "cli_lab.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"
#include "topolab/wire/convert.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::callContext;
using testing::CliRun;
using testing::Lab;
using testing::runCli;
using Clock = std::chrono::steady_clock;

constexpr int kWrites = 20000;

std::string storeYaml(const std::string& name, const std::string& mode, int replicas, int count,
                      int rate) {
  return "topolab: 1\nname: " + name +
         "\ndefaults: {delivery: at-least-once, ack_timeout_ms: 2000}\ncomponents:\n"
         "  - {id: writes, type: generator, placement: [node-a], params: {rate: " +
         std::to_string(rate) + ", count: " + std::to_string(count) +
         ", keys: " + std::to_string(count > 0 ? count : 100000) +
         ", distribution: sequential}}\n"
         "  - {id: kv, type: replicated-store, params: {replicas: " +
         std::to_string(replicas) + ", mode: " + mode +
         ", failover_ms: 1000}}\nstreams:\n  - {from: writes, to: kv}\n";
}

std::string writeTemp(const std::string& name, const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".yaml"))
          .string();
  std::ofstream(path) << text;
  return path;
}

Plan planFor(const std::string& yaml, const Lab& lab) {
  LoadResult r = parseTopology(yaml, "test.yaml");
  EXPECT_TRUE(r.ok());
  std::vector<std::string> names;
  for (const auto& a : lab.agents) names.push_back(a->name());
  std::string error;
  auto plan = planDeployment(*r.topology, names, &error);
  EXPECT_TRUE(plan) << error;
  return plan ? *plan : Plan{};
}

AgentProcess* agentNamed(Lab& lab, const std::string& name) {
  for (auto& a : lab.agents) {
    if (a->name() == name) return a.get();
  }
  return nullptr;
}

// Keys in a store's state file (written in the deployment's files folder on stop).
std::set<std::string> keysIn(const std::string& path) {
  std::set<std::string> keys;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find("{\"key\":\"");
    if (a != 0) continue;
    keys.insert(line.substr(8, line.find('"', 8) - 8));
  }
  return keys;
}

grpc::Status latencyFault(const AgentProcess& a, const std::string& deployment, int ms) {
  v1::FaultRequest req;
  req.set_deployment(deployment);
  req.mutable_latency()->set_component("kv");
  req.mutable_latency()->set_latency_ms(static_cast<uint32_t>(ms));
  v1::FaultReply reply;
  auto ctx = callContext(a.operatorToken());
  return a.stub()->InjectFault(ctx.get(), req, &reply);
}

struct FailoverResult {
  int new_primary = -1;
  int64_t promotion_ms = -1;  // as the promoted follower measured it: primary last heard → promoted
  int64_t observed_ms = -1;   // SIGKILL → the event line reached the CLI's output
  uint64_t writer_acked = 0;  // from the summary line
  size_t on_new_primary = 0;  // of the kWrites keys
  std::string event;
};

// Deploys a store with three replicas on four agents through the CLI, slows
// its followers by 200 ms (a slow network to the replicas), kills the
// primary's agent somewhere in the run, and reads the new primary's state.
FailoverResult runFailover(const std::string& mode) {
  FailoverResult out;
  Lab lab(4);
  EXPECT_TRUE(lab.started());
  const std::string name = "kv-" + mode;
  const std::string yaml = storeYaml(name, mode, 3, kWrites, 5000);
  const std::string file = writeTemp(name, yaml);
  const Plan plan = planFor(yaml, lab);
  const std::string primary_agent = plan.find("kv", 0)->agent;
  EXPECT_NE(primary_agent, "node-a") << "the writer must survive the kill";

  std::mutex mu;
  std::vector<std::pair<Clock::time_point, std::string>> live;
  CliRun result;
  std::thread cli([&] {
    result = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 12",
                    nullptr, &mu, &live);
  });
  // Once writes flow, wait a random part of the run and kill the primary's agent.
  const auto give_up = Clock::now() + std::chrono::seconds(10);
  bool reporting = false;
  while (!reporting && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mu);
    for (const auto& [t, l] : live) reporting |= l.rfind("{\"type\":\"interval\"", 0) == 0;
  }
  EXPECT_TRUE(reporting);
  for (int i = 1; i <= 3; ++i) {
    const AgentProcess& a = *agentNamed(lab, plan.find("kv", i)->agent);
    const grpc::Status s = latencyFault(a, name, 200);
    EXPECT_TRUE(s.ok()) << a.name() << ": " << s.error_message();
  }
  std::mt19937 rng(std::random_device{}());
  // At least 300 ms after the fault, so the followers are fully 200 ms behind.
  const int delay_ms = 300 + std::uniform_int_distribution<int>(0, 2000)(rng);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  const auto killed = Clock::now();
  agentNamed(lab, primary_agent)->stop(SIGKILL);
  cli.join();
  std::filesystem::remove(file);

  // The first promotion: how long the store went without a primary.
  const std::regex promoted(R"(kv#(\d+) promoted to primary \(epoch 1\) (\d+) ms after kv#0)");
  for (const auto& [t, l] : result.lines) {
    std::smatch m;
    if (out.event.empty() && l.find("\"kind\":\"promotion\"") != std::string::npos &&
        std::regex_search(l, m, promoted)) {
      out.event = l;
      out.new_primary = std::stoi(m[1]);
      out.promotion_ms = std::stoll(m[2]);
      out.observed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - killed).count();
    }
  }
  std::string all;
  for (const auto& [t, l] : result.lines) all += l + "\n";
  EXPECT_GE(out.new_primary, 1) << "no promotion event in\n" << all;
  if (out.new_primary < 1) return out;
  const std::string& summary = result.lines.back().second;
  EXPECT_EQ(summary.rfind("{\"type\":\"summary\"", 0), 0u) << summary;
  const std::regex acked(R"("writes":\{[^}]*"acked":(\d+))");
  std::smatch m;
  if (std::regex_search(summary, m, acked)) out.writer_acked = std::stoull(m[1]);

  // The primary at the end, as its state file says (two followers may both
  // have promoted themselves; the lower index wins and the other steps down).
  int final_primary = -1;
  std::set<std::string> keys;
  for (int i = 1; i < 4; ++i) {
    const std::string state = agentNamed(lab, plan.find("kv", i)->agent)->stateDir() + "/files/" +
                              name + "/kv." + std::to_string(i) + ".jsonl";
    std::ifstream in(state);
    std::string header;
    std::getline(in, header);
    if (header.find("\"role\":\"primary\"") == std::string::npos) continue;
    EXPECT_EQ(final_primary, -1) << "two primaries at the end";
    final_primary = i;
    keys = keysIn(state);
  }
  EXPECT_GE(final_primary, 1) << "no state file names a primary";
  out.new_primary = final_primary;
  for (int i = 0; i < kWrites; ++i) out.on_new_primary += keys.count("k" + std::to_string(i));
  std::cout << "[ " << mode << " ] primary's agent " << primary_agent << " killed " << delay_ms
            << " ms after the first interval line and the fault; kv#" << out.new_primary
            << " is the new primary; promoted " << out.promotion_ms
            << " ms after the primary was last heard (event seen " << out.observed_ms
            << " ms after the kill); writer acked " << out.writer_acked << " of " << kWrites
            << "; the new primary holds " << out.on_new_primary
            << "; acknowledged writes lost: " << kWrites - out.on_new_primary << "\n";
  return out;
}

TEST(Replication, SyncLosesNoAcknowledgedWriteWhenThePrimarysAgentDies) {
  const FailoverResult r = runFailover("sync");
  ASSERT_GE(r.new_primary, 1);
  EXPECT_LE(r.promotion_ms, 1000) << "promoted within failover_ms: " << r.event;
  // Every write was acknowledged in the end (lost trees replay to the new
  // primary), and every acknowledged write is on the new primary, however
  // far behind the followers were.
  EXPECT_EQ(r.writer_acked, static_cast<uint64_t>(kWrites));
  EXPECT_EQ(r.on_new_primary, static_cast<size_t>(kWrites)) << "acknowledged writes were lost";
}

TEST(Replication, AsyncReportsTheAcknowledgedWritesItLost) {
  const FailoverResult r = runFailover("async");
  ASSERT_GE(r.new_primary, 1);
  EXPECT_LE(r.promotion_ms, 1000) << r.event;
  EXPECT_EQ(r.writer_acked, static_cast<uint64_t>(kWrites));
  // Async acknowledges once the primary applied a write, so the writer never
  // replays what the primary took with it: with followers 200 ms behind at
  // 5,000 writes/s, about a thousand acknowledged writes are gone. The loss
  // is what the new primary lacks, printed above, recorded as a test
  // property, and announced in the promotion event.
  const size_t lost = kWrites - r.on_new_primary;
  ::testing::Test::RecordProperty("acknowledged_writes_lost", static_cast<int>(lost));
  EXPECT_GT(lost, 100u) << "followers 200 ms behind lost nothing?";
  EXPECT_LT(lost, 5000u);
  EXPECT_NE(r.event.find("was last known to hold (lost with it)"), std::string::npos) << r.event;
}

// The replica stats of `component#index` as its agent reports them, until
// `done` holds for them or the timeout passes; returns the last seen.
ReplicaStats watchReplica(const AgentProcess& a, const std::string& deployment, int index,
                          const std::function<bool(const ReplicaStats&)>& done,
                          std::chrono::seconds timeout) {
  ReplicaStats last;
  auto ctx = callContext(a.viewerToken(), timeout);
  v1::WatchRequest req;
  req.set_deployment(deployment);
  auto stub = a.stub();
  auto reader = stub->WatchMetrics(ctx.get(), req);
  v1::MetricsUpdate u;
  while (reader->Read(&u)) {
    for (const InstanceSnapshot& i : wire::fromProto(u).instances) {
      if (i.component == "kv" && i.index == index && i.replica) last = *i.replica;
    }
    if (done(last)) break;
  }
  ctx->TryCancel();
  reader->Finish();
  return last;
}

TEST(Replication, LagRisesWhileAFollowerIsSlowedAndFallsBackAfter) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const std::string yaml = storeYaml("kv-lag", "async", 2, 0, 2000);
  const std::string file = writeTemp("kv-lag", yaml);
  const Plan plan = planFor(yaml, lab);
  const CliRun deployed = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --detach");
  std::filesystem::remove(file);
  ASSERT_EQ(deployed.code, 0) << (deployed.lines.empty() ? "" : deployed.lines.back().second);
  AgentProcess& follower = *agentNamed(lab, plan.find("kv", 1)->agent);
  ASSERT_NE(follower.name(), plan.find("kv", 0)->agent);

  const auto caught_up = [](const ReplicaStats& s) {
    return s.role == "follower" && s.applied > 1000 && s.lag_ops < 100;
  };
  ReplicaStats s = watchReplica(follower, "kv-lag", 1, caught_up, std::chrono::seconds(10));
  ASSERT_TRUE(caught_up(s)) << s.role << " applied " << s.applied << " lag " << s.lag_ops;

  // 600 ms on the follower only: at 2,000 writes/s it falls ~1,200 writes behind.
  ASSERT_TRUE(latencyFault(follower, "kv-lag", 600).ok());
  const auto behind = [](const ReplicaStats& s) { return s.lag_ops > 600 && s.lag_ms > 300; };
  s = watchReplica(follower, "kv-lag", 1, behind, std::chrono::seconds(10));
  EXPECT_TRUE(behind(s)) << "lag " << s.lag_ops << " writes, " << s.lag_ms << " ms";
  EXPECT_EQ(s.role, "follower") << "slow is not dead";

  ASSERT_TRUE(latencyFault(follower, "kv-lag", 0).ok());
  s = watchReplica(follower, "kv-lag", 1, caught_up, std::chrono::seconds(10));
  EXPECT_TRUE(caught_up(s)) << "lag " << s.lag_ops << " writes, " << s.lag_ms << " ms";
  EXPECT_LT(s.lag_ms, 300);

  const CliRun stopped = runCli("stop kv-lag --cluster " + lab.cluster_file);
  EXPECT_EQ(stopped.code, 0);
}

}  // namespace
}  // namespace topolab
