// The agent's Prometheus endpoint, scraped over real HTTP on loopback the way
// a Prometheus server would, and checked with promtool.
#include "prometheus_exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

namespace topolab::agent {
namespace {

struct HttpResponse {
  int status = 0;  // 0: no answer
  std::string body;
};

// A plain HTTP/1.0 GET on 127.0.0.1, so the test needs no HTTP client library.
HttpResponse httpGet(int port, const std::string& path) {
  HttpResponse r;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return r;
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return r;
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return r;
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || header_end == std::string::npos) return r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  r.body = raw.substr(header_end + 4);
  return r;
}

// Sample lines ("name{labels} value") by series; comments left out.
std::map<std::string, double> samples(const std::string& body) {
  std::map<std::string, double> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

// promtool's verdict on `body`: its exit code, and what it printed.
std::pair<int, std::string> promtoolCheck(const std::string& body) {
  const std::string path = ::testing::TempDir() + "/prometheus_exporter_test.prom";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return {-1, "cannot write " + path};
  std::fwrite(body.data(), 1, body.size(), f);
  std::fclose(f);
  const std::string cmd = "promtool check metrics < '" + path + "' 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "cannot run promtool"};
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  std::remove(path.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool havePromtool() { return std::system("promtool --version >/dev/null 2>&1") == 0; }

constexpr uint64_t kMs = 1'000'000;  // ns

// A deployment's snapshot as the runtime would hand it over: a producer, a
// load-balancer with two members, and a sink.
Snapshot demoSnapshot() {
  Snapshot s;
  s.t_ms = 5000;
  InstanceSnapshot events;
  events.component = "events";
  events.index = 1;
  events.agent = "node-a";
  events.counters.emitted = 1000;
  events.counters.received = 123'456'789'012;  // printed in full, not rounded to 6 digits
  events.counters.acked = 990;
  events.counters.failed = 10;
  events.counters.replayed = 10;
  events.queue_capacity = 1024;
  events.blocked_ns = 1'500'000'000;
  s.instances.push_back(events);

  InstanceSnapshot lb;
  lb.component = "haproxy";
  lb.agent = "node-a";
  lb.counters.received = 1000;
  lb.counters.emitted = 1000;
  lb.queue = 5;
  lb.queue_capacity = 1024;
  lb.members = {{.member = "node1#0", .sent = 42, .outstanding = 3, .healthy = true},
                {.member = "node2#0", .sent = 7, .outstanding = 0, .healthy = false}};
  s.instances.push_back(lb);

  InstanceSnapshot store;
  store.component = "store";
  store.agent = "node-a";
  store.is_sink = true;
  store.counters.received = 101;
  store.counters.acked = 100;
  store.counters.errors = 1;
  store.counters.dropped = 2;
  store.latency.record(20'000, 101);  // 20 µs each
  store.e2e.record(1 * kMs, 100);
  store.e2e.record(3 * kMs, 1);
  s.instances.push_back(store);

  InstanceSnapshot replica;
  replica.component = "kv";
  replica.index = 1;
  replica.agent = "node-a";
  replica.is_sink = true;
  replica.replica = ReplicaStats{
      .role = "follower", .epoch = 2, .applied = 900, .lag_ops = 40, .lag_ms = 250, .keys = 800};
  s.instances.push_back(replica);
  InstanceSnapshot primary = replica;
  primary.index = 0;
  primary.replica = ReplicaStats{.role = "primary", .epoch = 2, .applied = 940, .keys = 810};
  primary.replica->write_latency.record(2 * kMs, 940);
  s.instances.push_back(primary);
  return s;
}

PrometheusExporterPtr startOrFail(PrometheusExporter::Collect collect,
                                  const std::string& bind = "127.0.0.1:0") {
  std::string error;
  PrometheusExporterPtr exporter =
      PrometheusExporter::start(bind, "node-a", std::move(collect), &error);
  EXPECT_NE(exporter, nullptr) << error;
  return exporter;
}

std::string series(const std::string& name, const std::string& component, int instance,
                   const std::string& extra = "") {
  return name + "{deployment=\"demo\",component=\"" + component + "\",instance=\"" +
         std::to_string(instance) + "\",agent=\"node-a\"" + extra + "}";
}

TEST(PrometheusExporter, ServesCountersGaugesAndSummaries) {
  PrometheusExporterPtr exporter = startOrFail([] {
    return std::vector<std::pair<std::string, Snapshot>>{{"demo", demoSnapshot()}};
  });
  ASSERT_NE(exporter, nullptr);
  ASSERT_GT(exporter->port(), 0);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto got = samples(r.body);
  auto value = [&](const std::string& key) {
    auto it = got.find(key);
    return it == got.end() ? std::nan("") : it->second;
  };

  EXPECT_EQ(value("topolab_agent_up{agent=\"node-a\"}"), 1) << r.body;
  EXPECT_EQ(value(series("topolab_tuples_emitted_total", "events", 1)), 1000) << r.body;
  EXPECT_EQ(value(series("topolab_tuples_acked_total", "events", 1)), 990);
  EXPECT_EQ(value(series("topolab_tuples_received_total", "events", 1)), 123'456'789'012.0);
  EXPECT_EQ(value(series("topolab_tuples_failed_total", "events", 1)), 10);
  EXPECT_EQ(value(series("topolab_tuples_replayed_total", "events", 1)), 10);
  EXPECT_EQ(value(series("topolab_tuples_received_total", "store", 0)), 101);
  EXPECT_EQ(value(series("topolab_tuples_errors_total", "store", 0)), 1);
  EXPECT_EQ(value(series("topolab_tuples_dropped_total", "store", 0)), 2);
  EXPECT_EQ(value(series("topolab_queue_depth", "haproxy", 0)), 5);
  EXPECT_EQ(value(series("topolab_queue_capacity", "haproxy", 0)), 1024);
  EXPECT_EQ(value(series("topolab_blocked_seconds_total", "events", 1)), 1.5);

  // Latency in seconds: quantiles within the histogram's resolution (1/256).
  const std::string e2e = "topolab_e2e_latency_seconds";
  EXPECT_NEAR(value(series(e2e, "store", 0, ",quantile=\"0.5\"")), 0.001, 0.001 / 128) << r.body;
  EXPECT_NEAR(value(series(e2e, "store", 0, ",quantile=\"0.9\"")), 0.001, 0.001 / 128);
  EXPECT_NEAR(value(series(e2e, "store", 0, ",quantile=\"0.999\"")), 0.003, 0.003 / 128);
  EXPECT_EQ(value(series(e2e + "_count", "store", 0)), 101);
  EXPECT_NEAR(value(series(e2e + "_sum", "store", 0)), 0.103, 0.103 / 128);
  EXPECT_NEAR(value(series("topolab_latency_seconds", "store", 0, ",quantile=\"0.99\"")), 20e-6,
              20e-6 / 128);
  EXPECT_EQ(value(series("topolab_latency_seconds_count", "store", 0)), 101);
  // Only sinks measure end-to-end latency.
  EXPECT_TRUE(std::isnan(value(series(e2e + "_count", "events", 1)))) << r.body;

  EXPECT_EQ(value(series("topolab_lb_member_sent_total", "haproxy", 0, ",member=\"node1#0\"")), 42);
  EXPECT_EQ(value(series("topolab_lb_member_sent_total", "haproxy", 0, ",member=\"node2#0\"")), 7);
  EXPECT_EQ(value(series("topolab_lb_member_healthy", "haproxy", 0, ",member=\"node1#0\"")), 1);
  EXPECT_EQ(value(series("topolab_lb_member_healthy", "haproxy", 0, ",member=\"node2#0\"")), 0);
  EXPECT_EQ(value(series("topolab_lb_member_outstanding", "haproxy", 0, ",member=\"node1#0\"")), 3);

  // A replicated store: role, epoch, lag, and the primary's write latency.
  EXPECT_EQ(value(series("topolab_replica_role", "kv", 1, ",role=\"follower\"")), 1) << r.body;
  EXPECT_EQ(value(series("topolab_replica_role", "kv", 0, ",role=\"primary\"")), 1);
  EXPECT_EQ(value(series("topolab_replica_epoch", "kv", 1)), 2);
  EXPECT_EQ(value(series("topolab_replica_applied_writes", "kv", 1)), 900);
  EXPECT_EQ(value(series("topolab_replica_lag_writes", "kv", 1)), 40);
  EXPECT_EQ(value(series("topolab_replica_lag_seconds", "kv", 1)), 0.25);
  EXPECT_EQ(value(series("topolab_replica_lag_writes", "kv", 0)), 0);
  EXPECT_NEAR(value(series("topolab_replica_write_latency_seconds", "kv", 0, ",quantile=\"0.99\"")),
              0.002, 0.002 / 128);
  EXPECT_TRUE(std::isnan(value(series("topolab_replica_write_latency_seconds_count", "kv", 1))));

  for (const char* family :
       {"topolab_tuples_received_total counter", "topolab_queue_depth gauge",
        "topolab_blocked_seconds_total counter", "topolab_latency_seconds summary",
        "topolab_e2e_latency_seconds summary", "topolab_lb_member_healthy gauge",
        "topolab_agent_up gauge"}) {
    EXPECT_NE(r.body.find(std::string("# TYPE ") + family + "\n"), std::string::npos) << family;
  }
  EXPECT_NE(r.body.find("# HELP topolab_queue_depth "), std::string::npos);
}

TEST(PrometheusExporter, ServesADatabaseSinksConnectionRowsAndCommits) {
  ASSERT_TRUE(havePromtool()) << "promtool (Debian package `prometheus`) is required";
  PrometheusExporterPtr exporter = startOrFail([] {
    Snapshot s;
    for (int i = 0; i < 2; ++i) {
      InstanceSnapshot db;
      db.component = "db";
      db.index = i;
      db.is_sink = true;
      DatabaseStats d;
      d.disconnected = i;  // db#1 has lost its server
      d.rows = 2500;
      d.commits = 3;
      d.failed_batches = 1;
      d.reconnects = 2;
      d.commit_latency.record(4 * kMs, 2);
      d.commit_latency.record(9 * kMs);
      d.batch_rows.record(1000, 2);
      d.batch_rows.record(500);
      db.database = d;
      s.instances.push_back(db);
    }
    return std::vector<std::pair<std::string, Snapshot>>{{"demo", s}};
  });
  ASSERT_NE(exporter, nullptr);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  const auto got = samples(r.body);
  auto value = [&](const std::string& key) {
    auto it = got.find(key);
    return it == got.end() ? std::nan("") : it->second;
  };
  EXPECT_EQ(value(series("topolab_db_connected", "db", 0)), 1) << r.body;
  EXPECT_EQ(value(series("topolab_db_connected", "db", 1)), 0);
  EXPECT_EQ(value(series("topolab_db_rows_total", "db", 0)), 2500);
  EXPECT_EQ(value(series("topolab_db_commits_total", "db", 0)), 3);
  EXPECT_EQ(value(series("topolab_db_failed_batches_total", "db", 1)), 1);
  EXPECT_EQ(value(series("topolab_db_reconnects_total", "db", 1)), 2);
  const std::string commit = "topolab_db_commit_latency_seconds";
  EXPECT_NEAR(value(series(commit, "db", 0, ",quantile=\"0.5\"")), 0.004, 0.004 / 128);
  EXPECT_NEAR(value(series(commit, "db", 0, ",quantile=\"0.99\"")), 0.009, 0.009 / 128);
  EXPECT_EQ(value(series(commit + "_count", "db", 0)), 3);
  // Batch sizes in rows, not seconds.
  EXPECT_NEAR(value(series("topolab_db_batch_rows", "db", 0, ",quantile=\"0.5\"")), 1000, 4);
  EXPECT_NEAR(value(series("topolab_db_batch_rows_sum", "db", 0)), 2500, 10);
  EXPECT_EQ(value(series("topolab_db_batch_rows_count", "db", 0)), 3);
  for (const char* family :
       {"topolab_db_connected gauge", "topolab_db_rows_total counter",
        "topolab_db_reconnects_total counter", "topolab_db_commit_latency_seconds summary",
        "topolab_db_batch_rows summary"}) {
    EXPECT_NE(r.body.find(std::string("# TYPE ") + family + "\n"), std::string::npos) << family;
  }
  const auto [code, output] = promtoolCheck(r.body);
  EXPECT_EQ(code, 0) << output << "\n--- body ---\n" << r.body;
}

TEST(PrometheusExporter, OutputPassesPromtool) {
  ASSERT_TRUE(havePromtool()) << "promtool (Debian package `prometheus`) is required";
  Snapshot other = demoSnapshot();
  for (InstanceSnapshot& i : other.instances) i.agent.clear();  // in-process: the agent's name
  PrometheusExporterPtr exporter = startOrFail([other] {
    return std::vector<std::pair<std::string, Snapshot>>{{"demo", demoSnapshot()},
                                                         {"second", other}};
  });
  ASSERT_NE(exporter, nullptr);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("topolab_tuples_emitted_total{deployment=\"second\",component=\"events\","
                        "instance=\"1\",agent=\"node-a\"} 1000"),
            std::string::npos)
      << r.body;
  const auto [code, output] = promtoolCheck(r.body);
  EXPECT_EQ(code, 0) << output << "\n--- body ---\n" << r.body;
}

TEST(PrometheusExporter, ServesTheNewestErrorSamplesTimeNotItsText) {
  ASSERT_TRUE(havePromtool()) << "promtool (Debian package `prometheus`) is required";
  PrometheusExporterPtr exporter = startOrFail([] {
    Snapshot s = demoSnapshot();
    for (InstanceSnapshot& i : s.instances) {
      if (i.component != "store") continue;
      // Text a label could not carry as it is: quotes, a backslash, a newline.
      i.errors = {{1, 1'700'000'000'000'000'000, "first", "k1"},
                  {2, 1'700'000'002'500'000'000, "refused \"row\" \\ 7\nat line 2", "k\"2"}};
    }
    return std::vector<std::pair<std::string, Snapshot>>{{"demo", s}};
  });
  ASSERT_NE(exporter, nullptr);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  const auto got = samples(r.body);
  const auto newest = got.find(series("topolab_last_error_timestamp_seconds", "store", 0));
  ASSERT_NE(newest, got.end()) << r.body;
  EXPECT_DOUBLE_EQ(newest->second, 1'700'000'002.5);
  // An instance without samples has no such series (0 would read as 1970).
  EXPECT_EQ(got.count(series("topolab_last_error_timestamp_seconds", "events", 1)), 0u) << r.body;
  EXPECT_NE(r.body.find("# TYPE topolab_last_error_timestamp_seconds gauge\n"), std::string::npos);
  EXPECT_EQ(r.body.find("refused"), std::string::npos) << "no sample text in a label";
  const auto [code, output] = promtoolCheck(r.body);
  EXPECT_EQ(code, 0) << output << "\n--- body ---\n" << r.body;
}

TEST(PrometheusExporter, ServesEachStreamsLatencyByUpstreamComponent) {
  ASSERT_TRUE(havePromtool()) << "promtool (Debian package `prometheus`) is required";
  PrometheusExporterPtr exporter = startOrFail([] {
    Snapshot s = demoSnapshot();
    for (InstanceSnapshot& i : s.instances) {
      if (i.component != "store") continue;
      StreamLatency from_lb{"haproxy", {}};
      from_lb.latency.record(4 * kMs, 100);
      StreamLatency from_events{"events", {}};
      from_events.latency.record(1 * kMs, 1);
      i.inputs = {from_lb, from_events};
    }
    return std::vector<std::pair<std::string, Snapshot>>{{"demo", s}};
  });
  ASSERT_NE(exporter, nullptr);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  const auto got = samples(r.body);
  const auto p99 = got.find(
      series("topolab_stream_latency_seconds", "store", 0, ",from=\"haproxy\",quantile=\"0.99\""));
  ASSERT_NE(p99, got.end()) << r.body;
  EXPECT_NEAR(p99->second, 0.004, 0.00005);
  const auto count =
      got.find(series("topolab_stream_latency_seconds_count", "store", 0, ",from=\"events\""));
  ASSERT_NE(count, got.end()) << r.body;
  EXPECT_EQ(count->second, 1);
  // Only instances with input streams have the family's series.
  EXPECT_EQ(r.body.find("topolab_stream_latency_seconds{deployment=\"demo\",component=\"events\""),
            std::string::npos);
  const auto [code, output] = promtoolCheck(r.body);
  EXPECT_EQ(code, 0) << output << "\n--- body ---\n" << r.body;
}

TEST(PrometheusExporter, WithoutDeploymentsServesOnlyAgentUp) {
  ASSERT_TRUE(havePromtool()) << "promtool (Debian package `prometheus`) is required";
  PrometheusExporterPtr exporter =
      startOrFail([] { return std::vector<std::pair<std::string, Snapshot>>{}; });
  ASSERT_NE(exporter, nullptr);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  // prometheus-cpp adds its own exposer_* figures; of ours, only the agent is up.
  std::map<std::string, double> ours;
  for (const auto& [key, v] : samples(r.body)) {
    if (key.rfind("topolab_", 0) == 0) ours[key] = v;
  }
  EXPECT_EQ(ours, (std::map<std::string, double>{{"topolab_agent_up{agent=\"node-a\"}", 1}}))
      << r.body;
  const auto [code, output] = promtoolCheck(r.body);
  EXPECT_EQ(code, 0) << output;
}

TEST(PrometheusExporter, EmptyHistogramsReportNaNQuantiles) {
  PrometheusExporterPtr exporter = startOrFail([] {
    Snapshot s;
    InstanceSnapshot sink;
    sink.component = "store";
    sink.is_sink = true;
    s.instances.push_back(sink);
    return std::vector<std::pair<std::string, Snapshot>>{{"demo", s}};
  });
  ASSERT_NE(exporter, nullptr);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  const auto got = samples(r.body);
  const auto q = got.find(series("topolab_e2e_latency_seconds", "store", 0, ",quantile=\"0.5\""));
  ASSERT_NE(q, got.end()) << r.body;
  EXPECT_TRUE(std::isnan(q->second)) << r.body;
  EXPECT_EQ(got.at(series("topolab_e2e_latency_seconds_count", "store", 0)), 0);
}

TEST(PrometheusExporter, ScrapeSurvivesAThrowingCollector) {
  PrometheusExporterPtr exporter = startOrFail(
      []() -> std::vector<std::pair<std::string, Snapshot>> { throw std::runtime_error("boom"); });
  ASSERT_NE(exporter, nullptr);
  const HttpResponse r = httpGet(exporter->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(samples(r.body).count("topolab_agent_up{agent=\"node-a\"}"), 1u) << r.body;
  // And the server still answers afterwards.
  EXPECT_EQ(httpGet(exporter->port(), "/metrics").status, 200);
}

TEST(PrometheusExporter, RefusesAPortInUseWithAClearError) {
  PrometheusExporterPtr first =
      startOrFail([] { return std::vector<std::pair<std::string, Snapshot>>{}; });
  ASSERT_NE(first, nullptr);
  const std::string bind = "127.0.0.1:" + std::to_string(first->port());
  std::string error;
  PrometheusExporterPtr second = PrometheusExporter::start(
      bind, "node-b", [] { return std::vector<std::pair<std::string, Snapshot>>{}; }, &error);
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(error.find("cannot serve Prometheus metrics on " + bind), std::string::npos) << error;
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
  EXPECT_NE(error.find("--metrics-port"), std::string::npos) << error;
  // The first one is unharmed.
  EXPECT_EQ(httpGet(first->port(), "/metrics").status, 200);
}

TEST(PrometheusExporter, RefusesAMalformedAddressOrABarePort) {
  // A bare port would listen on every interface; the agent is loopback unless told.
  for (const char* bind : {"not an address", "9464", ":9464", "127.0.0.1:99999", "127.0.0.1:"}) {
    std::string error;
    PrometheusExporterPtr exporter = PrometheusExporter::start(
        bind, "node-a", [] { return std::vector<std::pair<std::string, Snapshot>>{}; }, &error);
    EXPECT_EQ(exporter, nullptr) << bind;
    EXPECT_NE(error.find(std::string("cannot serve Prometheus metrics on ") + bind +
                         ": expected an IPv4 address and a port, e.g. 127.0.0.1:9464"),
              std::string::npos)
        << error;
  }
}

TEST(PrometheusExporter, StopsServingWhenDestroyed) {
  PrometheusExporterPtr exporter =
      startOrFail([] { return std::vector<std::pair<std::string, Snapshot>>{}; });
  ASSERT_NE(exporter, nullptr);
  const int port = exporter->port();
  ASSERT_EQ(httpGet(port, "/metrics").status, 200);
  exporter.reset();
  EXPECT_EQ(httpGet(port, "/metrics").status, 0);
}

}  // namespace
}  // namespace topolab::agent
