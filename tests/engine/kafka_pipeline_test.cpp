// Topologies with Kafka at both ends, run by the Runtime against an embedded
// cluster and checked from outside with kcat: nothing lost, through a crash
// of the whole run and through broker faults.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>  // error codes only

#include <set>
#include <sstream>

#include "kafka_test_util.h"
#include "runtime_test_util.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/report.h"

namespace topolab::testing {
namespace {

const ComponentStats& statsOf(const std::map<std::string, ComponentStats>& totals,
                              const std::string& id) {
  static const ComponentStats none;
  auto it = totals.find(id);
  return it == totals.end() ? none : it->second;
}

uint64_t ackedAt(Runtime& rt, const std::string& id) {
  return statsOf(totalStats(rt.snapshot()), id).counters.acked;
}

void produceKeys(EmbeddedKafka& kafka, const std::string& topic, int n) {
  ASSERT_EQ(kcatProduce(kafka.bootstrap(), topic,
                        [n](FILE* f) {
                          for (int i = 0; i < n; ++i) std::fprintf(f, "k%d:%d\n", i, i);
                        }),
            0)
      << "kcat could not produce to " << topic;
}

// Keys k0 … k<n-1> absent from `keys`, and how many keys came more than once.
struct Check {
  std::vector<std::string> missing;
  int duplicates = 0;
};
Check check(const std::map<std::string, int>& keys, int n) {
  Check c;
  for (int i = 0; i < n; ++i) {
    auto it = keys.find("k" + std::to_string(i));
    if (it == keys.end()) {
      if (c.missing.size() < 10) c.missing.push_back("k" + std::to_string(i));
    } else {
      c.duplicates += it->second - 1;
    }
  }
  return c;
}

TEST(KafkaPipeline, KcatToFilterToKafkaKeepsEverySmallValue) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "in", 4);
  createTopic(*kafka, "out", 4);
  produceKeys(*kafka, "in", 20'000);

  const Topology t = parseOrDie(R"(
topolab: 1
name: kafka-filter
defaults: {delivery: at-least-once}
components:
  - {id: in, type: kafka-source, parallelism: 2, params: {topic: in, group: filter, stop_at_end: true}}
  - {id: small, type: filter, params: {field: value, op: "<", value: 10000}}
  - {id: out, type: kafka-sink, params: {topic: out}}
streams:
  - {from: in, to: small}
  - {from: small, to: out}
)");
  RunOptions options;
  options.kafka_bootstrap = kafka->bootstrap();
  auto rt = makeRuntime(t, options);
  ASSERT_NE(rt, nullptr);
  rt->start();
  // The sources end at the end of the topic; the sink flushes at its end.
  ASSERT_TRUE(eventually([&] { return rt->finished(); }, std::chrono::seconds(45)))
      << "the run did not reach the end of the topic; the sink has " << ackedAt(*rt, "out");
  const auto totals = totalStats(rt->snapshot());
  EXPECT_GE(statsOf(totals, "out").counters.acked, 10'000u);
  EXPECT_EQ(statsOf(totals, "out").counters.errors, 0u);
  rt.reset();

  const auto keys = kcatKeys(kafka->bootstrap(), "out");
  const Check c = check(keys, 10'000);
  EXPECT_TRUE(c.missing.empty()) << c.missing.size() << " kept keys missing, e.g. "
                                 << ::testing::PrintToString(c.missing);
  // At-least-once may replay around a change of the group (an instance
  // joining late), but an instance at the end waits until the brokers took
  // its offsets before it leaves, so its partitions are not read again.
  EXPECT_LE(c.duplicates, 500);
  std::printf("%d duplicates\n", c.duplicates);
  for (const auto& [key, count] : keys) {
    EXPECT_LT(std::stoi(key.substr(1)), 10'000) << key << " should have been filtered out";
  }
}

TEST(KafkaPipeline, AtLeastOnceReplaysWhatACrashedRunLeftIncomplete) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "in", 4);
  constexpr int kMessages = 5000;
  produceKeys(*kafka, "in", kMessages);
  TempDir dir;
  const std::string path = dir.file("out.jsonl");
  // The work bolt is slow, so many messages are in flight when the run dies.
  auto topology = [&](bool stop_at_end) {
    return parseOrDie(R"(
topolab: 1
name: replay
defaults: {delivery: at-least-once}
components:
  - id: in
    type: kafka-source
    params: {topic: in, group: replay, stop_at_end: )" +
                      std::string(stop_at_end ? "true" : "false") + R"(}
  - {id: slow, type: work, params: {cost_us: 300}}
  - {id: out, type: file-sink, params: {path: ")" +
                      path + R"("}}
streams:
  - {from: in, to: slow}
  - {from: slow, to: out}
)");
  };
  RunOptions options;
  options.kafka_bootstrap = kafka->bootstrap();

  auto first = makeRuntime(topology(false), options);
  ASSERT_NE(first, nullptr);
  first->start();
  ASSERT_TRUE(eventually([&] { return ackedAt(*first, "out") >= 1000; }))
      << "the first run wrote only " << ackedAt(*first, "out") << " tuples";
  first.reset();  // dies mid-way: no drain; queued tuples vanish
  const size_t written_first = keysInJsonLines(path).size();
  ASSERT_LT(written_first, static_cast<size_t>(kMessages)) << "the crash came too late to test";

  auto second = makeRuntime(topology(true), options);
  ASSERT_NE(second, nullptr);
  second->start();
  ASSERT_TRUE(second->waitFinished(std::chrono::seconds(40)))
      << "the second run did not reach the end of the topic";
  second.reset();

  const Check c = check(keysInJsonLines(path), kMessages);
  EXPECT_TRUE(c.missing.empty()) << c.missing.size() << " messages never reached the sink, e.g. "
                                 << ::testing::PrintToString(c.missing);
  // What the first run had processed but not committed comes again; never
  // more than the whole topic.
  EXPECT_LE(c.duplicates, kMessages);
  std::printf("first run wrote %zu, replayed %d duplicates\n", written_first, c.duplicates);
}

// The brokers refuse commits while the group rebalances. A source that stops
// at the end must not leave the group before its last offsets are taken, or
// the next consumer of the group reads everything again.
TEST(KafkaPipeline, AStopAtEndSourceLeavesOnlyOnceTheBrokersTookItsOffsets) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "in", 2);
  constexpr int kMessages = 2000;
  produceKeys(*kafka, "in", kMessages);
  const Topology t = parseOrDie(R"(
topolab: 1
name: refused
defaults: {delivery: at-least-once}
components:
  - {id: in, type: kafka-source, params: {topic: in, group: refused, stop_at_end: true}}
  - {id: out, type: counter}
streams:
  - {from: in, to: out}
)");
  RunOptions options;
  options.kafka_bootstrap = kafka->bootstrap();
  // Every commit of the first second or so is refused.
  kafka->failRequests(EmbeddedKafka::kApiOffsetCommit,
                      std::vector<int>(6, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS));
  auto first = makeRuntime(t, options);
  ASSERT_NE(first, nullptr);
  first->start();
  ASSERT_TRUE(first->waitFinished(std::chrono::seconds(40))) << "the first run did not end";
  const auto in_first = *statsOf(totalStats(first->snapshot()), "in").kafka;
  EXPECT_EQ(in_first.consumed, static_cast<uint64_t>(kMessages));
  EXPECT_GE(in_first.client_errors, 1u) << "no commit was refused: the test tested nothing";
  first.reset();

