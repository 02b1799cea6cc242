// The component catalogue, typed params and the conversion of a param as
// written in a file to its typed value.
#include "topolab/engine/catalogue.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cassert>

#include "spec/scalars.h"

namespace topolab {

std::string_view toString(Role r) {
  switch (r) {
    case Role::Producer:
      return "producer";
    case Role::Bolt:
      return "bolt";
    case Role::Sink:
      return "sink";
  }
  return "?";
}

std::string_view toString(ParamType t) {
  switch (t) {
    case ParamType::Int:
      return "integer";
    case ParamType::Double:
      return "number";
    case ParamType::Bool:
      return "bool";
    case ParamType::String:
      return "string";
    case ParamType::Enum:
      return "enum";
    case ParamType::Scalar:
      return "scalar";
    case ParamType::StringList:
      return "list";
    case ParamType::StringMap:
      return "map";
  }
  return "?";
}

void Params::set(std::string name, ParamValue v) {
  for (auto& [n, value] : values_) {
    if (n == name) {
      value = std::move(v);
      return;
    }
  }
  values_.emplace_back(std::move(name), std::move(v));
}

const ParamValue* Params::find(std::string_view name) const {
  for (const auto& [n, value] : values_) {
    if (n == name) return &value;
  }
  return nullptr;
}

bool Params::has(std::string_view name) const { return find(name) != nullptr; }

// The getters are called by operators on params resolved against their own
// schema, so a missing or mistyped param is a programming error.
int64_t Params::getInt(std::string_view name) const {
  const ParamValue* v = find(name);
  assert(v && std::holds_alternative<int64_t>(*v));
  if (const auto* i = v ? std::get_if<int64_t>(v) : nullptr) return *i;
  return 0;
}

double Params::getDouble(std::string_view name) const {
  const ParamValue* v = find(name);
  if (const auto* d = v ? std::get_if<double>(v) : nullptr) return *d;
  if (const auto* i = v ? std::get_if<int64_t>(v) : nullptr) return static_cast<double>(*i);
  assert(!"param is not a number");
  return 0;
}

bool Params::getBool(std::string_view name) const {
  const ParamValue* v = find(name);
  assert(v && std::holds_alternative<bool>(*v));
  if (const auto* b = v ? std::get_if<bool>(v) : nullptr) return *b;
  return false;
}

const std::string& Params::getString(std::string_view name) const {
  static const std::string kEmpty;
  const ParamValue* v = find(name);
  assert(v && std::holds_alternative<std::string>(*v));
  if (const auto* s = v ? std::get_if<std::string>(v) : nullptr) return *s;
  return kEmpty;
}

const StringList& Params::getList(std::string_view name) const {
  static const StringList kEmpty;
  const ParamValue* v = find(name);
  assert(v && std::holds_alternative<StringList>(*v));
  if (const auto* l = v ? std::get_if<StringList>(v) : nullptr) return *l;
  return kEmpty;
}

const StringMap& Params::getMap(std::string_view name) const {
  static const StringMap kEmpty;
  const ParamValue* v = find(name);
  assert(v && std::holds_alternative<StringMap>(*v));
  if (const auto* m = v ? std::get_if<StringMap>(v) : nullptr) return *m;
  return kEmpty;
}

namespace {

// A list or map item is a string: one a YAML reader would take for a number,
// a boolean or null, or one with a space (a command line's argument), is
// written quoted so that every reader (and every person) sees a string.
void appendFlowItem(std::string& out, std::string_view s) {
  const bool looks_typed = spec::isNumberText(s) || s == "true" || s == "false" || s == "True" ||
                           s == "False" || s == "yes" || s == "no";
  spec::appendYamlScalar(out, s, looks_typed || s.find(' ') != std::string_view::npos);
}

}  // namespace

std::string flowText(const StringList& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    appendFlowItem(out, items[i]);
  }
  return out + "]";
}

std::string flowText(const StringMap& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    appendFlowItem(out, items[i].first);
    out += ": ";
    appendFlowItem(out, items[i].second);
  }
  return out + "}";
}

