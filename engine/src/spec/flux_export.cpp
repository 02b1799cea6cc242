// A topology written as a Storm Flux file: shell components as Flux's shell
// wrappers, a kafka-source as Storm's KafkaSpout, placeholders as the Java
// class they stand for, and what Storm has no place for under `topolab.`
// config keys, so that importing the file gives the topology back.
#include <algorithm>
#include <cctype>
#include <map>

#include "spec/flux_document.h"
#include "spec/scalars.h"
#include "spec/storm_names.h"
#include "topolab/engine/flux.h"

namespace topolab {
namespace spec::flux {
namespace {

// A string as Storm's YAML reads it: always double-quoted, so "2000" stays a
// String for a String[] or Map<String, String>.
void appendString(std::string& out, std::string_view s) { appendYamlScalar(out, s, true); }

void appendStrings(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    appendString(out, items[i]);
  }
  out += ']';
}

// A TopoLab value as the topology file writes it.
void appendPlain(std::string& out, std::string_view s, bool quoted = false) {
  appendYamlScalar(out, s, quoted);
}

void appendNames(std::string& out, const std::vector<std::string>& names) {
  out += '[';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    appendPlain(out, names[i]);
  }
  out += ']';
}

void appendParamValue(std::string& out, const ParamEntry& p) {
  if (p.flow) {
    out += p.text;  // canonical flow text
  } else {
    appendPlain(out, p.text, p.quoted);
  }
}

// "ID stands for the Java class CLASS" in an imported topology's description.
std::map<std::string, std::string> placeholdersIn(const std::optional<std::string>& description) {
  std::map<std::string, std::string> out;
  if (!description) return out;
  const std::string& d = *description;
  auto idChar = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  };
  for (size_t pos = d.find(kStandsFor); pos != std::string::npos;
       pos = d.find(kStandsFor, pos + 1)) {
    size_t begin = pos;
    while (begin > 0 && idChar(d[begin - 1])) --begin;
    size_t end = pos + kStandsFor.size();
    while (end < d.size() && (std::isalnum(static_cast<unsigned char>(d[end])) || d[end] == '_' ||
                              d[end] == '.' || d[end] == '$')) {
      ++end;
    }
    std::string cls = d.substr(pos + kStandsFor.size(), end - pos - kStandsFor.size());
    while (!cls.empty() && cls.back() == '.') cls.pop_back();
    if (begin < pos && !cls.empty()) out[d.substr(begin, pos - begin)] = cls;
  }
  return out;
}

std::vector<std::string> listOf(const ParamEntry* p, const ComponentType* type) {
  if (!p || !type) return {};
  const ParamSchema* schema = type->param(p->name);
  if (!schema) return {};
  const auto v = convertParam(*schema, p->text, p->quoted, nullptr);
  if (const auto* l = v ? std::get_if<StringList>(&*v) : nullptr) return *l;
  return {};
}

StringMap mapOf(const ParamEntry* p, const ComponentType* type) {
  if (!p || !type) return {};
  const ParamSchema* schema = type->param(p->name);
  if (!schema) return {};
  const auto v = convertParam(*schema, p->text, p->quoted, nullptr);
  if (const auto* m = v ? std::get_if<StringMap>(&*v) : nullptr) return *m;
  return {};
}

// How one component is written.
struct Written {
  const Component* c = nullptr;
  bool spout = false;
  std::string java_class;
  std::string body;                 // constructorArgs, configMethods (indented entries)
  std::string beans;                // `components` entries it needs
  std::vector<std::string> native;  // params Storm's own elements carry
  bool placeholder = false;
};

class Exporter {
 public:
  Exporter(const Topology& t, const Catalogue& catalogue, std::vector<std::string>* warnings)
      : t_(t), catalogue_(catalogue), warnings_(warnings) {}

  std::string run() {
    placeholders_ = placeholdersIn(t_.description);
    for (const Component& c : t_.components) vertices_.push_back(vertexOf(c));
    std::string out;
    out +=
        "# A Storm Flux file written by `topolab export --to flux`. The topolab.* config keys\n"
        "# keep what Storm has no place for, so `topolab import` gives the topology back.\n";
    out += "name: ";
    appendString(out, t_.name);
    out += '\n';
    appendConfig(out);
    std::string beans;
    for (const Written& v : vertices_) beans += v.beans;
    if (!beans.empty()) out += "components:\n" + beans;
    appendVertices(out, true);
    appendVertices(out, false);
    appendStreams(out);
    return out;
  }

