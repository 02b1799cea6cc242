// What the benchmarks on real agents share: a lab of agents on loopback with
// its cluster file (tests/agent/cli_lab.h), a deployment made straight over
// gRPC, and the agents' metrics streams.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "cli_lab.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"
#include "topolab/wire/convert.h"

namespace topolab::bench {

using testing::AgentProcess;
using testing::Lab;

// Ends the benchmark, with the agents' logs, unless every agent of `lab` started.
inline void requireStarted(const Lab& lab) {
  if (lab.started()) return;
  std::cerr << "agents did not start\n";
  for (const auto& a : lab.agents) std::cerr << a->log();
  std::exit(1);
}

// Deploys `yaml` (read from `source`) on every agent of `lab` as the CLI does,
// prepare on all and then start on all, straight over gRPC; ends the benchmark
// with the refusing agent's error. Returns the deployment's name.
inline std::string deployOverGrpc(const Lab& lab, const std::string& yaml,
                                  const std::string& source) {
  LoadResult r = parseTopology(yaml, source);
  std::vector<std::string> names;
  for (const auto& a : lab.agents) names.push_back(a->name());
  std::string error;
  const auto plan = planDeployment(*r.topology, names, &error);
  v1::DeployRequest req;
  req.set_deployment(r.topology->name);
  req.set_topology_yaml(yaml);
  req.set_plan_id(std::to_string(std::random_device{}()));
  wire::toProto(*plan, &req);
  for (const auto& a : lab.agents) {
    auto* pa = req.add_agents();
    pa->set_name(a->name());
    pa->set_address(a->address());
  }
  for (auto phase : {v1::DeployRequest::PHASE_PREPARE, v1::DeployRequest::PHASE_START}) {
    for (const auto& a : lab.agents) {
      req.set_phase(phase);
      req.set_self(a->name());
      v1::DeployReply reply;
      auto ctx = testing::callContext(a->operatorToken());
      const grpc::Status s = a->stub()->Deploy(ctx.get(), req, &reply);
      if (!s.ok()) {
        std::cerr << a->name() << ": " << s.error_message() << '\n';
        std::exit(1);
      }
    }
  }
  return r.topology->name;
}

// Follows `deployment`'s metrics stream on `a` for `seconds`, handing each
// update to `on_update` until it returns false; a read still waiting then is
// given up `grace_seconds` later.
inline void watchMetrics(const AgentProcess& a, const std::string& deployment, double seconds,
                         const std::function<bool(const v1::MetricsUpdate&)>& on_update,
                         double grace_seconds = 5) {
  auto ctx = testing::callContext(
      a.viewerToken(),
      std::chrono::milliseconds(static_cast<int>((seconds + grace_seconds) * 1000)));
  v1::WatchRequest req;
  req.set_deployment(deployment);
  auto stub = a.stub();
  auto reader = stub->WatchMetrics(ctx.get(), req);
  v1::MetricsUpdate u;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end && reader->Read(&u) && on_update(u)) {
  }
  ctx->TryCancel();
  reader->Finish();
}

}  // namespace topolab::bench
