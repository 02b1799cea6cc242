// What `run`, `deploy` and `watch` print while a topology runs: interval
// tables or JSON lines, events and the summary, so every command that follows
// a run prints exactly the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/metrics.h"
#include "topolab/engine/topology.h"

namespace topolab::cli {

// Prints interval reports as JSON lines, or as a table redrawn in place on a terminal.
class Reporter {
 public:
  // `slo`: the requirements to judge (none for a deployment watched by name);
  // `order`: components in the order to print them (others follow by id);
  // `metrics_interval_ms`: the topology's metrics interval (0: not known, then
  // the longest interval seen stands for it). An interval shorter than half
  // of it (the last one at a stop) is printed as counts, not rates.
  Reporter(bool json, std::optional<Slo> slo, std::vector<std::string> order,
           int64_t metrics_interval_ms = 0);

  void interval(const Snapshot& prev, const Snapshot& cur);
  void event(int64_t t_ms, std::string_view kind, std::string_view detail);
  // Returns whether the SLO passed (true when there is none).
  bool summary(const Snapshot& last, int64_t duration_ms);

 private:
  bool json_;
  bool tty_;
  std::optional<Slo> slo_;
  std::vector<std::string> order_;
  int64_t metrics_interval_ms_;
  int64_t longest_interval_ms_ = 0;
  int lines_ = 0;
};

}  // namespace topolab::cli
