// Kafka across real agents: an agent hosting the embedded cluster, a stream
// with `transport: kafka` between agents, and a Kafka source that survives a
// kill -9 of its agent. kcat, a client TopoLab did not write, checks the topics.
#include <gtest/gtest.h>

#include <regex>

#include "../engine/kafka_test_util.h"
#include "agent_process.h"
#include "cli_lab.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::callContext;
using testing::CliRun;
using testing::eventually;
using testing::kcatKeys;
using testing::kcatProduce;
using testing::Lab;
using testing::runCli;
using testing::shell;

// The bootstrap an agent printed for its embedded cluster, or "".
std::string bootstrapOf(const AgentProcess& a) {
  std::smatch m;
  const std::string log = a.log();
  static const std::regex line("kafka bootstrap: ([0-9.:,]+)");
  return std::regex_search(log, m, line) ? m[1].str() : "";
}

std::string writeTopology(const std::string& name, const std::string& yaml) {
  const auto path =
      std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

size_t total(const std::map<std::string, int>& keys) {
  size_t n = 0;
  for (const auto& [k, count] : keys) n += static_cast<size_t>(count);
  return n;
}

TEST(KafkaAgent, EmbeddedKafkaPrintsItsBootstrapAndHelloReportsIt) {
  AgentProcess agent("node-a", {"--embedded-kafka"});
  ASSERT_TRUE(agent.started()) << agent.log();
  ASSERT_TRUE(eventually([&] { return !bootstrapOf(agent).empty(); }, std::chrono::seconds(5)));
  const std::string bootstrap = bootstrapOf(agent);
  EXPECT_EQ(std::count(bootstrap.begin(), bootstrap.end(), ','), 2)
      << "three brokers: " << bootstrap;

  auto ctx = callContext(agent.viewerToken());
  v1::HelloRequest req;
  req.set_api_version(1);
  v1::HelloReply reply;
  ASSERT_TRUE(agent.stub()->Hello(ctx.get(), req, &reply).ok());
  EXPECT_EQ(reply.kafka_bootstrap(), bootstrap);
  EXPECT_NE(std::find(reply.capabilities().begin(), reply.capabilities().end(), "kafka.embedded"),
            reply.capabilities().end());

  // kcat, an outside client, sees the three brokers.
  std::string listing;
  ASSERT_EQ(shell("kcat -b " + bootstrap + " -L -m 5 2>&1", &listing), 0) << listing;
  EXPECT_NE(listing.find("3 brokers"), std::string::npos) << listing;
}

TEST(KafkaAgent, TopicsAreCreatedOnlyForOperatorsWithLegalNamesAndOnlyWhereKafkaIsHosted) {
  AgentProcess host("node-a", {"--embedded-kafka"});
  AgentProcess plain("node-b");
  ASSERT_TRUE(host.started() && plain.started());
  auto create = [](const AgentProcess& a, const std::string& token, const std::string& topic,
                   uint32_t partitions) {
    v1::KafkaTopicsRequest req;
    req.set_deployment("t");
    auto* t = req.add_topics();
    t->set_name(topic);
    t->set_partitions(partitions);
    v1::KafkaTopicsReply reply;
    auto ctx = callContext(token);
    return a.stub()->CreateKafkaTopics(ctx.get(), req, &reply);
  };
  EXPECT_TRUE(create(host, host.operatorToken(), "topolab.t.run1.a.b", 3).ok());
  EXPECT_TRUE(create(host, host.operatorToken(), "topolab.t.run1.a.b", 3).ok())
      << "an existing topic is kept";

  grpc::Status s = create(host, host.viewerToken(), "topolab.t.run2.a.b", 3);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  s = create(host, host.operatorToken(), "orders; rm -rf", 3);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("'orders; rm -rf'"), std::string::npos) << s.error_message();
  // An existing topic is never reshaped.
  EXPECT_TRUE(create(host, host.operatorToken(), "topolab.t.run1.a.b", 8).ok());
  s = create(host, host.operatorToken(), "topolab.t.run3.a.b", 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  s = create(plain, plain.operatorToken(), "topolab.t.run1.a.b", 3);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("--embedded-kafka"), std::string::npos) << s.error_message();

  std::string listing;
  ASSERT_EQ(shell("kcat -b " + bootstrapOf(host) + " -L -t topolab.t.run1.a.b 2>&1", &listing), 0);
  EXPECT_NE(listing.find("3 partitions"), std::string::npos) << listing;
  EXPECT_NE(testing::readFile(host.stateDir() + "/audit.log").find("CreateKafkaTopics"),
            std::string::npos);
}