 private:
  void warn(std::string message) {
    if (warnings_) warnings_->push_back(std::move(message));
  }

  Written vertexOf(const Component& c) {
    Written v;
    v.c = &c;
    const ComponentType* type = catalogue_.find(c.type);
    v.spout = type && type->role == Role::Producer;
    const auto placeholder = placeholders_.find(c.id);
    if (c.type == "shell-spout" || c.type == "shell-bolt") {
      v.java_class = c.type == "shell-spout" ? kShellSpoutClass : kShellBoltClass;
      v.body += "    constructorArgs:\n      - ";
      appendStrings(v.body, listOf(c.param("command"), type));
      v.body += '\n';
      v.native.push_back("command");
      if (const ParamEntry* fields = c.param("fields")) {
        v.body += "      - ";
        appendStrings(v.body, listOf(fields, type));
        v.body += '\n';
        v.native.push_back("fields");
      }
      if (const ParamEntry* env = c.param("env")) {
        v.body += "    configMethods:\n      - name: \"setEnv\"\n        args:\n          - {";
        const StringMap vars = mapOf(env, type);
        for (size_t i = 0; i < vars.size(); ++i) {
          if (i > 0) v.body += ", ";
          appendString(v.body, vars[i].first);
          v.body += ": ";
          appendString(v.body, vars[i].second);
        }
        v.body += "}\n";
        v.native.push_back("env");
      }
    } else if (c.type == "kafka-source") {
      kafkaSpout(v);
    } else if (placeholder != placeholders_.end()) {
      v.java_class = placeholder->second;
      v.placeholder = true;
    } else {
      v.java_class = fluxClassOf(c.type);
      warn("component " + quoteForMessage(c.id) + " (" + c.type + ") is written as " +
           v.java_class +
           ", which Storm lacks: Storm's Flux builds this topology only once it is replaced "
           "by a Java or shell component");
    }
    return v;
  }

  // Storm's KafkaSpout, configured by a KafkaSpoutConfig built from a
  // KafkaSpoutConfig$Builder. The brokers are a property for Flux's --filter:
  // a TopoLab topology does not name them.
  void kafkaSpout(Written& v) {
    const Component& c = *v.c;
    v.java_class = kKafkaSpoutClass;
    const std::string builder = c.id + "-kafka-config-builder";
    const std::string config = c.id + "-kafka-config";
    std::string& b = v.beans;
    b += "  - id: ";
    appendString(b, builder);
    b += "\n    className: ";
    appendString(b, kKafkaBuilderClass);
    b += "\n    constructorArgs:\n      - \"${kafka.bootstrap.servers}\"\n      - ";
    const ParamEntry* topic = c.param("topic");
    appendStrings(b, {topic ? topic->text : std::string()});
    b += '\n';
    v.native.push_back("topic");
    if (const ParamEntry* start = c.param("start")) {
      b += "    properties:\n      - name: \"firstPollOffsetStrategy\"\n        value: ";
      b += start->text == "latest" ? "UNCOMMITTED_LATEST" : "UNCOMMITTED_EARLIEST";
      b += '\n';
      v.native.push_back("start");
    }
    if (const ParamEntry* group = c.param("group")) {
      b += "    configMethods:\n      - name: \"setProp\"\n        args: [\"group.id\", ";
      appendString(b, group->text);
      b += "]\n";
      v.native.push_back("group");
    }
    b += "  - id: ";
    appendString(b, config);
    b += "\n    className: ";
    appendString(b, kKafkaConfigClass);
    b += "\n    constructorArgs:\n      - ref: ";
    appendString(b, builder);
    b += '\n';
    v.body += "    constructorArgs:\n      - ref: ";
    appendString(v.body, config);
    v.body += '\n';
    warn("component " + quoteForMessage(c.id) +
         " (kafka-source): Storm's KafkaSpout is given the brokers as ${kafka.bootstrap.servers}: "
         "run Flux with --filter naming a properties file that sets kafka.bootstrap.servers");
  }

