// The topology as a plain C++ value: what a topology file (format v1) says,
// with the source position of every element so problems can name a line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace topolab {

// 1-based line and column in the source file; 0 means "not from a file".
struct Mark {
  int line = 0;
  int col = 0;
};

enum class Delivery { AtMostOnce, AtLeastOnce };
enum class GroupingType { Shuffle, Fields, All, Global, LocalOrShuffle };
enum class Transport { Auto, Local, Grpc, Kafka };

// A param as written in the file. `text` is the scalar exactly as written, so
// an unedited file saves back to the same bytes; the typed value is derived
// from it through the catalogue's schema (see catalogue.h).
struct ParamEntry {
  std::string name;
  std::string text;
  bool quoted = false;  // the scalar was written in quotes
  Mark mark;            // of the value
  Mark key_mark;        // of the name
  // `text` is a list or map in canonical flow form ("[python3, bolt.py]"),
  // written back as it is.
  bool flow = false;
  // The parser could not read the value and said why; later checks take
  // the param as given (not missing) and say nothing more about it.
  bool unreadable = false;
};

struct Component {
  std::string id;
  std::string type;
  std::optional<int> parallelism;  // absent means 1
  std::vector<ParamEntry> params;  // in file order
  std::vector<std::string> placement;
  Mark mark;  // of the `- id:` entry
  Mark id_mark;
  Mark type_mark;
  Mark parallelism_mark;
  Mark placement_mark;

  int instances() const { return parallelism.value_or(1); }
  const ParamEntry* param(std::string_view name) const;
};

struct Grouping {
  GroupingType type = GroupingType::Shuffle;
  std::vector<std::string> fields;  // for Fields
  std::vector<Mark> field_marks;    // of each field, when read from a file
  bool written_as_map = false;      // `{type: fields, fields: [...]}` vs `shuffle`
  bool present = false;             // absent means shuffle
  Mark mark;
};

struct Stream {
  std::string from;
  std::string to;
  // The sender's named output stream this carries (Storm's stream id); empty:
  // the default stream, which every built-in component emits on.
  std::string stream_id;
  Grouping grouping;
  std::optional<Transport> transport;  // absent means auto
  Mark mark;
  Mark from_mark;
  Mark to_mark;
  Mark transport_mark;
  Mark stream_id_mark;

  Transport transportOrAuto() const { return transport.value_or(Transport::Auto); }
};

// What happens to an instance that died (a crashed program): restarted after
// delay_ms, at most max times within within_s, else left dead (failed).
struct RestartPolicy {
  bool never = false;                          // `restart: never`: a dead instance stays dead
  std::optional<int> max, within_s, delay_ms;  // absent: 3, 60, 500
  Mark mark;
  Mark max_mark, within_s_mark, delay_ms_mark;  // of the values

  int maxRestarts() const { return never ? 0 : max.value_or(3); }
  int withinS() const { return within_s.value_or(60); }
  int delayMs() const { return delay_ms.value_or(500); }
};

struct Defaults {
  std::optional<Delivery> delivery;        // absent: at-most-once
  std::optional<int> metrics_interval_ms;  // absent: 1000
  std::optional<int> ack_timeout_ms;       // absent: 30000
  std::optional<int> max_pending;          // absent: 10000 trees per producer instance
  std::optional<RestartPolicy> restart;    // absent: the default policy
  Mark mark;
  Mark delivery_mark;
  Mark metrics_interval_mark;
  Mark ack_timeout_mark;
  Mark max_pending_mark;
};

struct Slo {
  std::optional<double> throughput_min;  // tuples/s at the sinks, summed
  std::optional<double> p99_ms_max;      // end-to-end, at the sinks
  std::optional<double> error_rate_max;  // errors / received, whole topology
  // The values as written, for round-tripping.
  std::string throughput_min_text, p99_ms_max_text, error_rate_max_text;
  Mark mark;
  Mark throughput_min_mark, p99_ms_max_mark, error_rate_max_mark;  // of the values
};

struct LayoutPos {
  std::string id;
  double x = 0;
  double y = 0;
  std::string x_text, y_text;
  Mark mark;  // of the id
};

struct Topology {
  int version = 0;
  std::string name;
  std::optional<std::string> description;
  std::optional<Defaults> defaults;
  std::vector<Component> components;
  std::vector<Stream> streams;
  std::optional<Slo> slo;
  std::vector<LayoutPos> layout;  // file order
  Mark name_mark;
  Mark description_mark;
  Mark version_mark;  // of the `topolab:` value

  Delivery delivery() const;
  int metricsIntervalMs() const;
  int ackTimeoutMs() const;
  int maxPending() const;
  RestartPolicy restartPolicy() const;

  const Component* component(std::string_view id) const;
  Component* component(std::string_view id);
};

std::string_view toString(Delivery d);
std::string_view toString(GroupingType g);
std::string_view toString(Transport t);
std::optional<Delivery> parseDelivery(std::string_view s);
std::optional<GroupingType> parseGroupingType(std::string_view s);
std::optional<Transport> parseTransport(std::string_view s);

}  // namespace topolab