  // The same group again: nothing is left to read.
  auto second = makeRuntime(t, options);
  ASSERT_NE(second, nullptr);
  second->start();
  ASSERT_TRUE(second->waitFinished(std::chrono::seconds(40))) << "the second run did not end";
  EXPECT_EQ(statsOf(totalStats(second->snapshot()), "in").kafka->consumed, 0u)
      << "the first run left without its offsets committed";
}

TEST(KafkaPipeline, LosesNothingThroughBrokerErrorsAndOutages) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "in", 4);
  createTopic(*kafka, "out", 4);
  constexpr int kMessages = 5000;
  produceKeys(*kafka, "in", kMessages);

  const Topology t = parseOrDie(R"(
topolab: 1
name: faults
defaults: {delivery: at-least-once}
components:
  - {id: in, type: kafka-source, params: {topic: in, group: faults, stop_at_end: true}}
  - {id: slow, type: work, params: {cost_us: 200}}
  - {id: out, type: kafka-sink, params: {topic: out, linger_ms: 1}}
streams:
  - {from: in, to: slow}
  - {from: slow, to: out}
)");
  // Leadership moves and timeouts on produce, failed fetches and commits:
  // the clients retry them.
  kafka->failRequests(
      EmbeddedKafka::kApiProduce,
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
       RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
       RD_KAFKA_RESP_ERR__TRANSPORT});
  kafka->failRequests(EmbeddedKafka::kApiFetch,
                      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR__TRANSPORT});
  kafka->failRequests(EmbeddedKafka::kApiOffsetCommit, {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                                        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT});
  RunOptions options;
  options.kafka_bootstrap = kafka->bootstrap();
  auto rt = makeRuntime(t, options);
  ASSERT_NE(rt, nullptr);
  rt->start();
  ASSERT_TRUE(eventually([&] { return ackedAt(*rt, "out") >= 1000; }))
      << "the sink has only " << ackedAt(*rt, "out") << " tuples";
  // One broker goes away for a while, with its partitions' leadership.
  ASSERT_TRUE(kafka->setBrokerDown(2));
  const uint64_t before = ackedAt(*rt, "out");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(kafka->setBrokerUp(2));
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(40)))
      << "the run did not reach the end of the topic; the sink has " << ackedAt(*rt, "out");
  EXPECT_GT(ackedAt(*rt, "out"), before) << "the run went on after the outage";
  rt.reset();

  const Check c = check(kcatKeys(kafka->bootstrap(), "out"), kMessages);
  EXPECT_TRUE(c.missing.empty()) << c.missing.size() << " messages lost, e.g. "
                                 << ::testing::PrintToString(c.missing);
}

