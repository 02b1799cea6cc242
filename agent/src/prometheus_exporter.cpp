// The Prometheus endpoint: prometheus-cpp's Exposer serves one Collectable that
// turns the engine's plain snapshots into metric families at scrape time, so
// no figure is copied into a second registry between scrapes.
#include "prometheus_exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

namespace topolab::agent {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

constexpr double kNsPerSecond = 1e9;
constexpr double kQuantiles[] = {0.5, 0.9, 0.99, 0.999};

MetricFamily family(const char* name, MetricType type, const char* help) {
  MetricFamily f;
  f.name = name;
  f.type = type;
  f.help = help;
  return f;
}

// One sample an instance gives a family: a value (counters, gauges) or a
// histogram (summaries), under the instance's labels plus `extra` if named.
struct Sample {
  double value = 0;
  const Histogram* histogram = nullptr;
  ClientMetric::Label extra = {};
  double per_unit = kNsPerSecond;  // a histogram's values per exposed unit (1: as they are)
};

// A cumulative histogram as a summary: latencies (ns) in seconds, other
// values (`per_unit` 1) as they are. The sum is approximate (bucket
// midpoints), within the histogram's 1/256 resolution; quantiles of an empty
// histogram are NaN, as Prometheus clients report them.
void setSummary(ClientMetric& m, const Histogram& h, double per_unit) {
  m.summary.sample_count = h.count();
  double sum_ns = 0;
  const auto& buckets = h.buckets();
  for (int b = 0; b < static_cast<int>(buckets.size()); ++b) {
    if (buckets[b] == 0) continue;
    const double mid = (static_cast<double>(Histogram::bucketLow(b)) +
                        static_cast<double>(Histogram::bucketHigh(b))) /
                       2;
    sum_ns += mid * static_cast<double>(buckets[b]);
  }
  m.summary.sample_sum = sum_ns / per_unit;
  for (double q : kQuantiles) {
    const double v = h.empty() ? std::numeric_limits<double>::quiet_NaN()
                               : static_cast<double>(h.quantile(q)) / per_unit;
    m.summary.quantile.push_back(ClientMetric::Quantile{q, v});
  }
}

void add(MetricFamily& f, const Labels& labels, const Sample& s) {
  ClientMetric m;
  m.label = labels;
  if (!s.extra.name.empty()) m.label.push_back(s.extra);
  switch (f.type) {
    case MetricType::Counter:
      m.counter.value = s.value;
      break;
    case MetricType::Summary:
      setSummary(m, *s.histogram, s.per_unit);
      break;
    default:
      m.gauge.value = s.value;
      break;
  }
  f.metric.push_back(std::move(m));
}

double seconds(uint64_t ns) { return static_cast<double>(ns) / kNsPerSecond; }

// One family per instance figure: its name, type and help, and how to read
// the instance's samples of it (none when the instance has no such figure).
struct FamilySpec {
  const char* name;
  MetricType type;
  const char* help;
  void (*read)(const InstanceSnapshot&, std::vector<Sample>&);
};

using Out = std::vector<Sample>;
using I = InstanceSnapshot;

// In the order the families are exposed (after topolab_agent_up).
const FamilySpec kFamilies[] = {
    {"topolab_tuples_received_total", MetricType::Counter,
     "Tuples taken from the instance's input queue.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.counters.received)}); }},
    {"topolab_tuples_emitted_total", MetricType::Counter,
     "Tuples sent downstream; each copy counts.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.counters.emitted)}); }},
    {"topolab_tuples_acked_total", MetricType::Counter,
     "Producers: tuple trees completed; others: tuples processed.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.counters.acked)}); }},
    {"topolab_tuples_failed_total", MetricType::Counter,
     "Producers: tuple trees failed or timed out; others: tuples failed.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.counters.failed)}); }},
    {"topolab_tuples_errors_total", MetricType::Counter, "Tuples the component rejected.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.counters.errors)}); }},
    // The samples' text stays out of labels (free text makes unbounded series):
    // `topolab errors NAME` shows it.
    {"topolab_last_error_timestamp_seconds", MetricType::Gauge,
     "Unix time of the instance's newest error sample (its text: topolab errors).",
     [](const I& i, Out& o) {
       if (!i.errors.empty()) o.push_back({static_cast<double>(i.errors.back().unix_ns) / 1e9});
     }},
    {"topolab_tuples_replayed_total", MetricType::Counter,
     "Producers: tuples emitted again after a failure.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.counters.replayed)}); }},
    {"topolab_tuples_dropped_total", MetricType::Counter,
     "Tuples lost with a killed instance (at-most-once).",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.counters.dropped)}); }},
    {"topolab_queue_depth", MetricType::Gauge, "Tuples waiting in the instance's input queue.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.queue)}); }},
    {"topolab_queue_capacity", MetricType::Gauge,
     "Capacity of the instance's input queue, in tuples.",
     [](const I& i, Out& o) { o.push_back({static_cast<double>(i.queue_capacity)}); }},
    {"topolab_blocked_seconds_total", MetricType::Counter,
     "Time spent waiting on a full downstream queue.",
     [](const I& i, Out& o) { o.push_back({seconds(i.blocked_ns)}); }},
    {"topolab_latency_seconds", MetricType::Summary,
     "Processing latency per tuple since the instance started.",
     [](const I& i, Out& o) {
       o.push_back({0, &i.latency});
     }},
    {"topolab_e2e_latency_seconds", MetricType::Summary,
     "End-to-end latency at sinks, from the producer's timestamp, since the instance started.",
     [](const I& i, Out& o) {
       if (i.is_sink || !i.e2e.empty()) o.push_back({0, &i.e2e});
     }},
    // The stream "from:component": `component` is the receiving instance's.
    {"topolab_stream_latency_seconds", MetricType::Summary,
     "From the upstream instance emitting a tuple to this instance taking it from its input "
     "queue, per upstream component, since the instance started.",
     [](const I& i, Out& o) {
       for (const StreamLatency& in : i.inputs) o.push_back({0, &in.latency, {"from", in.from}});
     }},
    {"topolab_lb_member_sent_total", MetricType::Counter,
     "Tuples a load-balancer sent to the member.",
     [](const I& i, Out& o) {
       for (const MemberStats& m : i.members)
         o.push_back({static_cast<double>(m.sent), nullptr, {"member", m.member}});
     }},
    {"topolab_lb_member_outstanding", MetricType::Gauge,
     "Tuples a load-balancer sent to the member not yet done.",
     [](const I& i, Out& o) {
       for (const MemberStats& m : i.members)
         o.push_back({static_cast<double>(m.outstanding), nullptr, {"member", m.member}});
     }},
    {"topolab_lb_member_healthy", MetricType::Gauge,
     "1 when the load-balancer member passes health checks, else 0.",
     [](const I& i, Out& o) {
       for (const MemberStats& m : i.members)
         o.push_back({m.healthy ? 1.0 : 0.0, nullptr, {"member", m.member}});
     }},
    {"topolab_replica_role", MetricType::Gauge,
     "1 for a replicated-store instance's role (primary, follower or dead).",
     [](const I& i, Out& o) {
       if (i.replica) o.push_back({1, nullptr, {"role", i.replica->role}});
     }},
    {"topolab_replica_epoch", MetricType::Gauge, "Promotions of the replicated store so far.",
     [](const I& i, Out& o) {
       if (i.replica) o.push_back({static_cast<double>(i.replica->epoch)});
     }},
    {"topolab_replica_applied_writes", MetricType::Gauge,
     "Sequence number of the last write the store instance applied.",
     [](const I& i, Out& o) {
       if (i.replica) o.push_back({static_cast<double>(i.replica->applied)});
     }},
    {"topolab_replica_lag_writes", MetricType::Gauge,
     "Writes the primary applied that this instance has not.",
     [](const I& i, Out& o) {
       if (i.replica) o.push_back({static_cast<double>(i.replica->lag_ops)});
     }},
    {"topolab_replica_lag_seconds", MetricType::Gauge,
     "How long ago the primary applied the oldest write this instance lacks.",
     [](const I& i, Out& o) {
       if (i.replica) o.push_back({static_cast<double>(i.replica->lag_ms) / 1000});
     }},
    {"topolab_replica_write_latency_seconds", MetricType::Summary,
     "Primary: from a write reaching it to its acknowledgement, since it started.",
     [](const I& i, Out& o) {
       if (i.replica && !i.replica->write_latency.empty())
         o.push_back({0, &i.replica->write_latency});
     }},
    {"topolab_db_connected", MetricType::Gauge,
     "1 while the database sink instance is connected to its server, else 0.",
     [](const I& i, Out& o) {
       if (i.database) o.push_back({i.database->connected() ? 1.0 : 0.0});
     }},
    {"topolab_db_rows_total", MetricType::Counter, "Rows the database sink committed.",
     [](const I& i, Out& o) {
       if (i.database) o.push_back({static_cast<double>(i.database->rows)});
     }},
    {"topolab_db_commits_total", MetricType::Counter, "Transactions the database sink committed.",
     [](const I& i, Out& o) {
       if (i.database) o.push_back({static_cast<double>(i.database->commits)});
     }},
    {"topolab_db_failed_batches_total", MetricType::Counter,
     "Batches the database sink could not commit (server away or refused).",
     [](const I& i, Out& o) {
       if (i.database) o.push_back({static_cast<double>(i.database->failed_batches)});
     }},
    {"topolab_db_reconnects_total", MetricType::Counter,
     "Connections the database sink made again after its server went away.",
     [](const I& i, Out& o) {
       if (i.database) o.push_back({static_cast<double>(i.database->reconnects)});
     }},
    {"topolab_db_commit_latency_seconds", MetricType::Summary,
     "From a transaction's first statement to its commit confirmed, since the instance started.",
     [](const I& i, Out& o) {
       if (i.database) o.push_back({0, &i.database->commit_latency});
     }},
    {"topolab_db_batch_rows", MetricType::Summary,
     "Rows per committed transaction of the database sink, since the instance started.",
     [](const I& i, Out& o) {
       if (i.database) o.push_back({.histogram = &i.database->batch_rows, .per_unit = 1});
     }},
};

// Why `bind` cannot be served, with what to do about it; empty when it can.
// civetweb reports any failure as "null context ... Possible problem binding
// to port", so the address is checked and bound once here to name the cause.
std::string bindProblem(const std::string& bind) {
  const size_t colon = bind.rfind(':');
  const std::string host = colon == std::string::npos ? "" : bind.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : bind.substr(colon + 1);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  char* end = nullptr;
  const long port_number = port.empty() ? -1 : std::strtol(port.c_str(), &end, 10);
  // A host is required: a bare port would listen on every interface.
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 || port_number < 0 ||
      port_number > 65535 || *end != '\0') {
    return "expected an IPv4 address and a port, e.g. 127.0.0.1:9464 (port 0: any free port)";
  }
  addr.sin_port = htons(static_cast<uint16_t>(port_number));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::string("cannot open a socket: ") + std::strerror(errno);
  const int one = 1;  // as civetweb does, so a port in TIME_WAIT is not refused here
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string problem;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    problem =
        std::string(std::strerror(errno)) + "; choose another address or port (--metrics-port)";
  }
  close(fd);
  return problem;
}

}  // namespace

class PrometheusExporter::Families final : public prometheus::Collectable {
 public:
  Families(std::string agent_name, PrometheusExporter::Collect collect)
      : agent_name_(std::move(agent_name)), collect_(std::move(collect)) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<std::pair<std::string, Snapshot>> deployments;
    try {
      if (collect_) deployments = collect_();
    } catch (...) {
      // A scrape must never take the agent down; it shows the agent up, no figures.
      deployments.clear();
    }
    MetricFamily up =
        family("topolab_agent_up", MetricType::Gauge, "1 while the agent serves metrics.");
    add(up, {{"agent", agent_name_}}, {1});
    std::vector<MetricFamily> families;
    for (const FamilySpec& spec : kFamilies)
      families.push_back(family(spec.name, spec.type, spec.help));

