// topolab-failover-bench: web-tier-3-agents on three real agents (loopback),
// node3's instance on node-c killed and revived, node-c's agent killed: how
// long until the balancer on node-a reports the member out of rotation, and
// back in it after a revive. Read from node-a's metrics stream at a 100 ms
// interval, so each figure includes up to one interval of reporting.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

#include "bench_lab.h"
#include "bench_util.h"

namespace topolab {
namespace {

using bench::AgentProcess;
using bench::Lab;
using bench::median;
using testing::callContext;
using Clock = std::chrono::steady_clock;

constexpr const char* kMember = "node3#0";

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Follows node-a's metrics stream until node3#0's health is `healthy`; the
// time that took, or -1 after the timeout.
double waitForHealth(const AgentProcess& node_a, bool healthy, Clock::time_point since) {
  double found = -1;
  bench::watchMetrics(
      node_a, "web-tier-3-agents", 10,
      [&](const v1::MetricsUpdate& u) {
        for (const auto& i : u.instances()) {
          for (const auto& m : i.members()) {
            if (m.member() == kMember && m.healthy() == healthy) found = msSince(since);
          }
        }
        return found < 0;
      },
      0);
  return found;
}

struct Run {
  double instance_out = -1, revived_in = -1, agent_out = -1;
};

Run runOnce() {
  Lab lab(3);
  bench::requireStarted(lab);
  const auto& agents = lab.agents;
  std::string yaml =
      testing::readFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/web-tier-3-agents.yaml");
  const std::string from = "metrics_interval_ms: 1000";
  // The killed instance stays dead until the bench revives it.
  yaml.replace(yaml.find(from), from.size(), "metrics_interval_ms: 100\n  restart: never");
  bench::deployOverGrpc(lab, yaml, "web-tier-3-agents.yaml");
  // Faults at a random phase of the health checks, which run every 500 ms from the start.
  std::mt19937 rng(std::random_device{}());
  auto randomPause = [&rng](int base_ms) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(base_ms + std::uniform_int_distribution<int>(0, 499)(rng)));
  };
  randomPause(1500);
  const AgentProcess& node_a = *agents[0];
  auto fault = [&](bool revive) {
    v1::FaultRequest f;
    f.set_deployment("web-tier-3-agents");
    auto* k = revive ? f.mutable_revive_instance() : f.mutable_kill_instance();
    k->set_component("node3");
    k->set_index(0);
    v1::FaultReply reply;
    auto ctx = callContext(agents[2]->operatorToken());
    return agents[2]->stub()->InjectFault(ctx.get(), f, &reply).ok();
  };
  Run run;
  auto t = Clock::now();
  if (fault(false)) run.instance_out = waitForHealth(node_a, false, t);
  randomPause(0);
  t = Clock::now();
  if (fault(true)) run.revived_in = waitForHealth(node_a, true, t);
  randomPause(500);
  t = Clock::now();
  agents[2]->stop(SIGKILL);
  run.agent_out = waitForHealth(node_a, false, t);
  return run;
}

int benchMain(int argc, char** argv) {
  int runs = 5;
  CLI::App app{"TopoLab load-balancer failover across agents"};
  app.add_option("--runs", runs)->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  std::vector<double> out, in, agent_out;
  for (int i = 0; i < runs; ++i) {
    const Run r = runOnce();
    std::fprintf(stderr, "run %d: instance out %.0f ms, back %.0f ms, agent out %.0f ms\n", i + 1,
                 r.instance_out, r.revived_in, r.agent_out);
    out.push_back(r.instance_out);
    in.push_back(r.revived_in);
    agent_out.push_back(r.agent_out);
  }
  const char* cmd = "build/tests/bench/topolab-failover-bench";
  std::printf(
      "| web-tier-3-agents (health_check_ms 500): node3's instance killed on node-c → out of "
      "rotation on node-a | median %.0f ms (worst %.0f ms) | < 1000 ms (2 health intervals) | `%s` "
      "|\n",
      median(out), *std::max_element(out.begin(), out.end()), cmd);
  std::printf(
      "| the same instance revived → back in rotation | median %.0f ms (worst %.0f ms) | < 1000 ms "
      "| `%s` |\n",
      median(in), *std::max_element(in.begin(), in.end()), cmd);
  std::printf(
      "| node-c's agent killed (SIGKILL) → its member out of rotation | median %.0f ms (worst %.0f "
      "ms) | < 1000 ms | `%s` |\n",
      median(agent_out), *std::max_element(agent_out.begin(), agent_out.end()), cmd);
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::benchMain(argc, argv); }
