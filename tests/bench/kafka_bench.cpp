// topolab-kafka-bench: Kafka at both ends of a topology, against the embedded
// cluster (librdkafka's mock brokers, in this process): produce throughput and
// latency of kafka-sink, consume throughput of kafka-source, and end-to-end
// latency through a topic at a fixed rate. Prints the medians as Markdown rows
// for BENCHMARKS.md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include "topolab/engine/kafka.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/operator.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

struct Config {
  int runs = 3;
  // Produce and consume scenarios. The embedded brokers keep the last 5 MiB of
  // each partition: 4 partitions hold 100 k 100-byte messages.
  int messages = 100'000;
  int partitions = 4;            // consume scenario
  int rate = 20'000;             // end-to-end scenario, tuples/s
  int transport_rate = 600'000;  // transport scenario, offered tuples/s
  double seconds = 3;            // end-to-end scenario, measured
  int linger_ms = -1;            // kafka-sink linger_ms; -1: its default
  int fetch_wait_ms = -1;        // kafka-source fetch_wait_ms; -1: its default
  std::vector<std::string> scenarios;
};

[[noreturn]] void die(const std::string& what) {
  std::cerr << what << '\n';
  std::exit(1);
}

std::unique_ptr<EmbeddedKafka> startKafka() {
  std::string error;
  auto kafka = EmbeddedKafka::start(3, &error);
  if (!kafka) die(error);
  return kafka;
}

Topology parse(const std::string& yaml) {
  LoadResult r = parseTopology(yaml, "bench.yaml");
  if (!r.ok()) {
    for (const auto& d : r.errors) std::cerr << d.format() << '\n';
    std::exit(2);
  }
  return *r.topology;
}

// A runtime of `t` on `kafka`, with the internal topics of its `transport:
// kafka` streams created for this run.
std::unique_ptr<Runtime> makeRuntime(const Topology& t, EmbeddedKafka& kafka) {
  RunOptions o;
  o.kafka_bootstrap = kafka.bootstrap();
  o.run_id = newRunId();
  std::string error;
  if (!kafka.createTopicsFor(t, 1, &error, o.run_id)) die(error);
  auto rt = Runtime::create(t, Catalogue::instance(), o, &error);
  if (!rt) die(error);
  return rt;
}

