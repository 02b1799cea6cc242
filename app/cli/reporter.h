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

// Whether `t`'s counts can balance at the end of a run: not when a stream
// goes over Kafka (a transport that may deliver a tuple twice).
bool countsCanBalance(const Topology& t);

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

  // The line a human reader sees first (nothing in JSON): the topology and
  // its delivery mode, e.g. "realtime-analytics: at-least-once delivery".
  void header(const Topology& topology);
  void interval(const Snapshot& prev, const Snapshot& cur);
  void event(int64_t t_ms, std::string_view kind, std::string_view detail);
  // Checks that nothing was lost without being counted (see summary()).
  // Off where counts cannot balance: tuples on a Kafka transport may be read
  // twice, and an agent lost takes its counts with it (also when an
  // agent-lost event passes here).
  void checkConservation(bool on) { check_conservation_ = on; }
  // Prints the totals and returns whether the SLO passed (true when there is
  // none). When the run ended drained (nothing queued), it also checks that
  // every tuple emitted was received or counted as dropped, and prints an
  // error line (`"type":"error"` in JSON) if not.
  bool summary(const Snapshot& last, int64_t duration_ms);

 private:
  bool json_;
  bool tty_;
  std::optional<Slo> slo_;
  std::vector<std::string> order_;
  int64_t metrics_interval_ms_;
  int64_t longest_interval_ms_ = 0;
  bool check_conservation_ = true;
  int lines_ = 0;
};

}  // namespace topolab::cli
