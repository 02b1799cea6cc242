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
  Enum,    // one of ParamSchema::choices
  Scalar,  // a number or a string (e.g. a filter's constant)
};
std::string_view toString(ParamType t);

struct ParamSchema {
  std::string name;
  ParamType type = ParamType::Int;
  // Before `doc` so that `{.name, .type, .required = true, .doc}` (the order the
  // built-in types use) is a valid designated initializer.
  bool required = false;
  std::string default_text;  // as it would be written in a file; empty = required
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> choices;  // for Enum
  std::string doc;                   // one line
};

using ParamValue = std::variant<int64_t, double, bool, std::string>;

// Params of one component with defaults applied and types checked.
class Params {
 public:
  void set(std::string name, ParamValue v);
  bool has(std::string_view name) const;
  int64_t getInt(std::string_view name) const;
  double getDouble(std::string_view name) const;  // accepts an int too
  bool getBool(std::string_view name) const;
  const std::string& getString(std::string_view name) const;
  const ParamValue* find(std::string_view name) const;
  const std::vector<std::pair<std::string, ParamValue>>& entries() const { return values_; }

 private:
  std::vector<std::pair<std::string, ParamValue>> values_;
};

// Converts a scalar written in a file to a typed value; nullopt with `error`
// set (e.g. "expected an integer, got 'abc'") when it does not fit the schema.
std::optional<ParamValue> convertParam(const ParamSchema& schema, std::string_view text,
                                       bool quoted, std::string* error);

class Operator;
struct OperatorContext;
using OperatorPtr = std::unique_ptr<Operator>;
using OperatorFactory = std::function<OperatorPtr(const Params&, const OperatorContext&)>;

struct ComponentType {
  std::string name;
  Role role = Role::Bolt;
  std::string doc;  // one line, for the palette
  std::vector<ParamSchema> params;
  OperatorFactory factory;  // empty: known to the file format, not runnable yet

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

// Registers a type at static-initialisation time: one line at the bottom of a
// component's .cpp file, so adding a type touches only its own file.
struct CatalogueRegistration {
  explicit CatalogueRegistration(ComponentType type) {
    Catalogue::instance().add(std::move(type));
  }
};

}  // namespace topolab