// A runtime of `t` on `kafka` with this run's stream topics created.
std::unique_ptr<Runtime> onKafka(const Topology& t, EmbeddedKafka& kafka,
                                 const std::string& run_id) {
  std::string error;
  EXPECT_TRUE(kafka.createTopicsFor(t, 1, &error, run_id)) << error;
  RunOptions options;
  options.kafka_bootstrap = kafka.bootstrap();
  options.run_id = run_id;
  return makeRuntime(t, options);
}

TEST(KafkaTransport, AStreamThroughKafkaDeliversEveryTupleOnItsOwnTopic) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  const Topology t = parseOrDie(R"(
topolab: 1
name: hop
defaults: {delivery: at-least-once}
components:
  - {id: gen, type: generator, parallelism: 2, params: {rate: 0, count: 20000, keys: 500}}
  - {id: work, type: work, parallelism: 3, params: {cost_us: 0}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: work, grouping: {type: fields, fields: [key]}, transport: kafka}
  - {from: work, to: sink}
)");
  auto rt = onKafka(t, *kafka, "run1");
  ASSERT_NE(rt, nullptr);
  const auto totals = runToCompletion(*rt);
  EXPECT_EQ(statsOf(totals, "gen").counters.acked, 40000u);
  EXPECT_EQ(statsOf(totals, "gen").counters.failed, 0u);
  EXPECT_GE(statsOf(totals, "sink").counters.received, 40000u);
  rt.reset();

  // The topic has a partition per work instance, and a key stays in one
  // partition: the grouping decided where each tuple went.
  std::string listing;
  ASSERT_EQ(
      shell("kcat -b " + kafka->bootstrap() + " -L -t topolab.hop.run1.gen.work 2>&1", &listing),
      0);
  EXPECT_NE(listing.find("with 3 partitions"), std::string::npos) << listing;
  std::string keyed;
  ASSERT_EQ(shell("kcat -q -b " + kafka->bootstrap() +
                      " -C -t topolab.hop.run1.gen.work -o beginning -e -f '%k:%p\\n'",
                  &keyed),
            0);
  std::map<std::string, std::set<std::string>> partitions_of_key;
  std::istringstream lines(keyed);
  size_t messages = 0;
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.rfind(':');
    if (colon == 0 || colon == std::string::npos) continue;  // the producers' end-of-input markers
    partitions_of_key[line.substr(0, colon)].insert(line.substr(colon + 1));
    ++messages;
  }
  EXPECT_GE(messages, 40000u);
  EXPECT_EQ(partitions_of_key.size(), 500u);
  for (const auto& [k, ps] : partitions_of_key) EXPECT_EQ(ps.size(), 1u) << k;
}

