// The embedded Kafka cluster: real brokers on loopback that outside clients reach.
#include <gtest/gtest.h>

#include "kafka_test_util.h"
#include "runtime_test_util.h"
#include "topolab/engine/kafka.h"

namespace topolab::testing {
namespace {

TEST(KafkaEmbedded, BootstrapListsEveryBrokerOnLoopback) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  EXPECT_EQ(kafka->brokers(), 3);
  const std::string& b = kafka->bootstrap();
  int hosts = 0;
  for (size_t at = 0; (at = b.find("127.0.0.1:", at)) != std::string::npos; ++at) ++hosts;
  EXPECT_EQ(hosts, 3) << b;
}

TEST(KafkaEmbedded, KcatSeesTheBrokersAndTopics) {
  auto kafka = startKafka(3);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "orders", 6);
  std::string out;
  ASSERT_EQ(shell("kcat -b " + kafka->bootstrap() + " -L -t orders 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("3 brokers"), std::string::npos) << out;
  EXPECT_NE(out.find("topic \"orders\" with 6 partitions"), std::string::npos) << out;
}

TEST(KafkaEmbedded, KcatWritesAndReadsBack) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "t", 2);
  ASSERT_EQ(kcatProduce(kafka->bootstrap(), "t",
                        [](FILE* f) {
                          for (int i = 0; i < 100; ++i) std::fprintf(f, "k%d:%d\n", i, i);
                        }),
            0);
  const auto keys = kcatKeys(kafka->bootstrap(), "t");
  EXPECT_EQ(keys.size(), 100u);
}

TEST(KafkaEmbedded, CreatingATopicTwiceKeepsTheFirst) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  createTopic(*kafka, "t", 2);
  std::string error;
  EXPECT_TRUE(kafka->createTopic("t", 5, &error)) << error;
  std::string listing;
  ASSERT_EQ(shell("kcat -b " + kafka->bootstrap() + " -L -t t 2>&1", &listing), 0);
  EXPECT_NE(listing.find("with 2 partitions"), std::string::npos) << listing;
  EXPECT_FALSE(kafka->createTopic("", 1, &error));
}

TEST(KafkaEmbedded, KnowsWhichTopologiesNeedKafka) {
  EXPECT_TRUE(topologyNeedsKafka(parseOrDie(R"(
topolab: 1
name: a
components:
  - {id: src, type: kafka-source, params: {topic: t}}
  - {id: sink, type: counter}
streams:
  - {from: src, to: sink}
)")));
  EXPECT_TRUE(topologyNeedsKafka(parseOrDie(R"(
topolab: 1
name: b
components:
  - {id: gen, type: generator}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: sink, transport: kafka}
)")));
  EXPECT_FALSE(topologyNeedsKafka(parseOrDie(R"(
topolab: 1
name: c
components:
  - {id: gen, type: generator}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: sink}
)")));
}

TEST(KafkaEmbedded, CreatesTheTopicsATopologyNames) {
  auto kafka = startKafka(1);
  ASSERT_NE(kafka, nullptr);
  const Topology t = parseOrDie(R"(
topolab: 1
name: topics
components:
  - {id: src, type: kafka-source, parallelism: 6, params: {topic: in}}
  - {id: sink, type: kafka-sink, params: {topic: out}}
streams:
  - {from: src, to: sink}
)");
  std::string error;
  ASSERT_TRUE(kafka->createTopicsFor(t, 4, &error)) << error;
  ASSERT_TRUE(kafka->createTopicsFor(t, 4, &error)) << "existing topics are fine: " << error;
  std::string out;
  ASSERT_EQ(shell("kcat -b " + kafka->bootstrap() + " -L 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("topic \"in\" with 6 partitions"), std::string::npos) << out;
  EXPECT_NE(out.find("topic \"out\" with 4 partitions"), std::string::npos) << out;
}

}  // namespace
}  // namespace topolab::testing
