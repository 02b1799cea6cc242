// A load balancer across real agents, broken on purpose: web-tier over three
// agents at 10,000 tuples/s, one member killed (its instance, or its whole
// agent with kill -9), then revived or restarted. Everything is judged from
// the figures a user watches: the merged interval figures of MetricsWatcher.
//
// "Back to 0 within 2 health intervals" is measured on the deployment clock:
// every interval that starts 2 × health_check_ms or more after the kill has
// no errors and no failed tuples anywhere in the topology.
#include <gtest/gtest.h>

#include <mutex>
#include <random>

#include "agent_process.h"
#include "topolab/control/cluster.h"
#include "topolab/control/cluster_client.h"
#include "topolab/control/metrics_watcher.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"
#include "topolab/wire/convert.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::callContext;
using Clock = std::chrono::steady_clock;

constexpr int64_t kHealthMs = 500;  // web-tier-3-agents' health_check_ms

std::string exampleText(const std::string& name) {
  return testing::readFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/" + name + ".yaml");
}

// web-tier-3-agents with `restart: never` added to its defaults: a killed
// member stays dead until revived.
std::string webTierKeepingKills() {
  std::string yaml = exampleText("web-tier-3-agents");
  const std::string defaults = "defaults:\n";
  EXPECT_NE(yaml.find(defaults), std::string::npos);
  yaml.insert(yaml.find(defaults) + defaults.size(), "  restart: never\n");
  return yaml;
}

struct Interval {
  Snapshot prev, cur;
};

// Three agents named as web-tier-3-agents places them, a cluster file for
// them, and a deployment followed by a watcher.
class BalancedLab {
 public:
  BalancedLab() {
    for (const char* name : {"node-a", "node-b", "node-c"}) {
      agents_.push_back(std::make_unique<AgentProcess>(name));
    }
    cluster_path_ = (std::filesystem::temp_directory_path() /
                     ("lb-cluster-" + std::to_string(getpid()) + ".yaml"))
                        .string();
  }
  ~BalancedLab() {
    watcher_.reset();
    if (client_) (void)client_->stop(name_, std::chrono::milliseconds(200));
    std::filesystem::remove(cluster_path_);
  }

  bool started() const {
    return std::all_of(agents_.begin(), agents_.end(), [](const auto& a) { return a->started(); });
  }
  AgentProcess& agent(int i) { return *agents_[i]; }

  // Deploys `yaml` on the three agents and starts watching it.
  void deploy(const std::string& yaml) {
    writeClusterFile();
    auto cluster = control::loadClusterFile(cluster_path_);
    ASSERT_TRUE(cluster.ok());
    std::string error;
    client_ = control::ClusterClient::create(*cluster.cluster, &error);
    ASSERT_TRUE(client_) << error;
    LoadResult loaded = parseTopology(yaml, "lb.yaml");
    ASSERT_TRUE(loaded.ok());
    topology_ = *loaded.topology;
    name_ = topology_.name;
    yaml_ = yaml;
    auto plan = planDeployment(topology_, cluster.cluster->agentNames(), &error);
    ASSERT_TRUE(plan) << error;
    plan_ = *plan;
    const control::DeployOutcome out = client_->deploy(topology_, yaml, plan_);
    ASSERT_TRUE(out.ok) << out.message;
    plan_id_ = out.plan_id;
    started_ = Clock::now();
    control::WatchCallbacks callbacks;
    callbacks.interval = [this](const Snapshot& prev, const Snapshot& cur) {
      std::lock_guard lock(mu_);
      intervals_.push_back({prev, cur});
    };
    control::WatchOptions options;
    options.grace = std::chrono::milliseconds(300);
    watcher_ = control::MetricsWatcher::start(*client_, name_, {"node-a", "node-b", "node-c"},
                                              std::move(callbacks), options, &error);
    ASSERT_TRUE(watcher_) << error;
  }

  control::FaultOutcome fault(const control::FaultSpec& f) { return client_->fault(name_, f); }

  // The cluster file of the three agents, for the CLI.
  const std::string& clusterFile() {
    writeClusterFile();
    return cluster_path_;
  }

