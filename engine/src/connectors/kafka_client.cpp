#include "connectors/kafka_client.h"

namespace topolab::kafka {

ConfPtr makeConf(const Settings& settings, std::string* error) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
      *error = "Kafka setting " + name + "=" + value + ": " + err;
      return nullptr;
    }
  }
  return conf;
}

HandlePtr makeHandle(rd_kafka_type_t type, ConfPtr conf, std::string* error) {
  char err[512];
  // rd_kafka_new takes the configuration only when it succeeds.
  HandlePtr rk(rd_kafka_new(type, conf.get(), err, sizeof err));
  if (!rk) {
    *error = std::string("cannot create a Kafka client: ") + err;
    return nullptr;
  }
  conf.release();
  return rk;
}

std::string clientId(const std::string& component, int index) {
  return "topolab-" + component + "-" + std::to_string(index);
}

}  // namespace topolab::kafka