TEST(KafkaAgent, AKafkaTopologyWithoutAKafkaClusterIsRefusedBeforeAnythingRuns) {
  Lab lab(2);
  ASSERT_TRUE(lab.started());
  const std::string file = writeTopology("no-kafka", R"(topolab: 1
name: no-kafka
components:
  - {id: gen, type: generator, params: {count: 10}}
  - {id: sink, type: kafka-sink, params: {topic: out}}
streams:
  - {from: gen, to: sink}
)");
  const CliRun r = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json");
  EXPECT_EQ(r.code, 1);
  ASSERT_FALSE(r.lines.empty());
  EXPECT_NE(r.lines.back().second.find("--embedded-kafka"), std::string::npos)
      << r.lines.back().second;
  for (const auto& a : lab.agents) EXPECT_TRUE(testing::listOn(*a).empty());
}

TEST(KafkaAgent, AStreamWithKafkaTransportCarriesEveryTupleBetweenAgents) {
  Lab lab(2, {{"--embedded-kafka"}, {}});
  ASSERT_TRUE(lab.started());
  ASSERT_TRUE(
      eventually([&] { return !bootstrapOf(*lab.agents[0]).empty(); }, std::chrono::seconds(5)));
  const std::string file = writeTopology("kafka-hop", R"(topolab: 1
name: kafka-hop
defaults: {delivery: at-least-once}
components:
  - {id: gen, type: generator, parallelism: 2, placement: [node-a], params: {rate: 0, count: 50000, keys: 1000}}
  - {id: work, type: work, parallelism: 3, placement: [node-b], params: {cost_us: 0}}
  - {id: sink, type: counter, placement: [node-a]}
streams:
  - {from: gen, to: work, transport: kafka}
  - {from: work, to: sink}
)");
  const CliRun r =
      runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 60");
  ASSERT_EQ(r.code, 0) << (r.lines.empty() ? "" : r.lines.back().second);
  const std::string& summary = r.lines.back().second;
  ASSERT_EQ(summary.rfind("{\"type\":\"summary\"", 0), 0u) << summary;
  // Both producers' 50,000 trees complete: every tuple crossed Kafka and reached the sink.
  EXPECT_NE(summary.find("\"gen\":{\"received\":0,\"emitted\":"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"acked\":100000"), std::string::npos) << summary;

  // The stream's own topic, one partition per work instance, holds the tuples.
  std::string listing;
  ASSERT_EQ(shell("kcat -b " + bootstrapOf(*lab.agents[0]) + " -L 2>&1", &listing), 0);
  const std::regex topic(
      "topic \"(topolab\\.kafka-hop\\.[0-9a-f]+\\.gen\\.work)\" with 3 partitions");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(listing, m, topic)) << listing;
  EXPECT_GE(total(kcatKeys(bootstrapOf(*lab.agents[0]), m[1].str())), 100000u);
}

