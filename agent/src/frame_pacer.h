// How often a data-plane link may start a frame: on average at most one per
// `spacing`, with a burst of a few allowed, so a sender that writes about once
// per spacing (a generator's 1 ms pace, with jitter) never waits, while many
// tasks feeding one link share a frame instead of each starting their own.
// A generic cell rate algorithm: `tat_` is the theoretical start of the next
// frame at the average rate; a frame may start up to `burst` earlier than it.
#pragma once

#include <algorithm>
#include <cstdint>

namespace topolab::agent {

class FramePacer {
 public:
  // `spacing_ns`: the average gap between frames (0: no pacing);
  // `burst_frames`: how many frames may start back to back after a quiet spell.
  FramePacer(int64_t spacing_ns, int burst_frames)
      : spacing_(spacing_ns), burst_(spacing_ns * std::max(0, burst_frames - 1)) {}

  // When a frame may start, at `now_ns` or later (monotonic ns).
  int64_t readyAt(int64_t now_ns) const { return std::max(now_ns, tat_ - burst_); }
  // A frame started at `now_ns`.
  void started(int64_t now_ns) { tat_ = std::max(tat_, now_ns) + spacing_; }

 private:
  const int64_t spacing_;
  const int64_t burst_;
  int64_t tat_ = 0;
};

}  // namespace topolab::agent