  // ---- config ------------------------------------------------------------------

  void appendConfig(std::string& out) {
    out += "config:\n";
    if (t_.delivery() == Delivery::AtMostOnce) out += "  topology.acker.executors: 0\n";
    if (t_.defaults && t_.defaults->ack_timeout_ms) {
      out += "  topology.message.timeout.secs: " +
             std::to_string((*t_.defaults->ack_timeout_ms + 999) / 1000) + '\n';
    }
    if (t_.defaults && t_.defaults->max_pending) {
      out += "  topology.max.spout.pending: " + std::to_string(*t_.defaults->max_pending) + '\n';
    }
    out += "  " + std::string(kFormatKey) + ": 1\n";
    if (t_.description) {
      out += "  " + std::string(kDescriptionKey) + ": ";
      appendPlain(out, *t_.description);
      out += '\n';
    }
    if (t_.defaults) appendDefaults(out, *t_.defaults);
    if (t_.slo) appendSlo(out, *t_.slo);
    appendOrder(out);
    appendComponentExtras(out);
    appendStreamExtras(out);
  }

  void appendDefaults(std::string& out, const Defaults& d) {
    std::vector<std::string> items;
    if (d.delivery) items.push_back("delivery: " + std::string(toString(*d.delivery)));
    if (d.metrics_interval_ms) {
      items.push_back("metrics_interval_ms: " + std::to_string(*d.metrics_interval_ms));
    }
    if (d.ack_timeout_ms) items.push_back("ack_timeout_ms: " + std::to_string(*d.ack_timeout_ms));
    if (d.max_pending) items.push_back("max_pending: " + std::to_string(*d.max_pending));
    if (d.restart) {
      const RestartPolicy& r = *d.restart;
      if (r.never) {
        items.push_back("restart: never");
      } else {
        std::vector<std::string> parts;
        if (r.max) parts.push_back("max: " + std::to_string(*r.max));
        if (r.within_s) parts.push_back("within_s: " + std::to_string(*r.within_s));
        if (r.delay_ms) parts.push_back("delay_ms: " + std::to_string(*r.delay_ms));
        items.push_back("restart: {" + join(parts) + "}");
      }
    }
    out += "  " + std::string(kDefaultsKey) + ": {" + join(items) + "}\n";
  }

  void appendSlo(std::string& out, const Slo& slo) {
    std::vector<std::string> items;
    auto item = [&](const char* key, const std::optional<double>& v, const std::string& text) {
      if (!v) return;
      std::string s = std::string(key) + ": ";
      appendPlain(s, text.empty() ? formatNumber(*v) : text);
      items.push_back(std::move(s));
    };
    item("throughput_min", slo.throughput_min, slo.throughput_min_text);
    item("p99_ms_max", slo.p99_ms_max, slo.p99_ms_max_text);
    item("error_rate_max", slo.error_rate_max, slo.error_rate_max_text);
    out += "  " + std::string(kSloKey) + ": {" + join(items) + "}\n";
  }

  // The import reads spouts, then bolts; another order is kept.
  void appendOrder(std::string& out) {
    std::vector<std::string> natural, actual;
    for (const Written& v : vertices_) {
      if (v.spout) natural.push_back(v.c->id);
    }
    for (const Written& v : vertices_) {
      if (!v.spout) natural.push_back(v.c->id);
      actual.push_back(v.c->id);
    }
    if (natural == actual) return;
    out += "  " + std::string(kComponentOrderKey) + ": ";
    appendNames(out, actual);
    out += '\n';
  }

