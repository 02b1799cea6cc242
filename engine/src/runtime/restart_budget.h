// How often a dead instance may come back (`defaults.restart`): each death
// asks the budget, which answers when to restart it, or why it stays dead.
// Shared by the runtime's supervision of any instance and by the shell
// components' supervision of their programs, so both read and count alike.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "topolab/engine/topology.h"

namespace topolab {

class RestartBudget {
 public:
  explicit RestartBudget(RestartPolicy policy) : policy_(std::move(policy)) {}

  // After a death at `now` (ns): true with `*due_ns` when a restart is
  // allowed; false with `*why` ("restart: never", "restarted 3 times within
  // 60 s") when the instance has failed.
  bool onDeath(int64_t now, int64_t* due_ns, std::string* why);
  // Counts a restart at `now`; the event's detail for `name` (component#N),
  // e.g. "enrich#1 restarted (1 of 3 within 60 s)".
  std::string restarted(const std::string& name, int64_t now);
  // The event's detail for an instance that stays dead, e.g.
  // "enrich#1 is dead (restart: never)".
  static std::string failed(const std::string& name, const std::string& why);

 private:
  RestartPolicy policy_;
  std::deque<int64_t> restarts_;  // when, within the policy's window
};

}  // namespace topolab
