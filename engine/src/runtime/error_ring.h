// ErrorRing: the last kErrorSamples errors of one instance, as samples. Every
// error is counted by the task; this keeps only the text of the newest ones.
// Adding reuses the slots' buffers (no allocation once a slot has held a
// message of that length), so a component failing 10,000 tuples a second
// pays a short lock and two copies per error. Any thread may add; snapshots
// read under the same lock.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "topolab/engine/metrics.h"

namespace topolab {

class ErrorRing {
 public:
  // Longer messages and keys are cut to these many bytes.
  static constexpr size_t kMaxMessage = 512;
  static constexpr size_t kMaxKey = 128;

  void add(std::string_view message, std::string_view key);
  // The samples held, oldest first.
  std::vector<ErrorSample> samples() const;

 private:
  mutable std::mutex mu_;
  std::array<ErrorSample, kErrorSamples> slots_;
  size_t next_ = 0;  // slot for the next sample
  size_t held_ = 0;
};

// The next sample sequence number of this process: numbers start at the
// process's start time in microseconds, so an instance's sequence keeps
// growing when its task or its agent is restarted.
uint64_t nextErrorSequence();

}  // namespace topolab
