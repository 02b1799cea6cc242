// kafka-source and kafka-sink driven directly, against an embedded cluster:
// the message → tuple rules, offset commits, lag, delivery reports.
#include <gtest/gtest.h>

#include "kafka_test_util.h"
#include "runtime_test_util.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/operator.h"
#include "topolab/engine/spec.h"

#include <set>

namespace topolab::testing {
namespace {

struct Collector final : Emitter {
  struct Item {
    Tuple tuple;
    uint64_t token;
  };
  std::vector<Item> items;
  void emit(Tuple&& t, uint64_t token) override { items.push_back({std::move(t), token}); }
};

OperatorPtr makeOperator(const std::string& type, const std::string& bootstrap,
                         const std::vector<std::pair<std::string, std::string>>& params,
                         std::string* error, int index = 0, int parallelism = 1) {
  Component c{.id = "c", .type = type};
  for (const auto& [name, text] : params)
    c.params.push_back(ParamEntry{.name = name, .text = text});
  const ComponentType* t = Catalogue::instance().find(type);
  std::optional<Params> p = resolveParams(c, *t, error);
  if (!p) return nullptr;
  // These tests complete tuples through onComplete, as the runtime does in at-least-once.
  OperatorContext ctx{"c", index, parallelism, 1, bootstrap, /*at_least_once=*/true};
  try {
    return t->factory(*p, ctx);
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
}

// Polls the source until `n` tuples have been emitted in total (or 20 s pass).
void consume(Operator& source, Collector& out, size_t n) {
  ASSERT_TRUE(eventually(
      [&] {
        source.produce(out, 256, monoNowNs());
        return out.items.size() >= n;
      },
      std::chrono::seconds(20)))
      << "only " << out.items.size() << " of " << n << " messages arrived";
}

TEST(KafkaSource, ValueIsTheNumberTheWholeMessageValueSpells) {
  EXPECT_EQ(kafkaValueOf("42"), 42);
  EXPECT_EQ(kafkaValueOf("-1.5e3"), -1500);
  EXPECT_EQ(kafkaValueOf("0.25"), 0.25);
  EXPECT_EQ(kafkaValueOf("42ms"), 0);
  EXPECT_EQ(kafkaValueOf(" 42"), 0);
  EXPECT_EQ(kafkaValueOf("42 "), 0);
  EXPECT_EQ(kafkaValueOf(""), 0);
  EXPECT_EQ(kafkaValueOf("{\"v\":1}"), 0);
  EXPECT_EQ(kafkaValueOf("1e999"), 0);  // not finite
  EXPECT_EQ(kafkaValueOf(std::string_view("7\0", 2)), 0);
  EXPECT_EQ(kafkaValueOf(std::string(100, '1')), 1.1111111111111111e99);
}

TEST(KafkaSource, RefusesToRunWithoutACluster) {
  std::string error;
  EXPECT_EQ(makeOperator("kafka-source", "", {{"topic", "t"}}, &error), nullptr);
  EXPECT_NE(error.find("Kafka bootstrap"), std::string::npos) << error;
}

TEST(KafkaSource, TurnsMessagesIntoTuples) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "t", 1);
  ASSERT_EQ(
      kcatProduce(kafka->bootstrap(), "t", [](FILE* f) { std::fputs("a:12.5\nb:hello\nc:\n", f); }),
      0);
  std::string error;
  OperatorPtr source = makeOperator("kafka-source", kafka->bootstrap(), {{"topic", "t"}}, &error);
  ASSERT_NE(source, nullptr) << error;
  Collector out;
  const int64_t before = wallNowNs() - 60'000'000'000;
  consume(*source, out, 3);
  ASSERT_EQ(out.items.size(), 3u);
  EXPECT_EQ(out.items[0].tuple.key, "a");
  EXPECT_EQ(out.items[0].tuple.payload, "12.5");
  EXPECT_EQ(out.items[0].tuple.value, 12.5);
  EXPECT_EQ(out.items[1].tuple.payload, "hello");
  EXPECT_EQ(out.items[1].tuple.value, 0);
  EXPECT_EQ(out.items[2].tuple.key, "c");
  EXPECT_EQ(out.items[2].tuple.payload, "");
  for (const auto& item : out.items) {
    EXPECT_GT(item.tuple.ts, before) << "ts is the message's timestamp";
    EXPECT_LE(item.tuple.ts, wallNowNs());
  }
}

TEST(KafkaSource, CommitsOnlyUpToTheFirstIncompleteMessage) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "t", 1);
  ASSERT_EQ(kcatProduce(kafka->bootstrap(), "t",
                        [](FILE* f) {
                          for (int i = 0; i < 10; ++i) std::fprintf(f, "k%d:%d\n", i, i);
                        }),
            0);
  std::string error;
  {
    OperatorPtr source =
        makeOperator("kafka-source", kafka->bootstrap(), {{"topic", "t"}, {"group", "g"}}, &error);
    ASSERT_NE(source, nullptr) << error;
    Collector out;
    consume(*source, out, 10);
    // k3 is still being processed (k4 failed and is replayed by the runtime,
    // then completes); everything else is complete.
    for (int i : {0, 1, 2, 5, 6, 7, 8, 9}) source->onComplete(out.items[i].token, true);
    source->onComplete(out.items[4].token, false);
    source->onComplete(out.items[4].token, true);
  }  // gone, as if crashed: the group resumes from the last complete offset
  OperatorPtr again =
      makeOperator("kafka-source", kafka->bootstrap(), {{"topic", "t"}, {"group", "g"}}, &error);
  ASSERT_NE(again, nullptr) << error;
  Collector out;
  consume(*again, out, 7);
  std::vector<std::string> keys;
  for (const auto& item : out.items) keys.push_back(item.tuple.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"k3", "k4", "k5", "k6", "k7", "k8", "k9"}));
}