  // Now on the deployment's clock (it starts when deploy returns, give or
  // take the START round trip, so this errs early: the checks are stricter).
  int64_t nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
  }

  // Waits until an interval ends after `t_ms`, or the timeout.
  void waitPast(int64_t t_ms, std::chrono::seconds timeout = std::chrono::seconds(8)) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (!intervals_.empty() && intervals_.back().prev.t_ms >= t_ms) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::vector<Interval> intervals() const {
    std::lock_guard lock(mu_);
    return intervals_;
  }

  // Restarts agent `i` on its old port after a kill -9, and gives it its
  // share of the running plan again (PREPARE + START with the same plan id).
  void restartAgent(int i) {
    const std::string name = agents_[i]->name();
    const std::string listen = agents_[i]->address();
    retired_.push_back(std::move(agents_[i]));
    agents_[i] = std::make_unique<AgentProcess>(name, std::vector<std::string>{"--listen", listen});
    ASSERT_TRUE(agents_[i]->started()) << agents_[i]->log();
    v1::DeployRequest req;
    req.set_deployment(name_);
    req.set_topology_yaml(yaml_);
    req.set_plan_id(plan_id_);
    req.set_self(name);
    wire::toProto(plan_, &req);
    for (const auto& a : agents_) {
      auto* pa = req.add_agents();
      pa->set_name(a->name());
      pa->set_address(a->address());
    }
    for (auto phase : {v1::DeployRequest::PHASE_PREPARE, v1::DeployRequest::PHASE_START}) {
      req.set_phase(phase);
      v1::DeployReply reply;
      auto ctx = callContext(agents_[i]->operatorToken());
      const grpc::Status s = agents_[i]->stub()->Deploy(ctx.get(), req, &reply);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

 private:
  void writeClusterFile() {
    std::string yaml = "agents:\n";
    for (const auto& a : agents_) {
      yaml += "  - {name: " + a->name() + ", address: \"" + a->address() + "\", token_file: \"" +
              a->operatorTokenFile() + "\"}\n";
    }
    std::ofstream(cluster_path_) << yaml;
  }

  std::vector<std::unique_ptr<AgentProcess>> agents_;
  std::vector<std::unique_ptr<AgentProcess>> retired_;  // killed, kept for their logs
  std::string cluster_path_;
  control::ClusterClientPtr client_;
  control::MetricsWatcherPtr watcher_;
  Topology topology_;
  Plan plan_;
  std::string name_, yaml_, plan_id_;
  Clock::time_point started_;
  mutable std::mutex mu_;
  std::vector<Interval> intervals_;
};

const MemberStats* memberOf(const ComponentStats& lb, const std::string& member) {
  for (const MemberStats& m : lb.members) {
    if (m.member == member) return &m;
  }
  return nullptr;
}

// The intervals that start at or after `from_ms` (and end by `to_ms`).
std::vector<std::map<std::string, ComponentStats>> between(const std::vector<Interval>& all,
                                                           int64_t from_ms, int64_t to_ms) {
  std::vector<std::map<std::string, ComponentStats>> out;
  for (const Interval& i : all) {
    if (i.prev.t_ms >= from_ms && i.cur.t_ms <= to_ms) out.push_back(intervalStats(i.prev, i.cur));
  }
  return out;
}

Counters topologyCounters(const std::map<std::string, ComponentStats>& stats) {
  return topologyStats(stats).counters;
}

// After a member is lost at `kill_ms`: errors appear, then stop within two
// health intervals, and the two members left share the traffic.
void expectTakenOut(const std::vector<Interval>& all, int64_t kill_ms, int64_t until_ms,
                    const std::string& lost, bool errors_expected) {
  uint64_t errors_at_kill = 0;
  for (const auto& s : between(all, kill_ms - 1000, until_ms)) {
    errors_at_kill += topologyCounters(s).errors + topologyCounters(s).failed;
  }
  if (errors_expected) {
    EXPECT_GT(errors_at_kill, 0u) << "tuples lost with the member are counted, not silent";
  }
  const auto after = between(all, kill_ms + 2 * kHealthMs, until_ms);
  ASSERT_GE(after.size(), 2u) << "need two clean intervals after the kill";
  uint64_t forwarded = 0, answered = 0;
  for (const auto& s : after) {
    const Counters c = topologyCounters(s);
    EXPECT_EQ(c.errors, 0u) << "errors 2 health intervals after the kill";
    EXPECT_EQ(c.failed, 0u) << "failed tuples 2 health intervals after the kill";
    const ComponentStats& lb = s.at("haproxy");
    const MemberStats* gone = memberOf(lb, lost);
    ASSERT_NE(gone, nullptr);
    EXPECT_FALSE(gone->healthy) << lost << " is out of rotation";
    EXPECT_EQ(gone->sent, 0u) << lost << " gets nothing";
    uint64_t total = 0;
    for (const MemberStats& m : lb.members) total += m.sent;
    EXPECT_GT(total, 7000u) << "the balancer keeps forwarding ~10,000 tuples/s";
    for (const MemberStats& m : lb.members) {
      if (m.member == lost) continue;
      EXPECT_TRUE(m.healthy) << m.member;
      EXPECT_NEAR(static_cast<double>(m.sent) / std::max<uint64_t>(total, 1), 0.5, 0.1)
          << m.member << " takes half of the traffic";
    }
    forwarded += total;
    answered += s.at("responses").counters.received;
  }
  // Per interval, tuples crossing agents in batches land on either side of a boundary.
  EXPECT_GT(answered, forwarded * 8 / 10) << "responses keep arriving";
}

// After `back_ms`, the member is in rotation again and gets its third.
void expectBackInRotation(const std::vector<Interval>& all, int64_t back_ms,
                          const std::string& member) {
  const auto after = between(all, back_ms + 2 * kHealthMs, INT64_MAX);
  ASSERT_GE(after.size(), 1u);
  for (const auto& s : after) {
    const ComponentStats& lb = s.at("haproxy");
    const MemberStats* m = memberOf(lb, member);
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->healthy) << member << " is back in rotation";
    uint64_t total = 0;
    for (const MemberStats& x : lb.members) total += x.sent;
    EXPECT_NEAR(static_cast<double>(m->sent) / std::max<uint64_t>(total, 1), 1.0 / 3, 0.1)
        << member << " takes its third again";
    EXPECT_EQ(topologyCounters(s).errors, 0u);
  }
}

