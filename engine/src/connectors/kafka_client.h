// What the Kafka components share: owning handles for librdkafka objects and
// building a client configuration with errors that name the setting.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace topolab::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

using Settings = std::vector<std::pair<std::string, std::string>>;

// A configuration holding `settings`; nullptr with `error` naming the
// setting librdkafka refused and why.
[[nodiscard]] ConfPtr makeConf(const Settings& settings, std::string* error);

// A client of `type` taking ownership of `conf` (also on failure); nullptr
// with `error` set when librdkafka refuses the configuration.
[[nodiscard]] HandlePtr makeHandle(rd_kafka_type_t type, ConfPtr conf, std::string* error);

// The name librdkafka uses for a client of component instance `component#index`.
std::string clientId(const std::string& component, int index);

}  // namespace topolab::kafka
