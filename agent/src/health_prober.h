// Load-balancer health checks across agents: a balancer's members on a peer
// are probed every health_check_ms with one DataPlane.Probe call, which asks
// the peer whether those instances are alive. A call that fails or does not
// answer within the period fails every member on that peer, so a dead, cut-off
// or stalled agent is taken out of rotation as surely as a killed instance.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "topolab/v1/dataplane.grpc.pb.h"

namespace topolab::agent {

class HealthProber {
 public:
  HealthProber(v1::DataPlane::Stub& stub, std::string deployment, std::string plan_id,
               std::string peer);
  ~HealthProber();  // stop()

  // Probes `target` too, at least every `period_ns`; before start().
  void add(uint32_t target, int64_t period_ns);
  // Starts probing when anything was added; stop() ends it and waits.
  void start();
  void stop();
  // The latest verdict for `target`: true until the first probe answers.
  bool healthy(uint32_t target) const;

 private:
  void loop();
  void probeOnce(int64_t period_ns);

  v1::DataPlane::Stub& stub_;
  const std::string deployment_;
  const std::string plan_id_;
  const std::string peer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint32_t, bool> verdicts_;
  int64_t period_ns_ = 0;
  bool failing_ = false;  // the last probe failed (logged once per failure streak)
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace topolab::agent