TEST(LoadBalancerAcrossAgents, KilledMemberInstanceIsTakenOutWithinTwoHealthIntervalsAndRevived) {
  BalancedLab lab;
  ASSERT_TRUE(lab.started());
  lab.deploy(webTierKeepingKills());
  lab.waitPast(1500);
  const int64_t kill_ms = lab.nowMs();
  const control::FaultOutcome killed =
      lab.fault({.kind = control::FaultSpec::Kind::KillInstance, .component = "node3", .index = 0});
  ASSERT_TRUE(killed.ok) << killed.message;
  lab.waitPast(kill_ms + 2 * kHealthMs + 2000);
  const int64_t revive_ms = lab.nowMs();
  const control::FaultOutcome revived =
      lab.fault({.kind = control::FaultSpec::Kind::Revive, .component = "node3", .index = 0});
  ASSERT_TRUE(revived.ok) << revived.message;
  ASSERT_EQ(revived.details.size(), 1u);
  EXPECT_EQ(revived.details[0].first, "node-c");
  lab.waitPast(revive_ms + 2 * kHealthMs + 1000);
  const auto all = lab.intervals();
  expectTakenOut(all, kill_ms, revive_ms, "node3#0", true);
  expectBackInRotation(all, revive_ms, "node3#0");
}

TEST(LoadBalancerAcrossAgents, MemberWhoseAgentIsKilledIsTakenOutAndReturnsWhenTheAgentRestarts) {
  BalancedLab lab;
  ASSERT_TRUE(lab.started());
  lab.deploy(exampleText("web-tier-3-agents"));
  lab.waitPast(1500);
  const int64_t kill_ms = lab.nowMs();
  lab.agent(2).stop(SIGKILL);  // node-c, which runs node3 only
  lab.waitPast(kill_ms + 2 * kHealthMs + 2000);
  const int64_t restart_ms = lab.nowMs();
  lab.restartAgent(2);
  // The peer link reconnects with backoff (at most 1 s), then a probe passes.
  lab.waitPast(restart_ms + 2 * kHealthMs + 2500);
  const auto all = lab.intervals();
  expectTakenOut(all, kill_ms, restart_ms, "node3#0", true);
  const auto last = between(all, restart_ms + 2 * kHealthMs + 1500, INT64_MAX);
  ASSERT_FALSE(last.empty());
  const MemberStats* back = memberOf(last.back().at("haproxy"), "node3#0");
  ASSERT_NE(back, nullptr);
  EXPECT_TRUE(back->healthy) << "the restarted agent's member is back in rotation";
  EXPECT_GT(back->sent, 2000u) << "and gets its share again";
}

TEST(LoadBalancerAcrossAgents, MemberOnACutOffAgentIsTakenOutAndReturnsWhenThePartitionHeals) {
  BalancedLab lab;
  ASSERT_TRUE(lab.started());
  lab.deploy(exampleText("web-tier-3-agents"));
  lab.waitPast(1500);
  const int64_t cut_ms = lab.nowMs();
  const control::FaultOutcome cut =
      lab.fault({.kind = control::FaultSpec::Kind::Partition, .agent = "node-c", .seconds = 4});
  ASSERT_TRUE(cut.ok) << cut.message;
  // Healed at +4 s; the links reconnect with backoff (at most 1 s), then a probe passes.
  const int64_t healed_ms = cut_ms + 4000 + 1000;
  lab.waitPast(healed_ms + 2 * kHealthMs + 1000);
  const auto all = lab.intervals();
  expectTakenOut(all, cut_ms, cut_ms + 4000, "node3#0", false);
  expectBackInRotation(all, healed_ms, "node3#0");
}

