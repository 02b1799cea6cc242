// Kafka in the engine: an embedded Kafka cluster for labs and tests, and the
// figures the kafka-source and kafka-sink components keep beyond the
// runtime's counters. The components themselves register in the catalogue.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/histogram.h"
#include "topolab/engine/topology.h"

// librdkafka's mock cluster (librdkafka/rdkafka_mock.h), for fault injection.
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace topolab {

// A Kafka cluster inside this process: librdkafka's mock cluster, which
// speaks the real Kafka protocol on loopback ports (any client, kcat
// included, can use it) and keeps the data in memory. Made for labs and
// tests: no persistence, no replication traffic, one process. Each partition
// keeps only its last 5 MiB (like a broker with a small retention.bytes): a
// consumer further behind skips to the oldest message kept, so give a big
// backlog more partitions. A fetch with no data is answered only after the
// consumer's wait (kafka-source fetch_wait_ms), not when data arrives.
class EmbeddedKafka {
 public:
  // Starts `brokers` brokers (ids 1…brokers) on 127.0.0.1, ephemeral ports;
  // nullptr with `error` set when they cannot be started.
  [[nodiscard]] static std::unique_ptr<EmbeddedKafka> start(int brokers, std::string* error);
  ~EmbeddedKafka();
  EmbeddedKafka(const EmbeddedKafka&) = delete;
  EmbeddedKafka& operator=(const EmbeddedKafka&) = delete;

  // "127.0.0.1:port,…", for bootstrap.servers.
  const std::string& bootstrap() const;
  int brokers() const;

  // Creates a topic with `partitions` partitions, replicated on min(3,
  // brokers) brokers; an existing topic is kept as it is. False with `error` set. Topics a client
  // uses before they exist are created on first use with 4 partitions.
  [[nodiscard]] bool createTopic(const std::string& name, int partitions, std::string* error);
  // Creates every topic a kafka-source or kafka-sink of `topology` names,
  // with max(`min_partitions`, the largest parallelism using it) partitions,
  // and, given a `run_id`, the internal topics of its `transport: kafka`
  // streams for that run (an embedded cluster cannot create topics on a
  // client's request). Existing topics are kept.
  [[nodiscard]] bool createTopicsFor(const Topology& topology, int min_partitions,
                                     std::string* error, const std::string& run_id = {});

  // Faults. The next `errors.size()` requests with protocol `api_key`
  // (e.g. kApiProduce) fail with these codes (rd_kafka_resp_err_t values),
  // in order, on whichever broker gets them.
  void failRequests(int16_t api_key, const std::vector<int>& errors);
  // A broker (1…brokers, or -1 for all) drops its connections and refuses
  // new ones until set up again; its partitions keep it as their leader.
  [[nodiscard]] bool setBrokerDown(int32_t broker_id);
  [[nodiscard]] bool setBrokerUp(int32_t broker_id);
  // Adds `rtt_ms` to every response of a broker (-1: all brokers); 0 clears.
  [[nodiscard]] bool setBrokerRtt(int32_t broker_id, int rtt_ms);

  // The mock cluster itself, for faults not wrapped above. A caller using it
  // links librdkafka itself (the engine links it privately).
  rd_kafka_mock_cluster_t* mock() const;

  static constexpr int16_t kApiProduce = 0;
  static constexpr int16_t kApiFetch = 1;
  static constexpr int16_t kApiMetadata = 3;
  static constexpr int16_t kApiOffsetCommit = 8;
  static constexpr int16_t kApiOffsetFetch = 9;
  static constexpr int16_t kApiHeartbeat = 12;

 private:
  struct Impl;
  explicit EmbeddedKafka(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether running `topology` needs a Kafka cluster: a kafka-source or
// kafka-sink component, or a stream with `transport: kafka`.
bool topologyNeedsKafka(const Topology& topology);

// The internal topic a `transport: kafka` stream uses in one run (a deploy
// attempt's plan id, or `topolab run`'s own id): one partition per instance
// of the stream's target, instance i reading partition i.
struct KafkaTopicSpec {
  std::string name;  // topolab.<topology>.<run>.<from>.<to>
  int partitions = 1;
};
KafkaTopicSpec kafkaStreamTopic(const Topology& topology, const Stream& stream,
                                const std::string& run_id);
// Those of every `transport: kafka` stream of `topology`.
std::vector<KafkaTopicSpec> kafkaStreamTopics(const Topology& topology, const std::string& run_id);

// The topics a run of `topology` uses: each kafka-source or kafka-sink topic
// with max(`min_partitions`, the largest parallelism using it) partitions,
// and, given a `run_id`, its streams' internal topics.
std::vector<KafkaTopicSpec> kafkaTopicsFor(const Topology& topology, int min_partitions,
                                           const std::string& run_id);

// The tuple value a kafka-source gives a message: the number the WHOLE
// message value spells (as strtod reads it: "42", "-1.5e3", "0x10"), or 0
// when the value is empty, has anything before or after the number
// (" 42", "42ms"), or is not finite.
double kafkaValueOf(std::string_view message_value);

// What a kafka-source instance reports beyond the runtime's counters. The
// operator implements it: `dynamic_cast<KafkaSourceStats*>(op)`. Any thread.
class KafkaSourceStats {
 public:
  virtual ~KafkaSourceStats() = default;
  // Messages in the assigned partitions not yet consumed (high watermark −
  // next offset, summed), as of the last fetch; -1 before the first assignment.
  virtual int64_t lag() const = 0;
  // Messages taken from Kafka and emitted.
  virtual uint64_t consumed() const = 0;
  // Offset commits that failed, and consumer errors (e.g. an unknown topic).
  virtual uint64_t commitErrors() const = 0;
  virtual uint64_t consumerErrors() const = 0;
};

// What a kafka-sink instance reports beyond the runtime's counters. The
// operator implements it: `dynamic_cast<KafkaSinkStats*>(op)`. Any thread.
class KafkaSinkStats {
 public:
  virtual ~KafkaSinkStats() = default;
  // Messages handed to the producer, and of those: acknowledged by the
  // brokers, failed (after the producer's own retries), not yet reported.
  virtual uint64_t produced() const = 0;
  virtual uint64_t delivered() const = 0;
  virtual uint64_t deliveryErrors() const = 0;
  virtual int64_t undelivered() const = 0;
  // The last delivery error's message, empty when there was none.
  virtual std::string lastDeliveryError() const = 0;
  // Produce latency (delivery report time − produce time), ns, cumulative.
  virtual Histogram produceLatency() = 0;
};

}  // namespace topolab
