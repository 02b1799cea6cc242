#include "service_notifier.h"

#include <systemd/sd-daemon.h>

namespace topolab::agent {

ServiceNotifier::~ServiceNotifier() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void ServiceNotifier::ready(const std::string& status) {
  // sd_notify returns 0 without NOTIFY_SOCKET: nothing to tell, nothing to do.
  if (sd_notify(0, ("READY=1\nSTATUS=" + status).c_str()) <= 0) return;
  uint64_t usec = 0;
  // Honours WATCHDOG_PID, so a watchdog meant for another process is ignored.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0 && !watchdog_.joinable()) {
    watchdog_ =
        std::thread([this, usec] { pingUntilStopped(std::chrono::microseconds(usec / 2)); });
  }
}

void ServiceNotifier::stopping(const std::string& status) {
  (void)sd_notify(0, ("STOPPING=1\nSTATUS=" + status).c_str());
}

void ServiceNotifier::pingUntilStopped(std::chrono::microseconds interval) {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    (void)sd_notify(0, "WATCHDOG=1");
    wake_.wait_for(lock, interval, [this] { return stop_; });
  }
}

}  // namespace topolab::agent