// A generator as fast as it can go (200-byte payloads) into two `work`
// instances through Kafka, each taking `cost_us` per tuple, then a counter.
std::string slowStream(const std::string& name, const std::string& defaults, int count,
                       int cost_us) {
  return "topolab: 1\nname: " + name + "\ndefaults: {delivery: " + defaults +
         "}\ncomponents:\n"
         "  - {id: gen, type: generator, params: {rate: 0, count: " +
         std::to_string(count) +
         ", payload_bytes: 200}}\n"
         "  - {id: work, type: work, parallelism: 2, params: {cost_us: " +
         std::to_string(cost_us) +
         "}}\n"
         "  - {id: sink, type: counter}\n"
         "streams:\n"
         "  - {from: gen, to: work, transport: kafka}\n"
         "  - {from: work, to: sink}\n";
}

// The embedded brokers keep only the newest 5 MiB of a partition. A producer
// far faster than the consumers (37 MB into two partitions, consumed at a
// tenth of the speed) is held back by the partitions' backlog, so no consumer
// finds its next offset already gone: at-most-once, every tuple arrives once.
TEST(KafkaTransport, ASlowConsumerHoldsTheProducerBackAndLosesNothing) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  const Topology t = parseOrDie(slowStream("slow", "at-most-once", 150000, 10));
  auto rt = onKafka(t, *kafka, "run1");
  ASSERT_NE(rt, nullptr);
  const auto totals = runToCompletion(*rt);
  EXPECT_EQ(statsOf(totals, "gen").counters.emitted, 150000u);
  EXPECT_EQ(statsOf(totals, "work").counters.received, 150000u);
  EXPECT_EQ(statsOf(totals, "sink").counters.received, 150000u);
  EXPECT_EQ(statsOf(totals, "work").counters.errors, 0u);
  // The wait shows where a user looks for back pressure.
  EXPECT_GT(statsOf(totals, "gen").blocked_ns, 100'000'000u) << "the generator was never held back";
}

// The back pressure lives on commits and delivery reports: refused commits,
// failed fetches and a broker away for 1.5 s slow the stream down, and it
// then finishes with every tree acknowledged.
TEST(KafkaTransport, RefusedCommitsAndABrokerOutageHoldTheStreamBackButLoseNothing) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  const Topology t =
      parseOrDie(slowStream("outage", "at-least-once, ack_timeout_ms: 5000", 60000, 20));
  auto rt = onKafka(t, *kafka, "run1");
  ASSERT_NE(rt, nullptr);
  kafka->failRequests(
      EmbeddedKafka::kApiOffsetCommit,
      {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
       RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT});
  kafka->failRequests(EmbeddedKafka::kApiFetch,
                      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR__TRANSPORT});
  rt->start();
  ASSERT_TRUE(eventually([&] { return ackedAt(*rt, "gen") >= 5000; }))
      << "only " << ackedAt(*rt, "gen") << " trees acknowledged";
  ASSERT_TRUE(kafka->setBrokerDown(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(kafka->setBrokerUp(2));
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(60)))
      << "the stream did not finish; " << ackedAt(*rt, "gen") << " trees acknowledged";
  const auto totals = totalStats(rt->snapshot());
  EXPECT_EQ(statsOf(totals, "gen").counters.acked, 60000u);
  EXPECT_GE(statsOf(totals, "sink").counters.received, 60000u);
}

TEST(KafkaTransport, AStreamThroughKafkaNeedsAClusterAndSaysWhichStream) {
  const Topology t = parseOrDie(R"(
topolab: 1
name: hop
components:
  - {id: gen, type: generator}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: sink, transport: kafka}
)");
  std::string error;
  EXPECT_EQ(Runtime::create(t, Catalogue::instance(), RunOptions{}, &error), nullptr);
  EXPECT_NE(error.find("stream gen -> sink has transport kafka"), std::string::npos) << error;
}