TEST(KafkaSource, InstancesInOneGroupSplitThePartitions) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "t", 4);
  std::string error;
  std::vector<OperatorPtr> sources;
  for (int i = 0; i < 2; ++i) {
    sources.push_back(makeOperator("kafka-source", kafka->bootstrap(),
                                   {{"topic", "t"}, {"group", "split"}}, &error, i, 2));
    ASSERT_NE(sources.back(), nullptr) << error;
  }
  std::vector<Collector> out(2);
  auto pollAll = [&] {
    for (int i = 0; i < 2; ++i) sources[i]->produce(out[i], 256, monoNowNs());
  };
  auto stats = [&](int i) { return dynamic_cast<KafkaSourceStats*>(sources[i].get()); };
  // Both in the group (each has its partitions) before anything is written.
  ASSERT_TRUE(eventually([&] {
    pollAll();
    return stats(0)->lag() >= 0 && stats(1)->lag() >= 0;
  }));
  ASSERT_EQ(kcatProduce(kafka->bootstrap(), "t",
                        [](FILE* f) {
                          for (int i = 0; i < 400; ++i) std::fprintf(f, "k%d:%d\n", i, i);
                        }),
            0);
  ASSERT_TRUE(eventually([&] {
    pollAll();
    return out[0].items.size() + out[1].items.size() >= 400;
  })) << out[0].items.size()
      << " + " << out[1].items.size();
  EXPECT_GT(out[0].items.size(), 0u);
  EXPECT_GT(out[1].items.size(), 0u);
  std::set<std::string> keys;
  for (const auto& o : out) {
    for (const auto& item : o.items) keys.insert(item.tuple.key);
  }
  EXPECT_EQ(keys.size(), 400u);
}

TEST(KafkaSource, ReportsItsLag) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "t", 2);
  ASSERT_EQ(kcatProduce(kafka->bootstrap(), "t",
                        [](FILE* f) {
                          for (int i = 0; i < 2000; ++i) std::fprintf(f, "k%d:%d\n", i, i);
                        }),
            0);
  std::string error;
  OperatorPtr source = makeOperator("kafka-source", kafka->bootstrap(), {{"topic", "t"}}, &error);
  ASSERT_NE(source, nullptr) << error;
  auto* stats = dynamic_cast<KafkaSourceStats*>(source.get());
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(stats->lag(), -1) << "no partitions yet";
  Collector out;
  consume(*source, out, 2000);
  EXPECT_EQ(stats->consumed(), 2000u);
  // The lag is refreshed every 250 ms, as the source is polled.
  EXPECT_TRUE(eventually([&] {
    source->produce(out, 256, monoNowNs());
    return stats->lag() == 0;
  })) << stats->lag();
  EXPECT_EQ(stats->consumerErrors(), 0u);
}

TEST(KafkaSink, ProducesKeysAndValuesAndMeasuresLatency) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "out", 2);
  std::string error;
  OperatorPtr sink = makeOperator("kafka-sink", kafka->bootstrap(), {{"topic", "out"}}, &error);
  ASSERT_NE(sink, nullptr) << error;
  auto* stats = dynamic_cast<KafkaSinkStats*>(sink.get());
  ASSERT_NE(stats, nullptr);
  Collector none;
  for (int i = 0; i < 100; ++i) {
    Tuple t{.key = "k" + std::to_string(i), .value = i + 0.5, .ts = wallNowNs()};
    if (i == 7) t.payload = "text";
    EXPECT_TRUE(sink->process(t, none, monoNowNs()).ok);
  }
  sink->onEndOfInput(none);
  EXPECT_EQ(stats->produced(), 100u);
  EXPECT_EQ(stats->delivered(), 100u);
  EXPECT_EQ(stats->deliveryErrors(), 0u);
  EXPECT_EQ(stats->undelivered(), 0);
  EXPECT_EQ(stats->produceLatency().count(), 100u);
  EXPECT_GT(stats->produceLatency().quantile(0.5), 0u);

  std::string out;
  ASSERT_EQ(shell("kcat -q -b " + kafka->bootstrap() + " -C -t out -e -f '%k=%s\\n'", &out), 0);
  EXPECT_NE(out.find("k1=1.5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("k7=text\n"), std::string::npos) << out;
  EXPECT_NE(out.find("k99=99.5\n"), std::string::npos) << out;
}

TEST(KafkaSink, CountsEveryMessageItCouldNotDeliver) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "out", 1);
  ASSERT_TRUE(kafka->setBrokerDown(-1));
  std::string error;
  OperatorPtr sink = makeOperator("kafka-sink", kafka->bootstrap(),
                                  {{"topic", "out"}, {"delivery_timeout_ms", "1000"}}, &error);
  ASSERT_NE(sink, nullptr) << error;
  auto* stats = dynamic_cast<KafkaSinkStats*>(sink.get());
  Collector none;
  for (int i = 0; i < 10; ++i) {
    Tuple t{.key = "k" + std::to_string(i), .value = 1};
    EXPECT_TRUE(sink->process(t, none, monoNowNs()).ok);
  }
  sink->onEndOfInput(none);
  EXPECT_EQ(stats->produced(), 10u);
  EXPECT_EQ(stats->delivered(), 0u);
  EXPECT_EQ(stats->deliveryErrors(), 10u);
  EXPECT_EQ(stats->undelivered(), 0);
  EXPECT_FALSE(stats->lastDeliveryError().empty());
}

}  // namespace
}  // namespace topolab::testing