// Producers on two agents write 50 MB into a stream whose two consumers, on
// a third, take a tenth of that speed; the embedded brokers keep 5 MiB of a
// partition. The consumers' commits hold both producers back, so at-most-once
// every tuple arrives exactly once.
TEST(KafkaAgent, ProducersOnTwoAgentsWaitForASlowConsumerInsteadOfLosingTuples) {
  Lab lab(3, {{"--embedded-kafka"}, {}, {}});
  ASSERT_TRUE(lab.started());
  ASSERT_TRUE(
      eventually([&] { return !bootstrapOf(*lab.agents[0]).empty(); }, std::chrono::seconds(5)));
  const std::string file = writeTopology("kafka-slow", R"(topolab: 1
name: kafka-slow
components:
  - {id: gen, type: generator, parallelism: 2, placement: [node-a, node-b], params: {rate: 0, count: 100000, payload_bytes: 200}}
  - {id: work, type: work, parallelism: 2, placement: [node-c], params: {cost_us: 10}}
  - {id: sink, type: counter, placement: [node-c]}
streams:
  - {from: gen, to: work, transport: kafka}
  - {from: work, to: sink}
)");
  const CliRun r =
      runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 60");
  std::filesystem::remove(file);
  ASSERT_EQ(r.code, 0) << (r.lines.empty() ? "" : r.lines.back().second);
  const std::string& summary = r.lines.back().second;
  ASSERT_EQ(summary.rfind("{\"type\":\"summary\"", 0), 0u) << summary;
  EXPECT_NE(summary.find("\"gen\":{\"received\":0,\"emitted\":200000,"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("\"work\":{\"received\":200000,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"sink\":{\"received\":200000,"), std::string::npos) << summary;
}

TEST(KafkaAgent, AKafkaSourceWhoseAgentIsKilledReplaysEveryMessageAfterARedeploy) {
  Lab lab(2, {{"--embedded-kafka"}, {}});
  ASSERT_TRUE(lab.started());
  ASSERT_TRUE(
      eventually([&] { return !bootstrapOf(*lab.agents[0]).empty(); }, std::chrono::seconds(5)));
  const std::string bootstrap = bootstrapOf(*lab.agents[0]);
  constexpr int kMessages = 20000;
  ASSERT_EQ(kcatProduce(bootstrap, "orders",
                        [](FILE* f) {
                          for (int i = 0; i < kMessages; ++i) std::fprintf(f, "k%d:%d\n", i, i);
                        }),
            0);
  // About 6,000 messages/s through the work instance: the kill lands mid-stream.
  const std::string file = writeTopology("orders", R"(topolab: 1
name: orders
defaults: {delivery: at-least-once, ack_timeout_ms: 3000}
components:
  - {id: src, type: kafka-source, placement: [node-b], params: {topic: orders, group: orders, start: earliest, stop_at_end: true, commit_interval_ms: 200}}
  - {id: work, type: work, placement: [node-b], params: {cost_us: 150}}
  - {id: out, type: kafka-sink, placement: [node-b], params: {topic: orders-out}}
streams:
  - {from: src, to: work}
  - {from: work, to: out}
)");
  const CliRun first = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --detach");
  ASSERT_EQ(first.code, 0) << (first.lines.empty() ? "" : first.lines.back().second);
  ASSERT_TRUE(eventually([&] { return total(kcatKeys(bootstrap, "orders-out")) >= 3000; },
                         std::chrono::seconds(30)));
  lab.agents[1]->stop(SIGKILL);
  const size_t before_restart = total(kcatKeys(bootstrap, "orders-out"));
  EXPECT_LT(before_restart, static_cast<size_t>(kMessages))
      << "the kill came too late to test anything";

  ASSERT_TRUE(lab.restart(1)) << lab.agents[1]->log();
  const CliRun second =
      runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 60");
  ASSERT_EQ(second.code, 0) << (second.lines.empty() ? "" : second.lines.back().second);

  const auto keys = kcatKeys(bootstrap, "orders-out");
  int missing = 0;
  for (int i = 0; i < kMessages; ++i) missing += keys.count("k" + std::to_string(i)) == 0;
  EXPECT_EQ(missing, 0);
  std::printf(
      "kill -9 after %zu of %d messages reached the sink; after the redeploy: %zu messages, "
      "%zu duplicates, %d missing\n",
      before_restart, kMessages, total(keys), total(keys) - keys.size(), missing);
}

}  // namespace
}  // namespace topolab