TEST(KafkaSink, AMessageTheBrokersRefuseFailsItsTreeAndIsReplayedAndCounted) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "out", 2);
  constexpr int kTuples = 2000;
  const Topology t = parseOrDie(R"(
topolab: 1
name: refused
defaults: {delivery: at-least-once, ack_timeout_ms: 30000}
components:
  - {id: gen, type: generator, params: {rate: 0, count: 2000, distribution: sequential, keys: 2000}}
  - {id: out, type: kafka-sink, params: {topic: out, delivery_timeout_ms: 1000}}
streams:
  - {from: gen, to: out}
)");
  // Every broker refuses connections at first: the producer gives the
  // messages up after delivery_timeout_ms, long before the acker's timeout.
  ASSERT_TRUE(kafka->setBrokerDown(-1));
  auto rt = onKafka(t, *kafka, "r");
  ASSERT_NE(rt, nullptr);
  rt->start();
  ASSERT_TRUE(eventually([&] {
    const auto s = totalStats(rt->snapshot());
    return statsOf(s, "out").kafka && statsOf(s, "out").kafka->delivery_errors > 0;
  }));
  ASSERT_TRUE(kafka->setBrokerUp(-1));
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(60)));
  const auto totals = totalStats(rt->snapshot());
  const ComponentStats& out = statsOf(totals, "out");
  ASSERT_TRUE(out.kafka.has_value());
  EXPECT_GT(out.kafka->delivery_errors, 0u);
  EXPECT_EQ(out.counters.errors, out.kafka->delivery_errors) << "each refused message is an error";
  EXPECT_EQ(out.counters.failed, out.kafka->delivery_errors);
  EXPECT_GT(statsOf(totals, "gen").counters.replayed, 0u) << "their trees failed and were replayed";
  EXPECT_EQ(statsOf(totals, "gen").counters.acked, static_cast<uint64_t>(kTuples));
  EXPECT_GE(out.kafka->delivered, static_cast<uint64_t>(kTuples));
  EXPECT_FALSE(out.kafka->produce_latency.empty());

  // The JSON line a user follows shows the same figures.
  const std::string line = intervalLine(0, rt->componentOrder(), totals);
  EXPECT_NE(line.find("\"kafka\":{\"lag\":-1,\"consumed\":0,\"produced\":"), std::string::npos)
      << line;
  EXPECT_NE(line.find("\"delivery_errors\":" + std::to_string(out.kafka->delivery_errors)),
            std::string::npos)
      << line;
  rt.reset();
  const Check c = check(kcatKeys(kafka->bootstrap(), "out"), kTuples);
  EXPECT_TRUE(c.missing.empty()) << c.missing.size() << " messages lost";
}

TEST(KafkaSource, ItsLagAndConsumedCountAreInTheSnapshot) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "in", 2);
  produceKeys(*kafka, "in", 3000);
  const Topology t = parseOrDie(R"(
topolab: 1
name: lag
components:
  - {id: in, type: kafka-source, params: {topic: in, group: lag}}
  - {id: slow, type: work, params: {cost_us: 1000}}
  - {id: sink, type: counter}
streams:
  - {from: in, to: slow}
  - {from: slow, to: sink}
)");
  auto rt = onKafka(t, *kafka, "l");
  ASSERT_NE(rt, nullptr);
  rt->start();
  // Unknown (-1) before the first fetch, then what is left: 0 once all is consumed.
  ASSERT_TRUE(eventually([&] {
    const auto k = statsOf(totalStats(rt->snapshot()), "in").kafka;
    return k && k->consumed == 3000 && k->lag == 0;
  }));
  produceKeys(*kafka, "in", 500);
  ASSERT_TRUE(eventually([&] {
    const auto k = statsOf(totalStats(rt->snapshot()), "in").kafka;
    return k && k->consumed == 3500 && k->lag == 0;
  }));
  rt->stop(std::chrono::seconds(10));
}

}  // namespace
}  // namespace topolab::testing
