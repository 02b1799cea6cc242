// The run report: JSON lines with a fixed schema (scripts and CI parse them),
// a terminal table, and the SLO verdict.
#include "topolab/engine/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <set>
#include <utility>

#include "topolab/engine/json.h"

namespace topolab {
namespace {

using StatsMap = std::map<std::string, ComponentStats>;
using Row = std::pair<const std::string*, const ComponentStats*>;

double roundTo(double v, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

// `v` with `decimals` digits after the point, trailing zeros dropped.
std::string trimmedFixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string printf1(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// A requirement as the user wrote it, when the file gave it.
std::string bound(const std::string& text, double value) {
  return text.empty() ? trimmedFixed(value, 6) : text;
}

// The rows to write: `order` first, then the rest by id; each once.
std::vector<Row> rowsOf(const std::vector<std::string>& order, const StatsMap& stats) {
  static const ComponentStats kZero;
  std::vector<Row> rows;
  std::set<std::string_view> seen;
  for (const std::string& id : order) {
    if (!seen.insert(id).second) continue;
    auto it = stats.find(id);
    rows.emplace_back(&id, it == stats.end() ? &kZero : &it->second);
  }
  for (const auto& [id, s] : stats) {
    if (seen.insert(id).second) rows.emplace_back(&id, &s);
  }
  return rows;
}

void appendKey(std::string& out, std::string_view key) {
  appendJsonString(out, key);
  out += ':';
}

void appendField(std::string& out, std::string_view key, uint64_t v) {
  appendKey(out, key);
  out += std::to_string(v);
  out += ',';
}

void appendPercentiles(std::string& out, const Histogram& h) {
  Percentiles p = percentilesUs(h);
  out += "{\"p50\":";
  appendJsonNumber(out, p.p50);
  out += ",\"p90\":";
  appendJsonNumber(out, p.p90);
  out += ",\"p99\":";
  appendJsonNumber(out, p.p99);
  out += ",\"p999\":";
  appendJsonNumber(out, p.p999);
  out += ",\"max\":";
  appendJsonNumber(out, p.max);
  out += '}';
}

void appendCounters(std::string& out, const Counters& c) {
  appendField(out, "received", c.received);
  appendField(out, "emitted", c.emitted);
  appendField(out, "acked", c.acked);
  appendField(out, "failed", c.failed);
  appendField(out, "errors", c.errors);
  appendField(out, "replayed", c.replayed);
}

void appendLatencies(std::string& out, const ComponentStats& s) {
  out += "\"latency_us\":";
  appendPercentiles(out, s.latency);
  out += ",\"e2e_us\":";
  if (s.is_sink) {
    appendPercentiles(out, s.e2e);
  } else {
    out += "null";
  }
}

// A load-balancer's members: ,"members":{"ID#N":{"sent":..,"outstanding":..,"healthy":..},..}
void appendMembers(std::string& out, const ComponentStats& s) {
  if (s.members.empty()) return;
  out += ",\"members\":{";
  for (size_t i = 0; i < s.members.size(); ++i) {
    const MemberStats& m = s.members[i];
    if (i > 0) out += ',';
    appendKey(out, m.member);
    out += "{\"sent\":" + std::to_string(m.sent) +
           ",\"outstanding\":" + std::to_string(m.outstanding) +
           ",\"healthy\":" + (m.healthy ? "true" : "false") + "}";
  }
  out += '}';
}

// A Kafka source or sink: ,"kafka":{"lag":..,"consumed":..,…,"produce_us":{…}}
void appendKafka(std::string& out, const ComponentStats& s) {
  if (!s.kafka) return;
  const KafkaStats& k = *s.kafka;
  out += ",\"kafka\":{\"lag\":" + std::to_string(k.lag) + ',';
  appendField(out, "consumed", k.consumed);
  appendField(out, "produced", k.produced);
  appendField(out, "delivered", k.delivered);
  appendField(out, "delivery_errors", k.delivery_errors);
  appendField(out, "client_errors", k.client_errors);
  out += "\"produce_us\":";
  if (k.produced > 0 || !k.produce_latency.empty()) {
    appendPercentiles(out, k.produce_latency);
  } else {
    out += "null";
  }
  out += '}';
}

// A database sink: ,"database":{"connected":..,"disconnected":..,"rows":..,"rows_per_s":..,
// "commits":..,"failed_batches":..,"reconnects":..,"commit_us":{…},"batch_rows":{…}}; rows_per_s
// only when the line's duration is known (seconds > 0).
void appendDatabase(std::string& out, const ComponentStats& s, double seconds) {
  if (!s.database) return;
  const DatabaseStats& d = *s.database;
  out += ",\"database\":{\"connected\":";
  out += d.connected() ? "true" : "false";
  out += ",\"disconnected\":" + std::to_string(d.disconnected) + ',';
  appendField(out, "rows", d.rows);
  if (seconds > 0) {
    out += "\"rows_per_s\":";
    appendJsonNumber(out, roundTo(static_cast<double>(d.rows) / seconds, 1));
    out += ',';
  }
  appendField(out, "commits", d.commits);
  appendField(out, "failed_batches", d.failed_batches);
  appendField(out, "reconnects", d.reconnects);
  out += "\"commit_us\":";
  if (d.commit_latency.empty()) {
    out += "null";
  } else {
    appendPercentiles(out, d.commit_latency);
  }
  // Rows, not time: the histogram's values as they are.
  out += ",\"batch_rows\":";
  if (d.batch_rows.empty()) {
    out += "null";
  } else {
    out += "{\"p50\":" + std::to_string(d.batch_rows.quantile(0.5)) +
           ",\"p99\":" + std::to_string(d.batch_rows.quantile(0.99)) +
           ",\"max\":" + std::to_string(d.batch_rows.max()) + '}';
  }
  out += '}';
}

// A replicated store's instances:
// ,"replicas":{"ID#N":{"role":..,"epoch":..,"applied":..,"lag_ops":..,"lag_ms":..,"write_us":{…}},..}
void appendReplicas(std::string& out, const ComponentStats& s) {
  if (s.replicas.empty()) return;
  out += ",\"replicas\":{";
  for (size_t i = 0; i < s.replicas.size(); ++i) {
    const auto& [name, r] = s.replicas[i];
    if (i > 0) out += ',';
    appendKey(out, name);
    out += "{\"role\":";
    appendJsonString(out, r.role);
    out += ',';
    appendField(out, "epoch", r.epoch);
    appendField(out, "applied", r.applied);
    out += "\"lag_ops\":" + std::to_string(r.lag_ops) + ",\"lag_ms\":" + std::to_string(r.lag_ms) +
           ",\"write_us\":";
    if (r.write_latency.empty()) {
      out += "null";
    } else {
      appendPercentiles(out, r.write_latency);
    }
    out += '}';
  }
  out += '}';
}

// "instance":"ID#N","agent":..,"unix_ms":..,"message":..,"key":.. ("agent" only when known).
void appendErrorSampleFields(std::string& out, const InstanceError& e) {
  out += "\"instance\":";
  appendJsonString(out, e.instance);
  if (!e.agent.empty()) {
    out += ",\"agent\":";
    appendJsonString(out, e.agent);
  }
  out += ",\"unix_ms\":" + std::to_string(e.sample.unix_ns / 1'000'000) + ",\"message\":";
  appendJsonString(out, e.sample.message);
  out += ",\"key\":";
  appendJsonString(out, e.sample.key);
}

// Error samples, oldest first: ,"error_samples":[{…},..]; nothing when there are none.
void appendErrorSamples(std::string& out, const ComponentStats& s) {
  if (s.error_samples.empty()) return;
  out += ",\"error_samples\":[";
  for (size_t i = 0; i < s.error_samples.size(); ++i) {
    out += i > 0 ? ",{" : "{";
    appendErrorSampleFields(out, s.error_samples[i]);
    out += '}';
  }
  out += ']';
}

// The streams that carried tuples, after the components:
// ,"streams":{"FROM:TO":{"tuples":..,"latency_us":{…}},..}; nothing when none did.
void appendStreams(std::string& out, const StatsMap& stats) {
  const auto streams = streamLatencies(stats);
  if (streams.empty()) return;
  out += ",\"streams\":{";
  bool first = true;
  for (const auto& [id, h] : streams) {
    if (!first) out += ',';
    first = false;
    appendKey(out, id);
    out += "{\"tuples\":" + std::to_string(h.count()) + ",\"latency_us\":";
    appendPercentiles(out, h);
    out += '}';
  }
  out += '}';
}

// Display width of UTF-8 text (column headers hold "µ").
size_t displayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void appendCell(std::string& out, std::string_view text, size_t width, bool left) {
  size_t w = displayWidth(text);
  size_t pad = w < width ? width - w : 0;
  if (!left) out.append(pad, ' ');
  out += text;
  if (left) out.append(pad, ' ');
}

std::string rateText(uint64_t n, double interval_s) {
  double r = interval_s > 0 ? static_cast<double>(n) / interval_s : 0.0;
  if (r == 0) return "0";
  return printf1(r < 100 ? "%.1f" : "%.0f", r);
}

std::string usText(const Histogram& h, double q) {
  return h.empty() ? "-" : printf1("%.1f", static_cast<double>(h.quantile(q)) / 1e3);
}

struct Column {
  std::string_view title;
  size_t width;
};
constexpr Column kColumns[] = {{"inst", 7},    {"in/s", 10},   {"out/s", 10},
                               {"errors", 8},  {"queue", 8},   {"blocked ms", 11},
                               {"p50 µs", 10}, {"p99 µs", 10}, {"e2e p99 ms", 11}};

void appendRow(std::string& out, std::string_view name, size_t name_width, const ComponentStats& s,
               double interval_s, bool as_counts) {
  const std::string cells[] = {
      std::to_string(s.alive) + "/" + std::to_string(s.instances),
      as_counts ? std::to_string(s.counters.received) : rateText(s.counters.received, interval_s),
      as_counts ? std::to_string(s.counters.emitted) : rateText(s.counters.emitted, interval_s),
      std::to_string(s.counters.errors),
      std::to_string(s.queue),
      printf1("%.1f", static_cast<double>(s.blocked_ns) / 1e6),
      usText(s.latency, 0.5),
      usText(s.latency, 0.99),
      s.is_sink && !s.e2e.empty() ? printf1("%.2f", static_cast<double>(s.e2e.quantile(0.99)) / 1e6)
                                  : "-",
  };
  appendCell(out, name, name_width, true);
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    out += ' ';
    appendCell(out, cells[i], kColumns[i].width, false);
  }
  out += '\n';
}

}  // namespace

SloResult evaluateSlo(const Slo& slo, const StatsMap& stats, double duration_s) {
  SloResult r;
  r.evaluated = true;
  uint64_t sink_received = 0, received = 0, errors = 0;
  Histogram e2e;
  for (const auto& [id, s] : stats) {
    received += s.counters.received;
    errors += s.counters.errors;
    if (!s.is_sink) continue;
    sink_received += s.counters.received;
    e2e.merge(s.e2e);
  }
  if (slo.throughput_min) {
    double tp = duration_s > 0 ? static_cast<double>(sink_received) / duration_s : 0.0;
    if (tp < *slo.throughput_min) {
      r.violations.push_back("throughput " + trimmedFixed(tp, 1) + "/s < throughput_min " +
                             bound(slo.throughput_min_text, *slo.throughput_min) + "/s");
    }
  }
  if (slo.p99_ms_max) {
    std::string limit = bound(slo.p99_ms_max_text, *slo.p99_ms_max) + "ms";
    if (e2e.empty()) {
      r.violations.push_back("e2e p99 unknown (no tuple reached a sink) for p99_ms_max " + limit);
    } else {
      double p99_ms = static_cast<double>(e2e.quantile(0.99)) / 1e6;
      if (p99_ms > *slo.p99_ms_max) {
        r.violations.push_back("e2e p99 " + trimmedFixed(p99_ms, 3) + "ms > p99_ms_max " + limit);
      }
    }
  }
  if (slo.error_rate_max) {
    double rate = received > 0 ? static_cast<double>(errors) / static_cast<double>(received) : 0.0;
    if (rate > *slo.error_rate_max) {
      r.violations.push_back("error rate " + printf1("%.4g", rate) + " > error_rate_max " +
                             bound(slo.error_rate_max_text, *slo.error_rate_max));
    }
  }
  r.pass = r.violations.empty();
  return r;
}

std::string intervalLine(int64_t t_ms, const std::vector<std::string>& order,
                         const StatsMap& interval, int64_t interval_ms) {
  std::string out = "{\"type\":\"interval\",\"t_ms\":" + std::to_string(t_ms);
  if (interval_ms >= 0) out += ",\"interval_ms\":" + std::to_string(interval_ms);
  out += ",\"components\":{";
  bool first = true;
  for (const auto& [id, s] : rowsOf(order, interval)) {
    if (!first) out += ',';
    first = false;
    appendKey(out, *id);
    out += '{';
    appendCounters(out, s->counters);
    out += "\"queue\":" + std::to_string(s->queue) + ",\"blocked_ms\":";
    appendJsonNumber(out, roundTo(static_cast<double>(s->blocked_ns) / 1e6, 1));
    out += ',';
    appendLatencies(out, *s);
    appendMembers(out, *s);
    appendKafka(out, *s);
    appendDatabase(out, *s, static_cast<double>(interval_ms) / 1e3);
    appendReplicas(out, *s);
    appendErrorSamples(out, *s);
    out += '}';
  }
  out += '}';
  appendStreams(out, interval);
  out += '}';
  return out;
}

std::string eventLine(int64_t t_ms, std::string_view kind, std::string_view detail,
                      std::string_view type) {
  std::string out = "{\"type\":";
  appendJsonString(out, type);
  out += ",\"t_ms\":" + std::to_string(t_ms) + ",\"kind\":";
  appendJsonString(out, kind);
  out += ",\"detail\":";
  appendJsonString(out, detail);
  out += '}';
  return out;
}

std::string summaryLine(int64_t duration_ms, const SloResult& slo,
                        const std::vector<std::string>& order, const StatsMap& totals) {
  std::string out =
      "{\"type\":\"summary\",\"duration_ms\":" + std::to_string(duration_ms) + ",\"slo\":";
  if (slo.evaluated) {
    out += slo.pass ? "{\"pass\":true,\"violations\":[" : "{\"pass\":false,\"violations\":[";
    for (size_t i = 0; i < slo.violations.size(); ++i) {
      if (i > 0) out += ',';
      appendJsonString(out, slo.violations[i]);
    }
    out += "]}";
  } else {
    out += "null";
  }
  out += ",\"components\":{";
  double duration_s = static_cast<double>(duration_ms) / 1e3;
  bool first = true;
  for (const auto& [id, s] : rowsOf(order, totals)) {
    if (!first) out += ',';
    first = false;
    appendKey(out, *id);
    out += '{';
    appendCounters(out, s->counters);
    uint64_t n = s->counters.received > 0 ? s->counters.received : s->counters.emitted;
    out += "\"throughput\":";
    appendJsonNumber(out, duration_s > 0 ? roundTo(static_cast<double>(n) / duration_s, 1) : 0.0);
    out += ',';
    appendLatencies(out, *s);
    appendMembers(out, *s);
    appendKafka(out, *s);
    appendDatabase(out, *s, duration_s);
    appendReplicas(out, *s);
    appendErrorSamples(out, *s);
    out += '}';
  }
  out += '}';
  appendStreams(out, totals);
  out += '}';
  return out;
}

std::string errorSampleLine(const InstanceError& e) {
  std::string out = "{\"type\":\"error_sample\",";
  appendErrorSampleFields(out, e);
  out += '}';
  return out;
}

std::string errorSampleText(const InstanceError& e) {
  const time_t seconds = static_cast<time_t>(e.sample.unix_ns / 1'000'000'000);
  tm local{};
  localtime_r(&seconds, &local);
  char clock[32];
  std::snprintf(clock, sizeof clock, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min,
                local.tm_sec, static_cast<int>(e.sample.unix_ns / 1'000'000 % 1000));
  std::string out = std::string(clock) + "  " + e.instance;
  if (!e.agent.empty()) out += "  " + e.agent;
  out += "  " + e.sample.message;
  if (!e.sample.key.empty()) out += "  [" + e.sample.key + "]";
  return out;
}

std::string humanTable(int64_t t_ms, double interval_s, const std::vector<std::string>& order,
                       const StatsMap& interval, const SloResult* slo, bool as_counts) {
  std::vector<Row> rows = rowsOf(order, interval);
  size_t name_width = displayWidth("component");
  for (const auto& [id, s] : rows) name_width = std::max(name_width, displayWidth(*id));

  std::string out = "elapsed " + printf1("%.1f", static_cast<double>(t_ms) / 1e3) + " s";
  if (as_counts) {
    out += ", last " + printf1("%.2f", interval_s) +
           " s (too short for rates: in and out are counts)\n";
  } else {
    out += ", last " + printf1("%.1f", interval_s) + " s\n";
  }
  appendCell(out, "component", name_width, true);
  for (const Column& c : kColumns) {
    out += ' ';
    std::string_view title = c.title;
    if (as_counts && title == "in/s") title = "in";
    if (as_counts && title == "out/s") title = "out";
    appendCell(out, title, c.width, false);
  }
  out += '\n';
  ComponentStats total;
  for (const auto& [id, s] : rows) {
    appendRow(out, *id, name_width, *s, interval_s, as_counts);
    total.merge(*s);
  }
  size_t rule = name_width;
  for (const Column& c : kColumns) rule += 1 + c.width;
  out.append(rule, '-');
  out += '\n';
  appendRow(out, "total", name_width, total, interval_s, as_counts);
  if (!total.error_samples.empty()) {
    // The newest sample on one line, so the table stays readable.
    std::string line = "last error " + errorSampleText(total.error_samples.back());
    if (const size_t more = total.error_samples.size() - 1; more > 0) {
      line += " (+" + std::to_string(more) + " more sample" + (more == 1 ? ")" : "s)");
    }
    constexpr size_t kMaxLine = 200;
    if (line.size() > kMaxLine) {
      size_t cut = kMaxLine - 3;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
      line = line.substr(0, cut) + "...";
    }
    out += line + '\n';
  }
  if (slo != nullptr && slo->evaluated) {
    out += slo->pass ? "SLO pass" : "SLO FAIL: ";
    for (size_t i = 0; i < slo->violations.size(); ++i) {
      if (i > 0) out += "; ";
      out += slo->violations[i];
    }
    out += '\n';
  }
  return out;
}

std::string humanStreams(const StatsMap& stats) {
  const auto streams = streamLatencies(stats);
  if (streams.empty()) return {};
  auto ms = [](double us) {
    return printf1(us < 1'000 ? "%.2f ms" : us < 100'000 ? "%.1f ms" : "%.0f ms", us / 1e3);
  };
  std::vector<std::string> names;
  size_t width = 0;
  for (const auto& [id, h] : streams) {
    const size_t colon = id.find(':');
    names.push_back(id.substr(0, colon) + " → " + id.substr(colon + 1));
    width = std::max(width, displayWidth(names.back()));
  }
  std::string out = "stream latency (upstream emit → taken downstream)\n";
  size_t i = 0;
  for (const auto& [id, h] : streams) {
    const Percentiles p = percentilesUs(h);
    out += "  ";
    appendCell(out, names[i++], width, true);
    out += "  p50 " + ms(p.p50) + "  p99 " + ms(p.p99) + "  p99.9 " + ms(p.p999) + "  max " +
           ms(p.max) + "  (" + std::to_string(h.count()) + " tuples)\n";
  }
  return out;
}

}  // namespace topolab