namespace {

bool checkRange(const ParamSchema& schema, double v, std::string_view text, std::string* error) {
  const bool low = schema.min && v < *schema.min;
  const bool high = schema.max && v > *schema.max;
  if (!low && !high) return true;
  if (error) {
    std::string range;
    if (schema.min && schema.max) {
      range = "out of range [" + spec::formatNumber(*schema.min) + ", " +
              spec::formatNumber(*schema.max) + "]";
    } else if (schema.min) {
      range = "out of range: must be >= " + spec::formatNumber(*schema.min);
    } else {
      range = "out of range: must be <= " + spec::formatNumber(*schema.max);
    }
    *error = std::string(text) + " is " + range;
  }
  return false;
}

void setError(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

std::string quotedHint(bool quoted) { return quoted ? " (remove the quotes)" : ""; }

// A flow list or map of scalars as yaml-cpp reads it; nullopt with `error`
// set when `text` is not one (or nests collections).
const char* flowExample(bool map) {
  return map ? "a map of names to strings, like {LANG: C.UTF-8}"
             : "a list of strings, like [python3, bolt.py]";
}

std::optional<YAML::Node> readFlow(std::string_view text, bool map, std::string* error) {
  const char* want = flowExample(map);
  try {
    YAML::Node node = YAML::Load(std::string(text));
    if (map ? !node.IsMap() : !node.IsSequence()) {
      setError(error, "expected " + std::string(want) + ", got " + spec::quoteForMessage(text));
      return std::nullopt;
    }
    for (const auto& item : node) {
      const YAML::Node& v = map ? item.second : item;
      if ((map && !item.first.IsScalar()) || !v.IsScalar()) {
        setError(error, std::string("expected ") + want + ": items must be plain values, not " +
                            (v.IsNull() ? "empty" : "nested lists or maps"));
        return std::nullopt;
      }
    }
    return node;
  } catch (const YAML::Exception& e) {
    setError(error, "expected " + std::string(want) + ", got " + spec::quoteForMessage(text));
    return std::nullopt;
  }
}

bool checkCount(const ParamSchema& schema, size_t n, std::string* error) {
  if (schema.min && static_cast<double>(n) < *schema.min) {
    setError(error, *schema.min == 1
                        ? "must not be empty"
                        : "needs at least " + spec::formatNumber(*schema.min) + " items");
    return false;
  }
  if (schema.max && static_cast<double>(n) > *schema.max) {
    setError(error, "has " + std::to_string(n) + " items, at most " +
                        spec::formatNumber(*schema.max) + " are allowed");
    return false;
  }
  return true;
}

std::optional<ParamValue> convertToType(const ParamSchema& schema, std::string_view text,
                                        bool quoted, std::string* error) {
  switch (schema.type) {
    case ParamType::Int: {
      std::optional<int64_t> v = quoted ? std::nullopt : spec::parseInt64(text);
      if (!v) {
        std::string hint = quotedHint(quoted);
        if (!quoted && spec::isIntegerText(text)) {
          // Digits beyond the 64-bit range: report against the schema's range if it has one.
          if (checkRange(schema, text.front() == '-' ? -1e300 : 1e300, text, error)) {
            setError(error, std::string(text) + " is too large for an integer");
          }
          return std::nullopt;
        }
        if (!quoted && spec::isNumberText(text)) hint = " (write a whole number in digits)";
        setError(error, "expected an integer, got " + spec::quoteForMessage(text) + hint);
        return std::nullopt;
      }
      if (!checkRange(schema, static_cast<double>(*v), text, error)) return std::nullopt;
      return ParamValue{*v};
    }
    case ParamType::Double: {
      std::optional<double> v = quoted ? std::nullopt : spec::parseDouble(text);
      if (!v) {
        setError(error,
                 "expected a number, got " + spec::quoteForMessage(text) + quotedHint(quoted));
        return std::nullopt;
      }
      if (!checkRange(schema, *v, text, error)) return std::nullopt;
      return ParamValue{*v};
    }
    case ParamType::Bool: {
      if (!quoted && (text == "true" || text == "True" || text == "TRUE")) return ParamValue{true};
      if (!quoted && (text == "false" || text == "False" || text == "FALSE")) {
        return ParamValue{false};
      }
      setError(error, "expected true or false, got " + spec::quoteForMessage(text));
      return std::nullopt;
    }
    case ParamType::Enum: {
      if (std::find(schema.choices.begin(), schema.choices.end(), text) != schema.choices.end()) {
        return ParamValue{std::string(text)};
      }
      std::vector<std::string_view> choices(schema.choices.begin(), schema.choices.end());
      setError(error, spec::quoteForMessage(text) + " is not one of " +
                          spec::joinList(schema.choices) + spec::didYouMean(text, choices));
      return std::nullopt;
    }
    case ParamType::String:
      return ParamValue{std::string(text)};
    case ParamType::Scalar: {
      if (!quoted) {
        if (std::optional<int64_t> i = spec::parseInt64(text)) {
          if (!checkRange(schema, static_cast<double>(*i), text, error)) return std::nullopt;
          return ParamValue{*i};
        }
        if (std::optional<double> d = spec::parseDouble(text)) {
          if (!checkRange(schema, *d, text, error)) return std::nullopt;
          return ParamValue{*d};
        }
      }
      return ParamValue{std::string(text)};
    }
    case ParamType::StringList: {
      StringList items;
      if (quoted || text.empty() || text.front() != '[') {
        items.emplace_back(text);
      } else {
        std::optional<YAML::Node> node = readFlow(text, false, error);
        if (!node) return std::nullopt;
        for (const auto& item : *node) items.push_back(item.Scalar());
      }
      if (!checkCount(schema, items.size(), error)) return std::nullopt;
      return ParamValue{std::move(items)};
    }
    case ParamType::StringMap: {
      if (quoted) {
        setError(error, "expected " + std::string(flowExample(true)) + ", got " +
                            spec::quoteForMessage(text));
        return std::nullopt;
      }
      std::optional<YAML::Node> node = readFlow(text, true, error);
      if (!node) return std::nullopt;
      StringMap items;
      for (const auto& item : *node) {
        items.emplace_back(item.first.Scalar(), item.second.Scalar());
      }
      if (!checkCount(schema, items.size(), error)) return std::nullopt;
      return ParamValue{std::move(items)};
    }
  }
  setError(error, "unsupported param type");
  return std::nullopt;
}

}  // namespace

std::optional<ParamValue> convertParam(const ParamSchema& schema, std::string_view text,
                                       bool quoted, std::string* error) {
  std::optional<ParamValue> v = convertToType(schema, text, quoted, error);
  if (v && schema.check) {
    if (std::string why = schema.check(*v); !why.empty()) {
      setError(error, why);
      return std::nullopt;
    }
  }
  return v;
}

const ParamSchema* ComponentType::param(std::string_view n) const {
  for (const ParamSchema& p : params) {
    if (p.name == n) return &p;
  }
  return nullptr;
}

const ComponentTraits& traitsOf(std::string_view type) {
  static const ComponentTraits kPlain;
  const ComponentType* t = Catalogue::instance().find(type);
  return t ? t->traits : kPlain;
}

Catalogue& Catalogue::instance() {
  // A function-local static: types register during static initialisation of
  // other translation units, in an order nobody controls.
  static Catalogue catalogue;
  return catalogue;
}

void Catalogue::add(ComponentType type) {
  assert(!find(type.name) && "component type registered twice");
  for (auto& existing : types_) {
    if (existing->name == type.name) {
      *existing = std::move(type);
      return;
    }
  }
  types_.push_back(std::make_unique<ComponentType>(std::move(type)));
}

const ComponentType* Catalogue::find(std::string_view name) const {
  for (const auto& t : types_) {
    if (t->name == name) return t.get();
  }
  return nullptr;
}

std::vector<const ComponentType*> Catalogue::types() const {
  std::vector<const ComponentType*> out;
  out.reserve(types_.size());
  for (const auto& t : types_) out.push_back(t.get());
  std::sort(out.begin(), out.end(),
            [](const ComponentType* a, const ComponentType* b) { return a->name < b->name; });
  return out;
}

}  // namespace topolab
