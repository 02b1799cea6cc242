// The plain topology model's helpers: defaults, lookups and the names of its
// enums as written in files.
#include "topolab/engine/topology.h"

#include <array>
#include <utility>

namespace topolab {
namespace {

constexpr std::array<std::pair<Delivery, std::string_view>, 2> kDeliveryNames{{
    {Delivery::AtMostOnce, "at-most-once"},
    {Delivery::AtLeastOnce, "at-least-once"},
}};

constexpr std::array<std::pair<GroupingType, std::string_view>, 5> kGroupingNames{{
    {GroupingType::Shuffle, "shuffle"},
    {GroupingType::Fields, "fields"},
    {GroupingType::All, "all"},
    {GroupingType::Global, "global"},
    {GroupingType::LocalOrShuffle, "local-or-shuffle"},
}};

constexpr std::array<std::pair<Transport, std::string_view>, 4> kTransportNames{{
    {Transport::Auto, "auto"},
    {Transport::Local, "local"},
    {Transport::Grpc, "grpc"},
    {Transport::Kafka, "kafka"},
}};

template <typename E, size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& names, E e) {
  for (const auto& [value, name] : names) {
    if (value == e) return name;
  }
  return "?";
}

template <typename E, size_t N>
std::optional<E> valueOf(const std::array<std::pair<E, std::string_view>, N>& names,
                         std::string_view s) {
  for (const auto& [value, name] : names) {
    if (name == s) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view toString(Delivery d) { return nameOf(kDeliveryNames, d); }
std::string_view toString(GroupingType g) { return nameOf(kGroupingNames, g); }
std::string_view toString(Transport t) { return nameOf(kTransportNames, t); }
std::optional<Delivery> parseDelivery(std::string_view s) { return valueOf(kDeliveryNames, s); }
std::optional<GroupingType> parseGroupingType(std::string_view s) {
  return valueOf(kGroupingNames, s);
}
std::optional<Transport> parseTransport(std::string_view s) { return valueOf(kTransportNames, s); }

const ParamEntry* Component::param(std::string_view name) const {
  for (const ParamEntry& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Delivery Topology::delivery() const {
  return defaults && defaults->delivery ? *defaults->delivery : Delivery::AtMostOnce;
}
int Topology::metricsIntervalMs() const {
  return defaults && defaults->metrics_interval_ms ? *defaults->metrics_interval_ms : 1000;
}
int Topology::ackTimeoutMs() const {
  return defaults && defaults->ack_timeout_ms ? *defaults->ack_timeout_ms : 30000;
}
RestartPolicy Topology::restartPolicy() const {
  return defaults && defaults->restart ? *defaults->restart : RestartPolicy{};
}

int Topology::maxPending() const {
  return defaults && defaults->max_pending ? *defaults->max_pending : 10000;
}

const Component* Topology::component(std::string_view id) const {
  for (const Component& c : components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Component* Topology::component(std::string_view id) {
  for (Component& c : components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace topolab
