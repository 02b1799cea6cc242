// EmbeddedKafka: librdkafka's mock cluster. It lives on an otherwise unused
// client handle, whose threads serve the brokers' sockets.
#include <algorithm>
#include <map>

#include "connectors/kafka_client.h"  // rdkafka.h, which must come before rdkafka_mock.h
#include "topolab/engine/catalogue.h"
#include "topolab/engine/kafka.h"

#include <librdkafka/rdkafka_mock.h>

namespace topolab {

struct EmbeddedKafka::Impl {
  kafka::HandlePtr rk;  // destroyed after the cluster (members destroy in reverse order)
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstrap;
  int brokers = 0;

  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
  }
};

EmbeddedKafka::EmbeddedKafka(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddedKafka::~EmbeddedKafka() = default;

std::unique_ptr<EmbeddedKafka> EmbeddedKafka::start(int brokers, std::string* error) {
  if (brokers < 1 || brokers > 64) {
    *error = "an embedded Kafka cluster has 1 to 64 brokers, not " + std::to_string(brokers);
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  // The host handle only keeps the cluster alive; it never connects anywhere.
  kafka::ConfPtr conf = kafka::makeConf({{"client.id", "topolab-embedded-kafka"},
                                         // Quiet about having no bootstrap.servers of its own.
                                         {"log_level", "4"}},
                                        error);
  if (!conf) return nullptr;
  impl->rk = kafka::makeHandle(RD_KAFKA_PRODUCER, std::move(conf), error);
  if (!impl->rk) return nullptr;
  impl->cluster = rd_kafka_mock_cluster_new(impl->rk.get(), brokers);
  if (impl->cluster == nullptr) {
    *error = "cannot start the embedded Kafka cluster (no free loopback port?)";
    return nullptr;
  }
  impl->bootstrap = rd_kafka_mock_cluster_bootstraps(impl->cluster);
  impl->brokers = brokers;
  return std::unique_ptr<EmbeddedKafka>(new EmbeddedKafka(std::move(impl)));
}

const std::string& EmbeddedKafka::bootstrap() const { return impl_->bootstrap; }
int EmbeddedKafka::brokers() const { return impl_->brokers; }
rd_kafka_mock_cluster_t* EmbeddedKafka::mock() const { return impl_->cluster; }

bool EmbeddedKafka::createTopic(const std::string& name, int partitions, std::string* error) {
  if (name.empty() || partitions < 1) {
    *error = "a topic needs a name and at least one partition";
    return false;
  }
  const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
      impl_->cluster, name.c_str(), partitions, std::min(3, impl_->brokers));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    *error = "cannot create topic '" + name + "': " + rd_kafka_err2str(err);
    return false;
  }
  return true;
}

std::vector<KafkaTopicSpec> kafkaTopicsFor(const Topology& topology, int min_partitions,
                                           const std::string& run_id) {
  std::map<std::string, int> partitions;  // topic → partitions wanted
  for (const Component& c : topology.components) {
    if (!traitsOf(c.type).uses_kafka) continue;
    const ParamEntry* topic = c.param("topic");
    if (topic == nullptr || topic->text.empty()) continue;
    int& n = partitions[topic->text];
    n = std::max({n, min_partitions, c.instances()});
  }
  if (!run_id.empty()) {
    for (const KafkaTopicSpec& t : kafkaStreamTopics(topology, run_id))
      partitions[t.name] = t.partitions;
  }
  std::vector<KafkaTopicSpec> out;
  for (const auto& [name, n] : partitions) out.push_back({name, n});
  return out;
}

bool EmbeddedKafka::createTopicsFor(const Topology& topology, int min_partitions,
                                    std::string* error, const std::string& run_id) {
  for (const KafkaTopicSpec& t : kafkaTopicsFor(topology, min_partitions, run_id)) {
    if (!createTopic(t.name, t.partitions, error)) return false;
  }
  return true;
}

void EmbeddedKafka::failRequests(int16_t api_key, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  codes.reserve(errors.size());
  for (int e : errors) codes.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(impl_->cluster, api_key, codes.size(), codes.data());
}

bool EmbeddedKafka::setBrokerDown(int32_t broker_id) {
  return rd_kafka_mock_broker_set_down(impl_->cluster, broker_id) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool EmbeddedKafka::setBrokerUp(int32_t broker_id) {
  return rd_kafka_mock_broker_set_up(impl_->cluster, broker_id) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool EmbeddedKafka::setBrokerRtt(int32_t broker_id, int rtt_ms) {
  return rd_kafka_mock_broker_set_rtt(impl_->cluster, broker_id, rtt_ms) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool topologyNeedsKafka(const Topology& topology) {
  for (const Component& c : topology.components) {
    if (traitsOf(c.type).uses_kafka) return true;
  }
  for (const Stream& s : topology.streams) {
    if (s.transportOrAuto() == Transport::Kafka) return true;
  }
  return false;
}

KafkaTopicSpec kafkaStreamTopic(const Topology& topology, const Stream& stream,
                                const std::string& run_id) {
  const Component* to = topology.component(stream.to);
  return {"topolab." + topology.name + "." + run_id + "." + stream.from + "." + stream.to,
          to != nullptr ? to->instances() : 1};
}

std::vector<KafkaTopicSpec> kafkaStreamTopics(const Topology& topology, const std::string& run_id) {
  std::vector<KafkaTopicSpec> out;
  for (const Stream& s : topology.streams) {
    if (s.transportOrAuto() == Transport::Kafka)
      out.push_back(kafkaStreamTopic(topology, s, run_id));
  }
  return out;
}

}  // namespace topolab
