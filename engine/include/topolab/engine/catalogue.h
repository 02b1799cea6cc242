// The component catalogue: every component type registers its name, role,
// param schema and factory here. The validator, the CLI, the studio's palette
// and property editor all read this one registry.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace topolab {

enum class Role { Producer, Bolt, Sink };
std::string_view toString(Role r);

enum class ParamType {
  Int,     // integer (64-bit)
  Double,  // any number
  Bool,
  String,
  Enum,        // one of ParamSchema::choices
  Scalar,      // a number or a string (e.g. a filter's constant)
  StringList,  // a list of strings, written [a, b] (a program's command line, field names)
  StringMap,   // names to strings, written {NAME: value} (environment variables)
};
std::string_view toString(ParamType t);

using StringList = std::vector<std::string>;
using StringMap = std::vector<std::pair<std::string, std::string>>;  // in file order
using ParamValue = std::variant<int64_t, double, bool, std::string, StringList, StringMap>;

struct ParamSchema {
  std::string name;
  ParamType type = ParamType::Int;
  // Before `doc` so that `{.name, .type, .required = true, .doc}` (the order the
  // built-in types use) is a valid designated initializer.
  bool required = false;
  std::string default_text;          // as it would be written in a file; empty = required
  std::optional<double> min;         // for a list: the fewest items
  std::optional<double> max;         // for a list: the most items
  std::vector<std::string> choices;  // for Enum
  std::string doc;                   // one line
  // A type's own rule for a well-typed value (e.g. no password in a DSN): the
  // reason it is refused, empty when it is fine. Checked wherever values are.
  std::function<std::string(const ParamValue&)> check;
};

// Params of one component with defaults applied and types checked.
class Params {
 public:
  void set(std::string name, ParamValue v);
  bool has(std::string_view name) const;
  int64_t getInt(std::string_view name) const;
  double getDouble(std::string_view name) const;  // accepts an int too
  bool getBool(std::string_view name) const;
  const std::string& getString(std::string_view name) const;
  const StringList& getList(std::string_view name) const;
  const StringMap& getMap(std::string_view name) const;
  const ParamValue* find(std::string_view name) const;
  const std::vector<std::pair<std::string, ParamValue>>& entries() const { return values_; }

 private:
  std::vector<std::pair<std::string, ParamValue>> values_;
};

// Converts a param written in a file to a typed value; nullopt with `error`
// set (e.g. "expected an integer, got 'abc'") when it does not fit the schema.
// A list or map param is read from its flow text ("[a, b]", "{K: v}"); an
// unquoted scalar for a list is a list of one.
std::optional<ParamValue> convertParam(const ParamSchema& schema, std::string_view text,
                                       bool quoted, std::string* error);

// The canonical flow text of a list or map param: "[python3, bolt.py]",
// "{LANG: C.UTF-8}", items quoted only where YAML needs it.
std::string flowText(const StringList& items);
std::string flowText(const StringMap& items);

class Operator;
struct OperatorContext;
using OperatorPtr = std::unique_ptr<Operator>;
using OperatorFactory = std::function<OperatorPtr(const Params&, const OperatorContext&)>;

// What generic code (validator, planner, agent, canvas) needs to know about a
// type beyond its params, so that it never branches on the type's name.
struct ComponentTraits {
  // A StringList param naming the fields of the tuples it emits (a multilang
  // program's output fields): fields groupings downstream may use these names.
  std::string output_fields_param;
  // A StringList param holding a command line this type runs as a process:
  // an agent runs it only when its program is allowed (--allow-exec).
  std::string command_param;
  // A String param naming a folder shipped with a deploy (relative to the
  // topology file's folder; empty value: that folder itself).
  std::string resources_param;
  // A String param naming a file it writes: an agent keeps the file in the
  // deployment's folder of its state dir.
  std::string output_file_param;
  // How its instances stand to the rest of the topology.
  enum class Shape {
    Plain,
    // Its downstream components are members it spreads tuples over by live
    // load and health checks (a pool on the canvas, a backend in HAProxy).
    Balancer,
    // Its instances are one primary and replicas, on distinct agents; writes
    // follow the primary, and no other instance takes a dead one's work.
    ReplicaSet,
  };
  Shape shape = Shape::Plain;
  // It talks to a Kafka cluster (`topolab run` starts an embedded one when
  // none is named).
  bool uses_kafka = false;
};

struct ComponentType {
  std::string name;
  Role role = Role::Bolt;
  std::string doc;  // one line, for the palette
  std::vector<ParamSchema> params;
  OperatorFactory factory;  // empty: known to the file format, not runnable yet
  ComponentTraits traits;
  std::string plugin;  // the plugin file it came from (see plugin.h); empty: built in

  const ParamSchema* param(std::string_view n) const;
};

class Catalogue {
 public:
  // The process-wide catalogue holding every built-in type.
  static Catalogue& instance();

  void add(ComponentType type);
  const ComponentType* find(std::string_view name) const;
  // In registration-independent, alphabetical order.
  std::vector<const ComponentType*> types() const;

 private:
  std::vector<std::unique_ptr<ComponentType>> types_;
};

// The traits of built-in type `type` (those of a plain type when it is not built in).
const ComponentTraits& traitsOf(std::string_view type);

// Registers a type at static-initialisation time: one line at the bottom of a
// component's .cpp file, so adding a type touches only its own file.
struct CatalogueRegistration {
  explicit CatalogueRegistration(ComponentType type) { Catalogue::instance().add(std::move(type)); }
};

}  // namespace topolab
