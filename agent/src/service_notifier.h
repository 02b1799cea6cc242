// Tells systemd how the agent is doing when it runs as a Type=notify service:
// READY=1 once it serves, STOPPING=1 when a stop begins, and WATCHDOG=1 pings
// while the unit's WatchdogSec= asks for them. Without NOTIFY_SOCKET (not
// started by systemd) every call does nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace topolab::agent {

class ServiceNotifier {
 public:
  ServiceNotifier() = default;
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // Sends READY=1 with `status` and, when WATCHDOG_USEC is set for this
  // process, starts pinging at half that interval until destruction.
  void ready(const std::string& status);
  // Sends STOPPING=1 with `status`; watchdog pings go on through the drain.
  void stopping(const std::string& status);

 private:
  void pingUntilStopped(std::chrono::microseconds interval);

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread watchdog_;
};

}  // namespace topolab::agent
