// The shared printing of a run's progress (see reporter.h).
#include "reporter.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "topolab/engine/report.h"

namespace topolab::cli {

bool countsCanBalance(const Topology& t) {
  return std::none_of(t.streams.begin(), t.streams.end(),
                      [](const Stream& s) { return s.transportOrAuto() == Transport::Kafka; });
}

Reporter::Reporter(bool json, std::optional<Slo> slo, std::vector<std::string> order,
                   int64_t metrics_interval_ms)
    : json_(json),
      tty_(isatty(STDOUT_FILENO) != 0),
      slo_(std::move(slo)),
      order_(std::move(order)),
      metrics_interval_ms_(metrics_interval_ms) {}

void Reporter::header(const Topology& topology) {
  if (json_) return;
  std::cout << topology.name << ": " << toString(topology.delivery()) << " delivery\n"
            << std::flush;
}

void Reporter::interval(const Snapshot& prev, const Snapshot& cur) {
  // Load-balancer health checks seen in this interval, before its figures.
  for (const MemberChange& c : memberChanges(prev, cur)) event(cur.t_ms, c.kind(), c.detail());
  const auto stats = intervalStats(prev, cur);
  const int64_t interval_ms = std::max<int64_t>(cur.t_ms - prev.t_ms, 1);
  if (json_) {
    std::cout << intervalLine(cur.t_ms, order_, stats, interval_ms) << std::endl;
    return;
  }
  longest_interval_ms_ = std::max(longest_interval_ms_, interval_ms);
  const int64_t usual = metrics_interval_ms_ > 0 ? metrics_interval_ms_ : longest_interval_ms_;
  const bool short_interval = 2 * interval_ms < usual;
  const double seconds = static_cast<double>(interval_ms) / 1000.0;
  // The live SLO line needs something at the sinks in this interval (a
  // windowed topology has intervals with none) and an interval long enough
  // to judge; the summary always judges.
  bool sink_data = false;
  for (const auto& [id, s] : stats) sink_data |= s.is_sink && s.counters.received > 0;
  const bool judge = slo_ && sink_data && !short_interval;
  SloResult slo;
  if (judge) slo = evaluateSlo(*slo_, stats, seconds);
  const std::string table =
      humanTable(cur.t_ms, seconds, order_, stats, judge ? &slo : nullptr, short_interval);
  if (tty_ && lines_ > 0) std::cout << "\x1b[" << lines_ << "F\x1b[J";  // redraw in place
  std::cout << table << std::flush;
  lines_ = static_cast<int>(std::count(table.begin(), table.end(), '\n'));
  if (!tty_) std::cout << '\n';
}

void Reporter::event(int64_t t_ms, std::string_view kind, std::string_view detail) {
  if (kind == "agent-lost") check_conservation_ = false;
  if (json_) {
    std::cout << eventLine(t_ms, kind, detail) << std::endl;
  } else {
    std::cerr << "[" << t_ms / 1000.0 << " s] " << kind << ": " << detail << '\n';
    lines_ = 0;
  }
}

bool Reporter::summary(const Snapshot& last, int64_t duration_ms) {
  // Counts are exact once the run drained: every tuple emitted is received or dropped.
  const Conservation balance = conservationOf(last);
  if (check_conservation_ && balance.in_flight == 0 && !balance.holds()) {
    const std::string detail = "tuples lost without being counted: " + balance.describe();
    if (json_) {
      std::cout << eventLine(duration_ms, "conservation", detail, "error") << std::endl;
    } else {
      std::cerr << "error: " << detail << '\n';
    }
  }
  const auto totals = totalStats(last);
  SloResult slo;
  if (slo_) slo = evaluateSlo(*slo_, totals, std::max<int64_t>(duration_ms, 1) / 1000.0);
  if (json_) {
    std::cout << summaryLine(duration_ms, slo, order_, totals) << std::endl;
  } else {
    std::cout << "\nsummary over " << duration_ms / 1000.0 << " s (totals)\n"
              << humanTable(duration_ms, std::max<int64_t>(duration_ms, 1) / 1000.0, order_, totals,
                            slo_ ? &slo : nullptr)
              << humanStreams(totals);
    for (const std::string& v : slo.violations) std::cout << "SLO violated: " << v << '\n';
  }
  return slo.pass;
}

}  // namespace topolab::cli
