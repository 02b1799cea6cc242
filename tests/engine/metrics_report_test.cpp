// The run report: golden `--json` lines (DESIGN.md §7), strict JSON validity,
// the SLO verdict and the human table.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/json.h"
#include "topolab/engine/report.h"

namespace topolab {
namespace {

// Strict JSON (RFC 8259) without insignificant whitespace: the `--json`
// lines promise one compact object per line.
class CompactJson {
 public:
  static bool valid(std::string_view s) {
    CompactJson p(s);
    return p.value(0) && p.pos_ == s.size();
  }

 private:
  explicit CompactJson(std::string_view s) : s_(s) {}

  bool more() const { return pos_ < s_.size(); }
  bool eat(char c) {
    if (!more() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool digits() {
    size_t start = pos_;
    while (more() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }
  bool value(int depth) {
    if (!more() || depth > 64) return false;
    switch (s_[pos_]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool object(int depth) {
    eat('{');
    if (eat('}')) return true;
    do {
      if (!string() || !eat(':') || !value(depth + 1)) return false;
    } while (eat(','));
    return eat('}');
  }
  bool array(int depth) {
    eat('[');
    if (eat(']')) return true;
    do {
      if (!value(depth + 1)) return false;
    } while (eat(','));
    return eat(']');
  }
  bool string() {
    if (!eat('"')) return false;
    while (more()) {
      auto c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (!more()) return false;
      char e = s_[pos_++];
      if (e == 'u') {
        for (int i = 0; i < 4; ++i) {
          if (!more() || !std::isxdigit(static_cast<unsigned char>(s_[pos_++]))) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }
  bool number() {
    eat('-');
    if (eat('0')) {
      if (more() && s_[pos_] >= '0' && s_[pos_] <= '9') return false;
    } else if (!digits()) {
      return false;
    }
    if (eat('.') && !digits()) return false;
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Histogram latencySample() {
  // 20 µs ×500, 35 µs ×400, 60 µs ×90, 90 µs ×9, 140 µs ×1.
  Histogram h;
  h.record(20'000, 500);
  h.record(35'000, 400);
  h.record(60'000, 90);
  h.record(90'000, 9);
  h.record(140'000, 1);
  return h;
}

Histogram e2eSample() {  // 1 ms ×99, 5 ms ×1: p50..p99 report 1001.5 µs, the bucket's midpoint
  Histogram h;
  h.record(1'000'000, 99);
  h.record(5'000'000, 1);
  return h;
}

const std::vector<std::string> kOrder = {"events", "enrich", "store"};

std::map<std::string, ComponentStats> intervalSample() {
  std::map<std::string, ComponentStats> m;
  ComponentStats& events = m["events"];
  events.counters = {.emitted = 100'000, .acked = 99'000};
  events.blocked_ns = 1'540'000;
  events.instances = events.alive = 2;
  ComponentStats& enrich = m["enrich"];
  enrich.counters = {.received = 99'871, .emitted = 99'770, .acked = 99'770, .errors = 101};
  enrich.queue = 12;
  enrich.latency = latencySample();
  enrich.instances = 4;
  enrich.alive = 3;
  ComponentStats& store = m["store"];
  store.counters = {.received = 99'770, .acked = 99'770};
  store.is_sink = true;
  store.e2e = e2eSample();
  store.instances = store.alive = 1;
  return m;
}

std::map<std::string, ComponentStats> totalsSample() {
  auto m = intervalSample();
  m["events"].counters = {.emitted = 1'000'000, .acked = 998'000, .failed = 2, .replayed = 3};
  m["enrich"].counters = {
      .received = 998'712, .emitted = 997'702, .acked = 997'702, .errors = 1010};
  m["store"].counters = {.received = 997'702, .acked = 997'702};
  return m;
}

TEST(Report, SamplePercentilesAreTheOnesTheGoldenLinesShow) {
  Percentiles p = percentilesUs(latencySample());
  EXPECT_DOUBLE_EQ(p.p50, 20);
  EXPECT_DOUBLE_EQ(p.p90, 34.9);  // 35 µs lies in a 256 ns bucket from 34816 ns
  EXPECT_DOUBLE_EQ(p.p99, 60);
  EXPECT_DOUBLE_EQ(p.p999, 89.9);  // the midpoint of the 90 µs bucket
  EXPECT_DOUBLE_EQ(p.max, 140);
}

TEST(Report, IntervalLineMatchesTheSchema) {
  EXPECT_EQ(
      intervalLine(3000, kOrder, intervalSample()),
      R"({"type":"interval","t_ms":3000,"components":{)"
      R"("events":{"received":0,"emitted":100000,"acked":99000,"failed":0,"errors":0,"replayed":0,)"
      R"("queue":0,"blocked_ms":1.5,"latency_us":{"p50":0,"p90":0,"p99":0,"p999":0,"max":0},)"
      R"("e2e_us":null},)"
      R"("enrich":{"received":99871,"emitted":99770,"acked":99770,"failed":0,"errors":101,)"
      R"("replayed":0,"queue":12,"blocked_ms":0,)"
      R"("latency_us":{"p50":20,"p90":34.9,"p99":60,"p999":89.9,"max":140},"e2e_us":null},)"
      R"("store":{"received":99770,"emitted":0,"acked":99770,"failed":0,"errors":0,"replayed":0,)"
      R"("queue":0,"blocked_ms":0,"latency_us":{"p50":0,"p90":0,"p99":0,"p999":0,"max":0},)"
      R"("e2e_us":{"p50":1001.5,"p90":1001.5,"p99":1001.5,"p999":5000,"max":5000}}}})");
}

TEST(Report, ComponentsFollowOrderThenTheRestAndMissingOnesAreZero) {
  auto m = intervalSample();
  std::string line = intervalLine(0, {"store", "ghost", "store"}, m);
  size_t store = line.find("\"store\":"), ghost = line.find("\"ghost\":");
  size_t enrich = line.find("\"enrich\":"), events = line.find("\"events\":");
  ASSERT_NE(ghost, std::string::npos);
  EXPECT_LT(store, ghost);
  EXPECT_LT(ghost, enrich);  // the rest by id: enrich, events
  EXPECT_LT(enrich, events);
  EXPECT_EQ(line.find("\"store\":", store + 1), std::string::npos);  // written once
  EXPECT_NE(line.find(R"("ghost":{"received":0,"emitted":0,"acked":0,"failed":0,"errors":0,)"
                      R"("replayed":0,"queue":0,"blocked_ms":0,"latency_us":{"p50":0,)"
                      R"("p90":0,"p99":0,"p999":0,"max":0},"e2e_us":null})"),
            std::string::npos);
}

TEST(Report, SummaryLineMatchesTheSchema) {
  SloResult slo{.evaluated = true, .pass = true, .violations = {}};
  EXPECT_EQ(
      summaryLine(10'000, slo, kOrder, totalsSample()),
      R"({"type":"summary","duration_ms":10000,"slo":{"pass":true,"violations":[]},"components":{)"
      R"("events":{"received":0,"emitted":1000000,"acked":998000,"failed":2,"errors":0,)"
      R"("replayed":3,"throughput":100000,)"
      R"("latency_us":{"p50":0,"p90":0,"p99":0,"p999":0,"max":0},"e2e_us":null},)"
      R"("enrich":{"received":998712,"emitted":997702,"acked":997702,"failed":0,"errors":1010,)"
      R"("replayed":0,"throughput":99871.2,)"
      R"("latency_us":{"p50":20,"p90":34.9,"p99":60,"p999":89.9,"max":140},"e2e_us":null},)"
      R"("store":{"received":997702,"emitted":0,"acked":997702,"failed":0,"errors":0,)"
      R"("replayed":0,"throughput":99770.2,)"
      R"("latency_us":{"p50":0,"p90":0,"p99":0,"p999":0,"max":0},)"
      R"("e2e_us":{"p50":1001.5,"p90":1001.5,"p99":1001.5,"p999":5000,"max":5000}}}})");
}

TEST(Report, SummaryWithoutSloOrWithViolations) {
  std::map<std::string, ComponentStats> none;
  EXPECT_EQ(summaryLine(0, SloResult{}, {}, none),
            R"({"type":"summary","duration_ms":0,"slo":null,"components":{}})");
  SloResult failed{.evaluated = true, .pass = false, .violations = {"a \"b\"", "c"}};
  EXPECT_EQ(summaryLine(5, failed, {}, none),
            R"({"type":"summary","duration_ms":5,"slo":{"pass":false,)"
            R"("violations":["a \"b\"","c"]},"components":{}})");
}

TEST(Report, EventLineEscapesText) {
  EXPECT_EQ(eventLine(4200, "fault", "killed enrich#1 on node-b"),
            R"({"type":"event","t_ms":4200,"kind":"fault","detail":"killed enrich#1 on node-b"})");
  EXPECT_EQ(eventLine(1, "log", "say \"hi\"\n\x01"),
            R"({"type":"event","t_ms":1,"kind":"log","detail":"say \"hi\"\n\u0001"})");
}

std::string jsonNumber(double v) {
  std::string out;
  appendJsonNumber(out, v);
  return out;
}

TEST(JsonNumber, PlainNotationForReadableMagnitudes) {
  EXPECT_EQ(jsonNumber(100000), "100000");
  EXPECT_EQ(jsonNumber(99871.2), "99871.2");
  EXPECT_EQ(jsonNumber(0), "0");
  EXPECT_EQ(jsonNumber(0.1), "0.1");
  EXPECT_EQ(jsonNumber(-2.5), "-2.5");
  EXPECT_EQ(jsonNumber(1e14), "100000000000000");
  EXPECT_EQ(jsonNumber(1e-7), "1e-07");
  EXPECT_EQ(jsonNumber(1e20), "1e+20");
  EXPECT_EQ(jsonNumber(std::nan("")), "null");
  for (double v : {1e-7, 1e20, 123.456, 1e-6}) EXPECT_TRUE(CompactJson::valid(jsonNumber(v))) << v;
}

TEST(CompactJsonValidator, AcceptsJsonAndRejectsWhatIsNot) {
  EXPECT_TRUE(CompactJson::valid(R"({"a":[1,-2.5e3,0.25,true,false,null,{"b":"c\"d\u00e9"}]})"));
  EXPECT_TRUE(CompactJson::valid("{}"));
  for (const char* bad :
       {R"({"a":1,})", R"({"a":01})", R"({"a":nan})", R"({"a":1} )", R"({"a": 1})", "[1,2",
        "\"\x01\"", R"({"a":1.})", R"({a:1})", R"("\x")", "", R"({"a":-})"}) {
    EXPECT_FALSE(CompactJson::valid(bad)) << bad;
  }
}

TEST(Report, EveryLineIsCompactValidJson) {
  auto interval = intervalSample();
  interval["we\"ird\\id\x02µ"].counters.received = 1;
  ComponentStats& nan_prone = interval["idle-sink"];
  nan_prone.is_sink = true;  // empty e2e at a sink: zeros, not NaN
  SloResult slo = evaluateSlo(
      Slo{.throughput_min = 1e12, .p99_ms_max = 0.001, .error_rate_max = 0.0}, interval, 0.0);
  std::vector<std::string> lines = {
      intervalLine(1000, kOrder, interval),
      intervalLine(1000, kOrder, interval, 998),
      intervalLine(0, {}, {}),
      eventLine(-1, "fault\t", "\"µ\\\n"),
      summaryLine(10'000, slo, kOrder, totalsSample()),
      summaryLine(0, SloResult{}, kOrder, interval),  // zero duration: throughput 0
  };
  for (const std::string& line : lines) {
    EXPECT_TRUE(CompactJson::valid(line)) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
}

std::map<std::string, ComponentStats> sloStats(uint64_t sink_received, Histogram e2e,
                                               uint64_t errors, uint64_t bolt_received) {
  std::map<std::string, ComponentStats> m;
  m["src"].counters.emitted = sink_received;
  m["bolt"].counters = {.received = bolt_received, .errors = errors};
  m["sink"].counters.received = sink_received;
  m["sink"].is_sink = true;
  m["sink"].e2e = std::move(e2e);
  return m;
}

TEST(EvaluateSlo, PassesWhenEveryBoundHolds) {
  Slo slo{.throughput_min = 100'000, .p99_ms_max = 20, .error_rate_max = 0.001};
  SloResult r = evaluateSlo(slo, sloStats(1'000'000, e2eSample(), 10, 9'000), 10.0);
  EXPECT_TRUE(r.evaluated);
  EXPECT_TRUE(r.pass);
  EXPECT_TRUE(r.violations.empty());
  // No bounds at all: nothing to violate.
  EXPECT_TRUE(evaluateSlo(Slo{}, {}, 1.0).pass);
}

TEST(EvaluateSlo, ThroughputBelowMinimum) {
  Slo slo{.throughput_min = 100'000};
  SloResult r = evaluateSlo(slo, sloStats(812'345, e2eSample(), 0, 1), 10.0);
  EXPECT_FALSE(r.pass);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0], "throughput 81234.5/s < throughput_min 100000/s");
  // The bound as the file wrote it.
  slo.throughput_min_text = "1e5";
  EXPECT_EQ(evaluateSlo(slo, sloStats(812'345, e2eSample(), 0, 1), 10.0).violations[0],
            "throughput 81234.5/s < throughput_min 1e5/s");
  // Only sinks count: what producers emit and bolts receive does not.
  auto busy_upstream = sloStats(812'345, e2eSample(), 0, 100'000'000);
  busy_upstream["src"].counters.emitted = 100'000'000;
  EXPECT_FALSE(evaluateSlo(slo, busy_upstream, 10.0).pass);
  // Exactly at the bound passes.
  EXPECT_TRUE(evaluateSlo(slo, sloStats(1'000'000, e2eSample(), 0, 1), 10.0).pass);
}

TEST(EvaluateSlo, P99AboveMaximumUsesTheMergedSinkHistogram) {
  auto stats = sloStats(100, e2eSample(), 0, 1);
  Slo slo{.p99_ms_max = 1};
  SloResult r = evaluateSlo(slo, stats, 1.0);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0], "e2e p99 1.001ms > p99_ms_max 1ms");
  // A second sink with a slow tail moves the merged p99, not an average of p99s.
  Histogram slow;
  slow.record(48'000'000, 2);
  stats["sink2"].is_sink = true;
  stats["sink2"].e2e = slow;
  r = evaluateSlo(Slo{.p99_ms_max = 20}, stats, 1.0);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0], "e2e p99 48ms > p99_ms_max 20ms");
}

TEST(EvaluateSlo, P99ExactlyAtTheBoundPasses) {
  Histogram h;
  h.record(2'000'000);
  EXPECT_TRUE(evaluateSlo(Slo{.p99_ms_max = 2}, sloStats(1, h, 0, 1), 1.0).pass);
}

TEST(EvaluateSlo, P99FailsWhenNoTupleReachedASink) {
  SloResult r = evaluateSlo(Slo{.p99_ms_max = 20}, sloStats(0, Histogram{}, 0, 0), 1.0);
  EXPECT_FALSE(r.pass);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0], "e2e p99 unknown (no tuple reached a sink) for p99_ms_max 20ms");
}

TEST(EvaluateSlo, ErrorRateOverAllComponents) {
  // 2 errors / (800 at the bolt + 200 at the sink) = 0.002.
  SloResult r = evaluateSlo(Slo{.error_rate_max = 0.001}, sloStats(200, e2eSample(), 2, 800), 1.0);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0], "error rate 0.002 > error_rate_max 0.001");
  EXPECT_TRUE(
      evaluateSlo(Slo{.error_rate_max = 0.002}, sloStats(200, e2eSample(), 2, 800), 1.0).pass);
}

TEST(EvaluateSlo, ReportsEveryViolation) {
  Slo slo{.throughput_min = 100'000, .p99_ms_max = 1, .error_rate_max = 0.001};
  SloResult r = evaluateSlo(slo, sloStats(812'345, e2eSample(), 5000, 1000), 10.0);
  EXPECT_FALSE(r.pass);
  EXPECT_EQ(r.violations.size(), 3u);
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t displayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

TEST(HumanTable, OneAlignedRowPerComponentPlusTotal) {
  SloResult slo{.evaluated = true, .pass = false, .violations = {"x", "y"}};
  std::string table = humanTable(12'000, 1.0, kOrder, intervalSample(), &slo);
  ASSERT_FALSE(table.empty());
  EXPECT_EQ(table.back(), '\n');
  std::vector<std::string> lines = linesOf(table);
  // elapsed, columns, 3 components, rule, total, SLO.
  ASSERT_EQ(lines.size(), 8u) << table;
  EXPECT_EQ(lines[0], "elapsed 12.0 s, last 1.0 s");
  EXPECT_EQ(lines[1].rfind("component", 0), 0u);
  EXPECT_NE(lines[1].find("p99 µs"), std::string::npos);
  EXPECT_EQ(lines[2].rfind("events ", 0), 0u);
  EXPECT_EQ(lines[3].rfind("enrich ", 0), 0u);
  EXPECT_EQ(lines[4].rfind("store ", 0), 0u);
  EXPECT_EQ(lines[6].rfind("total ", 0), 0u);
  EXPECT_EQ(lines[7], "SLO FAIL: x; y");
  for (int i = 1; i <= 6; ++i) EXPECT_EQ(displayWidth(lines[i]), displayWidth(lines[1])) << i;

  const std::string& enrich = lines[3];
  for (const char* cell : {" 3/4 ", " 99871 ", " 99770 ", " 101 ", " 12 ", " 20.0 ", " 60.0 "}) {
    EXPECT_NE(enrich.find(cell), std::string::npos) << cell << " in " << enrich;
  }
  EXPECT_EQ(enrich.back(), '-');                                     // no e2e for a bolt
  EXPECT_NE(lines[4].find(" 1.00"), std::string::npos) << lines[4];  // e2e p99 ms
  EXPECT_NE(lines[2].find(" 1.5 "), std::string::npos) << lines[2];  // blocked ms
  // total: 6/7 instances, 199641 in/s, 101 errors, queue 12.
  for (const char* cell : {" 6/7 ", " 199641 ", " 101 ", " 12 "}) {
    EXPECT_NE(lines[6].find(cell), std::string::npos) << cell << " in " << lines[6];
  }
}

TEST(HumanTable, RatesUseTheIntervalAndSloLineOnlyWhenEvaluated) {
  std::string table = humanTable(2'000, 2.0, kOrder, intervalSample(), nullptr);
  std::vector<std::string> lines = linesOf(table);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_NE(lines[3].find(" 49936 "), std::string::npos) << lines[3];  // 99871 / 2 s, rounded
  SloResult not_evaluated;
  EXPECT_EQ(humanTable(2'000, 2.0, kOrder, intervalSample(), &not_evaluated), table);
  SloResult pass{.evaluated = true};
  EXPECT_EQ(linesOf(humanTable(2'000, 2.0, kOrder, intervalSample(), &pass)).back(), "SLO pass");
}

TEST(HumanTable, AShortIntervalShowsCountsNotRates) {
  // 30 ms at a stop: 99871 tuples there would read as 3.3 million a second.
  const std::vector<std::string> lines =
      linesOf(humanTable(10'030, 0.03, kOrder, intervalSample(), nullptr, true));
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0], "elapsed 10.0 s, last 0.03 s (too short for rates: in and out are counts)");
  EXPECT_NE(lines[1].find(" in "), std::string::npos) << lines[1];
  EXPECT_EQ(lines[1].find("in/s"), std::string::npos) << lines[1];
  EXPECT_NE(lines[3].find(" 99871 "), std::string::npos) << lines[3];
  EXPECT_EQ(lines[3].find("3328"), std::string::npos) << lines[3];
}

TEST(Report, IntervalLineSaysHowLongTheIntervalWas) {
  const std::string line = intervalLine(3000, kOrder, intervalSample(), 1002);
  EXPECT_EQ(
      line.rfind("{\"type\":\"interval\",\"t_ms\":3000,\"interval_ms\":1002,\"components\":{", 0),
      0u)
      << line;
}

std::map<std::string, ComponentStats> databaseSample(int disconnected) {
  std::map<std::string, ComponentStats> m;
  ComponentStats& db = m["db"];
  db.is_sink = true;
  db.counters = {.received = 2500, .acked = 2500};
  DatabaseStats d;
  d.disconnected = disconnected;
  d.rows = 2500;
  d.commits = 3;
  d.failed_batches = 1;
  d.reconnects = 2;
  d.commit_latency.record(4'000'000, 2);  // p50: its bucket's midpoint, 4005.9 µs
  d.commit_latency.record(9'000'000);
  d.batch_rows.record(1000, 2);
  d.batch_rows.record(500);
  db.database = d;
  return m;
}

TEST(Report, DatabaseSinkFiguresFollowTheLatencies) {
  const std::string line = intervalLine(3000, {"db"}, databaseSample(1), 500);
  EXPECT_NE(line.find(R"("database":{"connected":false,"disconnected":1,"rows":2500,)"
                      R"("rows_per_s":5000,"commits":3,"failed_batches":1,"reconnects":2,)"
                      R"("commit_us":{"p50":4005.9,"p90":9000,"p99":9000,"p999":9000,"max":9000},)"
                      R"("batch_rows":{"p50":1000,"p99":1000,"max":1000}}})"),
            std::string::npos)
      << line;
  EXPECT_TRUE(CompactJson::valid(line)) << line;
  // Without the interval's length there is no rate.
  EXPECT_NE(intervalLine(3000, {"db"}, databaseSample(0))
                .find(R"("database":{"connected":true,"disconnected":0,"rows":2500,"commits":3,)"),
            std::string::npos);
  const std::string summary = summaryLine(10'000, SloResult{}, {"db"}, databaseSample(0));
  EXPECT_NE(summary.find(R"("database":{"connected":true,"disconnected":0,"rows":2500,)"
                         R"("rows_per_s":250,"commits":3,)"),
            std::string::npos)
      << summary;
  EXPECT_TRUE(CompactJson::valid(summary)) << summary;
  // Components that are no database sink say nothing of it.
  EXPECT_EQ(intervalLine(3000, kOrder, intervalSample()).find("database"), std::string::npos);
}

}  // namespace
}  // namespace topolab