  void appendComponentExtras(std::string& out) {
    std::string all;
    for (const Written& v : vertices_) {
      const Component& c = *v.c;
      std::vector<const ParamEntry*> rest;
      std::vector<std::string> natural, actual;
      for (const std::string& n : v.native) {
        if (c.param(n)) natural.push_back(n);
      }
      for (const ParamEntry& p : c.params) {
        actual.push_back(p.name);
        if (std::find(v.native.begin(), v.native.end(), p.name) == v.native.end()) {
          rest.push_back(&p);
          natural.push_back(p.name);
        }
      }
      std::string entry;
      if (v.placeholder) entry += "      type: " + c.type + '\n';
      // A placeholder's params are always written: without them the import
      // would give it its default ones.
      if (!rest.empty() || v.placeholder) {
        entry += "      params: {";
        for (size_t i = 0; i < rest.size(); ++i) {
          if (i > 0) entry += ", ";
          appendPlain(entry, rest[i]->name);
          entry += ": ";
          appendParamValue(entry, *rest[i]);
        }
        entry += "}\n";
      }
      if (natural != actual) {
        entry += "      param_order: ";
        appendNames(entry, actual);
        entry += '\n';
      }
      if (!c.placement.empty()) {
        entry += "      placement: ";
        appendNames(entry, c.placement);
        entry += '\n';
      }
      if (entry.empty()) continue;
      all += "    ";
      appendPlain(all, c.id);
      all += ":\n" + entry;
    }
    if (!all.empty()) out += "  " + std::string(kComponentsKey) + ":\n" + all;
  }

  static bool writtenAsMap(const Grouping& g) {
    return g.written_as_map || g.type == GroupingType::Fields || !g.fields.empty();
  }

  // A grouping written otherwise than its Storm type reads back (`shuffle`,
  // `{type: fields, fields: […]}`): null when none was written, or e.g.
  // `{type: all}`; and transports.
  void appendStreamExtras(std::string& out) {
    std::string all;
    for (const Stream& s : t_.streams) {
      const Grouping& g = s.grouping;
      const bool natural_map = g.type == GroupingType::Fields;
      std::vector<std::string> items;
      if (!g.present) {
        items.push_back("grouping: null");
      } else if (writtenAsMap(g) != natural_map) {
        std::string item = "grouping: ";
        if (writtenAsMap(g)) {
          item += "{type: " + std::string(toString(g.type));
          if (g.type == GroupingType::Fields || !g.fields.empty()) {
            item += ", fields: ";
            appendNames(item, g.fields);
          }
          item += "}";
        } else {
          item += toString(g.type);
        }
        items.push_back(std::move(item));
      }
      if (s.transport) items.push_back("transport: " + std::string(toString(*s.transport)));
      if (items.empty()) continue;
      all += "    ";
      appendString(all, streamKey(s.from, s.stream_id, s.to));
      all += ": {" + join(items) + "}\n";
    }
    if (!all.empty()) out += "  " + std::string(kStreamsKey) + ":\n" + all;
  }

  // ---- spouts, bolts, streams ------------------------------------------------------

  void appendVertices(std::string& out, bool spouts) {
    std::string list;
    for (const Written& v : vertices_) {
      if (v.spout != spouts) continue;
      list += "  - id: ";
      appendString(list, v.c->id);
      list += "\n    className: ";
      appendString(list, v.java_class);
      list += '\n';
      list += v.body;
      if (v.c->parallelism) list += "    parallelism: " + std::to_string(*v.c->parallelism) + '\n';
    }
    if (!list.empty()) out += (spouts ? "spouts:\n" : "bolts:\n") + list;
  }

  void appendStreams(std::string& out) {
    if (t_.streams.empty()) return;
    out += "streams:\n";
    for (const Stream& s : t_.streams) {
      out += "  - name: ";
      appendString(out, s.from + " --> " + s.to);
      out += "\n    from: ";
      appendString(out, s.from);
      out += "\n    to: ";
      appendString(out, s.to);
      out += "\n    grouping:\n      type: " + std::string(stormGrouping(s.grouping.type)) + '\n';
      if (s.grouping.type == GroupingType::Fields) {
        out += "      args: ";
        appendStrings(out, s.grouping.fields);
        out += '\n';
      }
      if (!s.stream_id.empty()) {
        out += "      streamId: ";
        appendString(out, s.stream_id);
        out += '\n';
      }
    }
  }

  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? ", " : "") + items[i];
    return out;
  }

  const Topology& t_;
  const Catalogue& catalogue_;
  std::vector<std::string>* warnings_;
  std::map<std::string, std::string> placeholders_;  // id → Java class
  std::vector<Written> vertices_;
};

}  // namespace
}  // namespace spec::flux

std::string exportFlux(const Topology& topology, const Catalogue& catalogue,
                       std::vector<std::string>* warnings) {
  return spec::flux::Exporter(topology, catalogue, warnings).run();
}

}  // namespace topolab
