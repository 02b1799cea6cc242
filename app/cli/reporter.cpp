// The shared printing of a run's progress (see reporter.h).
#include "reporter.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "topolab/engine/report.h"

namespace topolab::cli {

Reporter::Reporter(bool json, std::optional<Slo> slo, std::vector<std::string> order)
    : json_(json),
      tty_(isatty(STDOUT_FILENO) != 0),
      slo_(std::move(slo)),
      order_(std::move(order)) {}

void Reporter::interval(const Snapshot& prev, const Snapshot& cur) {
  // Load-balancer health checks seen in this interval, before its figures.
  for (const MemberChange& c : memberChanges(prev, cur)) {
    event(cur.t_ms, c.healthy ? "member-up" : "member-down",
          c.balancer + ": " + c.member +
              (c.healthy ? " passes its health checks and is back in rotation"
                         : " failed its health check and is out of rotation"));
  }
  const auto stats = intervalStats(prev, cur);
  if (json_) {
    std::cout << intervalLine(cur.t_ms, order_, stats) << std::endl;
    return;
  }
  const double seconds = std::max<int64_t>(cur.t_ms - prev.t_ms, 1) / 1000.0;
  // The live SLO line needs something at the sinks in this interval (a
  // windowed topology has intervals with none); the summary always judges.
  bool sink_data = false;
  for (const auto& [id, s] : stats) sink_data |= s.is_sink && s.counters.received > 0;
  SloResult slo;
  if (slo_ && sink_data) slo = evaluateSlo(*slo_, stats, seconds);
  const std::string table =
      humanTable(cur.t_ms, seconds, order_, stats, slo_ && sink_data ? &slo : nullptr);
  if (tty_ && lines_ > 0) std::cout << "\x1b[" << lines_ << "F\x1b[J";  // redraw in place
  std::cout << table << std::flush;
  lines_ = static_cast<int>(std::count(table.begin(), table.end(), '\n'));
  if (!tty_) std::cout << '\n';
}

void Reporter::event(int64_t t_ms, std::string_view kind, std::string_view detail) {
  if (json_) {
    std::cout << eventLine(t_ms, kind, detail) << std::endl;
  } else {
    std::cerr << "[" << t_ms / 1000.0 << " s] " << kind << ": " << detail << '\n';
    lines_ = 0;
  }
}

bool Reporter::summary(const Snapshot& last, int64_t duration_ms) {
  const auto totals = totalStats(last);
  SloResult slo;
  if (slo_) slo = evaluateSlo(*slo_, totals, std::max<int64_t>(duration_ms, 1) / 1000.0);
  if (json_) {
    std::cout << summaryLine(duration_ms, slo, order_, totals) << std::endl;
  } else {
    std::cout << "\nsummary over " << duration_ms / 1000.0 << " s (totals)\n"
              << humanTable(duration_ms, std::max<int64_t>(duration_ms, 1) / 1000.0, order_, totals,
                            slo_ ? &slo : nullptr);
    for (const std::string& v : slo.violations) std::cout << "SLO violated: " << v << '\n';
  }
  return slo.pass;
}

}  // namespace topolab::cli