    std::vector<Sample> samples;
    for (const auto& [deployment, snapshot] : deployments) {
      for (const InstanceSnapshot& inst : snapshot.instances) {
        const Labels labels = {
            {"deployment", deployment},
            {"component", inst.component},
            {"instance", std::to_string(inst.index)},
            {"agent", inst.agent.empty() ? agent_name_ : inst.agent},
        };
        for (size_t k = 0; k < families.size(); ++k) {
          samples.clear();
          kFamilies[k].read(inst, samples);
          for (const Sample& s : samples) add(families[k], labels, s);
        }
      }
    }

    std::vector<MetricFamily> out;
    out.push_back(std::move(up));
    for (MetricFamily& f : families) {
      if (!f.metric.empty()) out.push_back(std::move(f));
    }
    return out;
  }

 private:
  const std::string agent_name_;
  const PrometheusExporter::Collect collect_;
};

std::unique_ptr<PrometheusExporter> PrometheusExporter::start(const std::string& bind,
                                                              std::string agent_name,
                                                              Collect collect, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) {
      *error = "cannot serve Prometheus metrics on " + bind + ": " + why;
    }
    return nullptr;
  };
  if (std::string problem = bindProblem(bind); !problem.empty()) return fail(problem);

  std::unique_ptr<PrometheusExporter> exporter(new PrometheusExporter());
  exporter->families_ = std::make_shared<Families>(std::move(agent_name), std::move(collect));
  // prometheus-cpp reports a failed listen (and a malformed address) by throwing.
  try {
    exporter->exposer_ = std::make_unique<prometheus::Exposer>(bind, 2);
    exporter->exposer_->RegisterCollectable(exporter->families_);
    const std::vector<int> ports = exporter->exposer_->GetListeningPorts();
    if (ports.empty()) return fail("the server reports no listening port");
    exporter->port_ = ports.front();
  } catch (const std::exception& e) {
    return fail(std::string("the HTTP server did not start (") + e.what() +
                "); choose another address or port (--metrics-port)");
  } catch (...) {
    return fail("unknown error from the HTTP server");
  }
  return exporter;
}

PrometheusExporter::~PrometheusExporter() = default;

}  // namespace topolab::agent