// Extra params for the YAML flow maps of the Kafka components.
std::string sinkParams(const Config& cfg) {
  return cfg.linger_ms < 0 ? "" : ", linger_ms: " + std::to_string(cfg.linger_ms);
}
std::string sourceParams(const Config& cfg) {
  return cfg.fetch_wait_ms < 0 ? "" : ", fetch_wait_ms: " + std::to_string(cfg.fetch_wait_ms);
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// What a scenario measured: tuples (or messages) per second and a latency.
struct Figures {
  double throughput = 0;
  double p50_us = 0, p99_us = 0;
};

// The kafka-sink operator alone: `messages` 100-byte messages, until every
// delivery report is in.
Figures produceOnce(const Config& cfg) {
  auto kafka = startKafka();
  std::string error;
  if (!kafka->createTopic("out", 4, &error)) die(error);
  const ComponentType* type = Catalogue::instance().find("kafka-sink");
  Component c{
      .id = "sink", .type = "kafka-sink", .params = {ParamEntry{.name = "topic", .text = "out"}}};
  if (cfg.linger_ms >= 0) {
    c.params.push_back(ParamEntry{.name = "linger_ms", .text = std::to_string(cfg.linger_ms)});
  }
  std::optional<Params> p = resolveParams(c, *type, &error);
  if (!p) die(error);
  OperatorPtr sink = type->factory(*p, OperatorContext{"sink", 0, 1, 1, kafka->bootstrap()});
  struct None final : Emitter {
    void emit(Tuple&&, uint64_t) override {}
  } none;
  const std::string payload(100, 'x');
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < cfg.messages; ++i) {
    Tuple t{.key = "k" + std::to_string(i % 10'000), .ts = wallNowNs(), .payload = payload};
    if (!sink->process(t, none, monoNowNs()).ok) die("kafka-sink refused a message");
  }
  sink->onEndOfInput(none);
  Figures r;
  r.throughput = cfg.messages / seconds(t0);  // handed over and acknowledged, acks=all
  auto* stats = dynamic_cast<KafkaSinkStats*>(sink.get());
  if (stats->delivered() != static_cast<uint64_t>(cfg.messages)) die("messages were not delivered");
  const Percentiles pc = percentilesUs(stats->produceLatency());
  r.p50_us = pc.p50;
  r.p99_us = pc.p99;
  return r;
}

// kafka-source → counter over a filled topic, from the first tuple to the end.
// The topic is filled in big batches: the embedded brokers answer a fetch
// with one producer batch per partition, so small batches would measure them.
double consumeOnce(const Config& cfg) {
  auto kafka = startKafka();
  std::string error;
  if (!kafka->createTopic("in", cfg.partitions, &error)) die(error);
  auto fill = makeRuntime(parse(R"(
topolab: 1
name: fill
components:
  - {id: gen, type: generator, params: {rate: 0, count: )" +
                                std::to_string(cfg.messages) +
                                R"(, payload_bytes: 100}}
  - {id: sink, type: kafka-sink, params: {topic: in, linger_ms: 50}}
streams:
  - {from: gen, to: sink}
)"),
                          *kafka);
  fill->start();
  if (!fill->waitFinished(std::chrono::seconds(120))) die("could not fill the topic");
  fill.reset();
  auto rt = makeRuntime(parse(R"(
topolab: 1
name: consume
defaults: {delivery: at-least-once}
components:
  - {id: src, type: kafka-source, params: {topic: in, stop_at_end: true)" +
                              sourceParams(cfg) + R"(}}
  - {id: sink, type: counter}
streams:
  - {from: src, to: sink}
)"),
                        *kafka);
  rt->start();
  auto received = [&] { return totalStats(rt->snapshot())["sink"].counters.received; };
  while (received() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const uint64_t first = received();
  const auto t0 = std::chrono::steady_clock::now();
  while (received() < static_cast<uint64_t>(cfg.messages)) {
    if (rt->finished()) die("the source ended before the end of the topic");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return (cfg.messages - first) / seconds(t0);
}

// A running runtime's per-component figures over `cfg.seconds`, after a
// one-second warm-up.
struct Window {
  std::map<std::string, ComponentStats> stats;
  double seconds = 0;
};
Window measure(Runtime& rt, const Config& cfg) {
  std::this_thread::sleep_for(std::chrono::seconds(1));  // warm-up
  const Snapshot a = rt.snapshot();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds));
  const Snapshot b = rt.snapshot();
  return {intervalStats(a, b), seconds(t0)};
}

// generator at a fixed rate → kafka-sink → topic → kafka-source → counter,
// both halves running at once; the counter's end-to-end latency.
Figures endToEndOnce(const Config& cfg) {
  auto kafka = startKafka();
  std::string error;
  if (!kafka->createTopic("mid", 4, &error)) die(error);
  auto consume = makeRuntime(parse(R"(
topolab: 1
name: consume
defaults: {delivery: at-least-once}
components:
  - {id: src, type: kafka-source, params: {topic: mid, start: latest)" +
                                   sourceParams(cfg) + R"(}}
  - {id: sink, type: counter}
streams:
  - {from: src, to: sink}
)"),
                             *kafka);
  consume->start();
  std::this_thread::sleep_for(std::chrono::seconds(4));  // the consumer joins its group
  auto produce = makeRuntime(parse(R"(
topolab: 1
name: produce
components:
  - {id: gen, type: generator, params: {rate: )" +
                                   std::to_string(cfg.rate) +
                                   R"(, payload_bytes: 100}}
  - {id: sink, type: kafka-sink, params: {topic: mid)" +
                                   sinkParams(cfg) + R"(}}
streams:
  - {from: gen, to: sink}
)"),
                             *kafka);
  produce->start();
  Window w = measure(*consume, cfg);
  produce->stop(std::chrono::seconds(5));
  consume->stop(std::chrono::seconds(5));
  const ComponentStats& sink = w.stats["sink"];
  const Percentiles pc = percentilesUs(sink.e2e);
  return {sink.counters.received / w.seconds, pc.p50, pc.p99};
}

// `producers` generators at `rate_each` tuples/s → 4 counters over a stream
// with `transport: kafka` (its own topic, 4 partitions): what the counters
// receive per second, what the generators emitted meanwhile (equal when the
// hop keeps up), and the counters' end-to-end latency.
struct Hop {
  double received = 0, emitted = 0;  // per second
  double p50_us = 0, p99_us = 0;
};
Hop hopOnce(const Config& cfg, int producers, int rate_each) {
  auto kafka = startKafka();
  auto rt = makeRuntime(parse(R"(
topolab: 1
name: hop
components:
  - {id: gen, type: generator, parallelism: )" +
                              std::to_string(producers) + ", params: {rate: " +
                              std::to_string(rate_each) + R"(, payload_bytes: 100}}
  - {id: sink, type: counter, parallelism: 4}
streams:
  - {from: gen, to: sink, transport: kafka}
)"),
                        *kafka);
  rt->start();
  Window w = measure(*rt, cfg);
  rt->stop(std::chrono::seconds(5));
  const Percentiles pc = percentilesUs(w.stats["sink"].e2e);
  return {w.stats["sink"].counters.received / w.seconds,
          w.stats["gen"].counters.emitted / w.seconds, pc.p50, pc.p99};
}

// The median of each figure over `runs` runs of `once`.
Figures medianOf(int runs, const std::function<Figures()>& once) {
  std::vector<double> rate, p50, p99;
  for (int i = 0; i < runs; ++i) {
    const Figures r = once();
    rate.push_back(r.throughput);
    p50.push_back(r.p50_us);
    p99.push_back(r.p99_us);
  }
  return {median(rate), median(p50), median(p99)};
}

void row(const std::string& what, const std::string& figure, const std::string& command) {
  std::cout << "| " << what << " | " << figure << " | `" << command << "` |" << std::endl;
}

bool wanted(const Config& cfg, const std::string& name) {
  return cfg.scenarios.empty() ||
         std::find(cfg.scenarios.begin(), cfg.scenarios.end(), name) != cfg.scenarios.end();
}

int benchMain(int argc, char** argv) {
  Config cfg;
  CLI::App app{"TopoLab Kafka benchmark scenarios (embedded cluster)"};
  app.add_option("--runs", cfg.runs, "runs per figure (the median is reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--messages", cfg.messages, "messages in the produce and consume scenarios")
      ->check(CLI::PositiveNumber);
  app.add_option("--partitions", cfg.partitions, "partitions of the consume scenario's topic")
      ->check(CLI::PositiveNumber);
  app.add_option("--rate", cfg.rate, "tuples/s in the end-to-end scenario")
      ->check(CLI::PositiveNumber);
  app.add_option("--transport-rate", cfg.transport_rate,
                 "offered tuples/s in the transport scenario")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds", cfg.seconds, "measured seconds in the end-to-end scenario")
      ->check(CLI::PositiveNumber);
  app.add_option("--linger-ms", cfg.linger_ms, "kafka-sink linger_ms (default: its default)");
  app.add_option("--fetch-wait-ms", cfg.fetch_wait_ms,
                 "kafka-source fetch_wait_ms (default: its default)");
  app.add_option("--scenario", cfg.scenarios,
                 "produce, consume, e2e, transport, hop (default: all)");
  CLI11_PARSE(app, argc, argv);
  const std::string cmd = "build/tests/bench/topolab-kafka-bench --scenario ";
  char buf[160];

  std::cout << "| scenario | median of " << cfg.runs << " runs | command |\n|---|---|---|"
            << std::endl;
  if (wanted(cfg, "produce")) {
    const Figures r = medianOf(cfg.runs, [&] { return produceOnce(cfg); });
    std::snprintf(buf, sizeof buf, "%.0f k msg/s; produce latency p50 %.1f ms, p99 %.1f ms",
                  r.throughput / 1e3, r.p50_us / 1e3, r.p99_us / 1e3);
    row("kafka-sink alone, 100-byte messages, acks=all, idempotent", buf, cmd + "produce");
  }
  if (wanted(cfg, "consume")) {
    std::vector<double> rate;
    for (int i = 0; i < cfg.runs; ++i) rate.push_back(consumeOnce(cfg));
    std::snprintf(buf, sizeof buf, "%.0f k msg/s", median(rate) / 1e3);
    row("kafka-source → counter, at-least-once, 100-byte messages", buf, cmd + "consume");
  }
  if (wanted(cfg, "e2e")) {
    const Figures r = medianOf(cfg.runs, [&] { return endToEndOnce(cfg); });
    std::snprintf(buf, sizeof buf, "p99 %.1f ms (p50 %.1f ms) at %.0f tuples/s", r.p99_us / 1e3,
                  r.p50_us / 1e3, r.throughput);
    row("generator → kafka-sink → topic → kafka-source → counter, end to end", buf, cmd + "e2e");
  }
  if (wanted(cfg, "transport")) {
    std::vector<double> received, emitted, p99;
    for (int i = 0; i < cfg.runs; ++i) {
      const Hop h = hopOnce(cfg, 2, cfg.transport_rate / 2);
      received.push_back(h.received);
      emitted.push_back(h.emitted);
      p99.push_back(h.p99_us);
    }
    std::snprintf(buf, sizeof buf, "%.0f k tuples/s received of %.0f k/s emitted; e2e p99 %.1f ms",
                  median(received) / 1e3, median(emitted) / 1e3, median(p99) / 1e3);
    row("generator ×2 → counter ×4 over `transport: kafka`, 100-byte payloads, offered " +
            std::to_string(cfg.transport_rate / 1000) + " k/s",
        buf, cmd + "transport --transport-rate " + std::to_string(cfg.transport_rate));
  }
  if (wanted(cfg, "hop")) {
    const Figures r = medianOf(cfg.runs, [&] {
      const Hop h = hopOnce(cfg, 1, cfg.rate);
      return Figures{h.received, h.p50_us, h.p99_us};
    });
    std::snprintf(buf, sizeof buf, "p99 %.1f ms (p50 %.1f ms) at %.0f tuples/s", r.p99_us / 1e3,
                  r.p50_us / 1e3, r.throughput);
    row("one `transport: kafka` hop at a fixed rate, default tuning, end to end", buf, cmd + "hop");
  }
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::benchMain(argc, argv); }
