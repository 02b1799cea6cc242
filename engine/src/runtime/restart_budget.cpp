#include "runtime/restart_budget.h"

namespace topolab {

bool RestartBudget::onDeath(int64_t now, int64_t* due_ns, std::string* why) {
  const int64_t window_ns = int64_t{policy_.withinS()} * 1'000'000'000;
  while (!restarts_.empty() && now - restarts_.front() > window_ns) restarts_.pop_front();
  if (static_cast<int>(restarts_.size()) < policy_.maxRestarts()) {
    *due_ns = now + int64_t{policy_.delayMs()} * 1'000'000;
    return true;
  }
  *why = policy_.never ? "restart: never"
                       : "restarted " + std::to_string(restarts_.size()) + " times within " +
                             std::to_string(policy_.withinS()) + " s";
  return false;
}

std::string RestartBudget::restarted(const std::string& name, int64_t now) {
  restarts_.push_back(now);
  return name + " restarted (" + std::to_string(restarts_.size()) + " of " +
         std::to_string(policy_.maxRestarts()) + " within " + std::to_string(policy_.withinS()) +
         " s)";
}

std::string RestartBudget::failed(const std::string& name, const std::string& why) {
  return name + " is dead (" + why + ")";
}

}  // namespace topolab