TEST(LoadBalancerAcrossAgents, AtLeastOnceTreesOfAKilledMemberAreReplayedAtOnce) {
  BalancedLab lab;
  ASSERT_TRUE(lab.started());
  std::string yaml = webTierKeepingKills();
  const std::string from = "delivery: at-most-once";
  ASSERT_NE(yaml.find(from), std::string::npos);
  // ack_timeout_ms far beyond the test: replays can only come from the health check.
  yaml.replace(yaml.find(from), from.size(), "delivery: at-least-once\n  ack_timeout_ms: 600000");
  lab.deploy(yaml);
  lab.waitPast(1500);
  const int64_t kill_ms = lab.nowMs();
  ASSERT_TRUE(
      lab.fault({.kind = control::FaultSpec::Kind::KillInstance, .component = "node3", .index = 0})
          .ok);
  lab.waitPast(kill_ms + 2 * kHealthMs + 2000);
  const auto all = lab.intervals();
  uint64_t replayed = 0;
  for (const auto& s : between(all, kill_ms - 1000, INT64_MAX)) {
    replayed += s.at("requests").counters.replayed;
  }
  EXPECT_GT(replayed, 0u) << "trees lost with node3 are replayed long before ack_timeout_ms";
  expectTakenOut(all, kill_ms, INT64_MAX, "node3#0", false);
}

// `topolab ARGS` with stdout and stderr; its lines and exit code.
std::pair<int, std::vector<std::string>> cli(const std::string& args) {
  FILE* p = popen((std::string(TOPOLAB_CLI) + " " + args + " 2>&1").c_str(), "r");
  std::vector<std::string> lines;
  char buf[1 << 16];
  while (fgets(buf, sizeof buf, p)) {
    lines.emplace_back(buf);
    if (lines.back().back() == '\n') lines.back().pop_back();
  }
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, lines};
}

bool anyLine(const std::vector<std::string>& lines, std::initializer_list<const char*> parts) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
    return std::all_of(parts.begin(), parts.end(),
                       [&](const char* part) { return l.find(part) != std::string::npos; });
  });
}

TEST(LoadBalancerAcrossAgents, DeployJsonShowsMembersAndDownUpEventsForKillAndRevive) {
  BalancedLab lab;
  ASSERT_TRUE(lab.started());
  const std::string cluster = lab.clusterFile();
  const std::string file = cluster + ".web-tier-3-agents.yaml";
  std::ofstream(file) << webTierKeepingKills();
  std::pair<int, std::vector<std::string>> deployed;
  std::thread deploy(
      [&] { deployed = cli("deploy " + file + " --cluster " + cluster + " --json --duration 7"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const auto killed = cli("fault web-tier-3-agents --cluster " + cluster + " --kill node3#0");
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const auto revived = cli("fault web-tier-3-agents --cluster " + cluster + " --revive node3#0");
  const auto again = cli("fault web-tier-3-agents --cluster " + cluster + " --revive node3#0");
  deploy.join();
  std::remove(file.c_str());
  EXPECT_EQ(killed.first, 0) << (killed.second.empty() ? "" : killed.second.back());
  ASSERT_EQ(revived.first, 0) << (revived.second.empty() ? "" : revived.second.back());
  EXPECT_TRUE(anyLine(revived.second, {"revived node3#0 on node-c"})) << revived.second[0];
  EXPECT_EQ(again.first, 1) << "a live instance cannot be revived";
  EXPECT_TRUE(anyLine(again.second, {"node3#0 is alive"}));
  ASSERT_EQ(deployed.first, 0);
  const auto& out = deployed.second;
  EXPECT_TRUE(
      anyLine(out, {R"("type":"interval")", R"("haproxy":{)", R"("members":{"node1#0":{"sent":)"}));
  EXPECT_TRUE(
      anyLine(out, {R"("type":"interval")", R"("node3#0":{"sent":0,)", R"("healthy":false})"}))
      << "an interval shows node3 out of rotation";
  const auto down = std::find_if(out.begin(), out.end(), [](const std::string& l) {
    return l.find(R"("kind":"member-down")") != std::string::npos &&
           l.find("node3#0") != std::string::npos;
  });
  const auto up = std::find_if(out.begin(), out.end(), [](const std::string& l) {
    return l.find(R"("kind":"member-up")") != std::string::npos &&
           l.find("node3#0") != std::string::npos;
  });
  ASSERT_NE(down, out.end()) << "a member-down event line";
  ASSERT_NE(up, out.end()) << "a member-up event line";
  EXPECT_LT(down, up);
}

}  // namespace
}  // namespace topolab
