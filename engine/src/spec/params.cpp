// Params as the runtime sees them (typed, defaults applied) and the CLI's
// `--set ID.PARAM=VALUE` overrides.
#include <charconv>

#include "spec/scalars.h"
#include "topolab/engine/spec.h"

namespace topolab {

std::optional<Params> resolveParams(const Component& component, const ComponentType& type,
                                    std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Params> {
    if (error) *error = "component '" + component.id + "': " + std::move(message);
    return std::nullopt;
  };
  Params params;
  for (const ParamEntry& p : component.params) {
    const ParamSchema* schema = type.param(p.name);
    if (!schema) return fail("unknown param '" + p.name + "' for type " + type.name);
    std::string why;
    std::optional<ParamValue> v = convertParam(*schema, p.text, p.quoted, &why);
    if (!v) return fail("param '" + p.name + "': " + why);
    params.set(p.name, std::move(*v));
  }
  for (const ParamSchema& s : type.params) {
    if (params.has(s.name)) continue;
    if (s.required || s.default_text.empty())
      return fail("missing required param '" + s.name + "'");
    std::string why;
    std::optional<ParamValue> v = convertParam(s, s.default_text, false, &why);
    // A default that does not fit its own schema is a bug in the component type.
    if (!v) return fail("default of param '" + s.name + "' is invalid: " + why);
    params.set(s.name, std::move(*v));
  }
  return params;
}

std::vector<std::string> outputFields(const Component& component, const Catalogue& catalogue) {
  const ComponentType* type = catalogue.find(component.type);
  if (!type || type->traits.output_fields_param.empty()) return {};
  const std::string& name = type->traits.output_fields_param;
  const ParamSchema* schema = type->param(name);
  const ParamEntry* entry = component.param(name);
  if (!schema) return {};
  std::optional<ParamValue> v = entry ? convertParam(*schema, entry->text, entry->quoted, nullptr)
                                      : convertParam(*schema, schema->default_text, false, nullptr);
  if (const auto* fields = v ? std::get_if<StringList>(&*v) : nullptr) return *fields;
  return {};
}

bool applyOverride(Topology& topology, std::string_view assignment, std::string* error) {
  auto fail = [&](std::string message) {
    if (error) *error = std::move(message);
    return false;
  };
  const std::string shown = spec::quoteForMessage(assignment);
  const size_t eq = assignment.find('=');
  const size_t dot = assignment.substr(0, eq).find('.');
  if (eq == std::string_view::npos || dot == std::string_view::npos || dot == 0 || dot + 1 == eq) {
    return fail("--set " + shown + ": expected ID.PARAM=VALUE, e.g. enrich.cost_us=50");
  }
  const std::string_view id = assignment.substr(0, dot);
  const std::string name(assignment.substr(dot + 1, eq - dot - 1));
  const std::string value(assignment.substr(eq + 1));
  Component* c = topology.component(id);
  if (!c) {
    std::vector<std::string> ids;
    for (const Component& x : topology.components) ids.push_back(x.id);
    return fail("--set " + shown + ": no component " + spec::quoteForMessage(id) +
                " (components: " + spec::joinList(ids) + ")");
  }
  const ComponentType* type = Catalogue::instance().find(c->type);
  const ParamSchema* schema = type ? type->param(name) : nullptr;
  if (name == "parallelism" && !schema) {
    std::optional<int64_t> n = spec::parseInt64(value);
    if (!n || *n < 1 || *n > kMaxParallelism) {
      return fail("--set " + shown + ": parallelism must be an integer in [1, " +
                  std::to_string(kMaxParallelism) + "]");
    }
    c->parallelism = static_cast<int>(*n);
    return true;
  }
  if (type && !schema) {
    std::vector<std::string> names;
    for (const ParamSchema& s : type->params) names.push_back(s.name);
    return fail("--set " + shown + ": type " + type->name + " has no param '" + name + "'" +
                (names.empty() ? std::string() : " (params: " + spec::joinList(names) + ")"));
  }
  if (schema) {
    std::string why;
    if (!convertParam(*schema, value, false, &why)) {
      return fail("--set " + shown + ": " + why);
    }
  }
  // A list or map is kept in its canonical flow form, as the reader keeps it.
  std::string text = value;
  bool flow = false;
  if (schema && (schema->type == ParamType::StringList || schema->type == ParamType::StringMap)) {
    std::optional<ParamValue> v = convertParam(*schema, value, false, nullptr);
    if (const auto* l = std::get_if<StringList>(&*v)) text = flowText(*l);
    if (const auto* m = std::get_if<StringMap>(&*v)) text = flowText(*m);
    flow = true;
  }
  for (ParamEntry& p : c->params) {
    if (p.name == name) {
      p.text = text;
      p.quoted = false;
      p.flow = flow;
      return true;
    }
  }
  c->params.push_back(ParamEntry{name, text, false, {}, {}, flow});
  return true;
}

}  // namespace topolab
