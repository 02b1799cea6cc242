// The canonical writer of topology files, and model equality.
//
// The text is built by hand rather than with YAML::Emitter so the layout is
// exactly the documented canonical form: top-level keys in a fixed order,
// components as block entries with flow params, streams as one flow mapping
// per line, no blank lines. Values keep the text they were written with (so
// `1e5` stays `1e5`), which makes an unedited canonical file save back byte
// for byte. Comments are not preserved: the model does not hold them, so
// saving a commented file drops them.
#include <string>

#include "spec/scalars.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

// A fields grouping (or one with fields) is always written as a mapping.
bool writtenAsMap(const Grouping& g) {
  return g.written_as_map || g.type == GroupingType::Fields || !g.fields.empty();
}

void appendScalar(std::string& out, std::string_view s, bool quoted = false) {
  spec::appendYamlScalar(out, s, quoted);
}

// A number as written, or formatted when it was set in memory.
void appendNumber(std::string& out, const std::string& written, double value) {
  appendScalar(out, written.empty() ? spec::formatNumber(value) : written);
}

void appendNames(std::string& out, const std::vector<std::string>& names) {
  out += '[';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    appendScalar(out, names[i]);
  }
  out += ']';
}

void appendDefaults(std::string& out, const Defaults& d) {
  if (!d.delivery && !d.metrics_interval_ms && !d.ack_timeout_ms && !d.max_pending && !d.restart) {
    out += "defaults: {}\n";
    return;
  }
  out += "defaults:\n";
  if (d.delivery) out += "  delivery: " + std::string(toString(*d.delivery)) + '\n';
  if (d.metrics_interval_ms)
    out += "  metrics_interval_ms: " + std::to_string(*d.metrics_interval_ms) + '\n';
  if (d.ack_timeout_ms) out += "  ack_timeout_ms: " + std::to_string(*d.ack_timeout_ms) + '\n';
  if (d.max_pending) out += "  max_pending: " + std::to_string(*d.max_pending) + '\n';
  if (d.restart) {
    const RestartPolicy& r = *d.restart;
    out += "  restart: ";
    if (r.never) {
      out += "never\n";
    } else {
      std::string items;
      auto item = [&items](const char* key, const std::optional<int>& v) {
        if (!v) return;
        if (!items.empty()) items += ", ";
        items += std::string(key) + ": " + std::to_string(*v);
      };
      item("max", r.max);
      item("within_s", r.within_s);
      item("delay_ms", r.delay_ms);
      out += "{" + items + "}\n";
    }
  }
}

void appendComponent(std::string& out, const Component& c) {
  out += "  - id: ";
  appendScalar(out, c.id);
  out += "\n    type: ";
  appendScalar(out, c.type);
  out += '\n';
  if (c.parallelism) out += "    parallelism: " + std::to_string(*c.parallelism) + '\n';
  if (!c.params.empty()) {
    out += "    params: {";
    for (size_t i = 0; i < c.params.size(); ++i) {
      if (i > 0) out += ", ";
      appendScalar(out, c.params[i].name);
      out += ": ";
      if (c.params[i].flow) {
        out += c.params[i].text;  // a list or map, already in canonical flow form
      } else {
        appendScalar(out, c.params[i].text, c.params[i].quoted);
      }
    }
    out += "}\n";
  }
  if (!c.placement.empty()) {
    out += "    placement: ";
    appendNames(out, c.placement);
    out += '\n';
  }
}

void appendStream(std::string& out, const Stream& s) {
  out += "  - {from: ";
  appendScalar(out, s.from);
  out += ", to: ";
  appendScalar(out, s.to);
  if (!s.stream_id.empty()) {
    out += ", stream: ";
    appendScalar(out, s.stream_id);
  }
  const Grouping& g = s.grouping;
  if (g.present) {
    out += ", grouping: ";
    if (writtenAsMap(g)) {
      out += "{type: " + std::string(toString(g.type));
      if (g.type == GroupingType::Fields || !g.fields.empty()) {
        out += ", fields: ";
        appendNames(out, g.fields);
      }
      out += '}';
    } else {
      out += toString(g.type);
    }
  }
  if (s.transport) out += ", transport: " + std::string(toString(*s.transport));
  out += "}\n";
}

void appendSlo(std::string& out, const Slo& slo) {
  if (!slo.throughput_min && !slo.p99_ms_max && !slo.error_rate_max) {
    out += "slo: {}\n";
    return;
  }
  out += "slo:\n";
  auto line = [&](const char* key, const std::optional<double>& v, const std::string& text) {
    if (!v) return;
    out += "  ";
    out += key;
    out += ": ";
    appendNumber(out, text, *v);
    out += '\n';
  };
  line("throughput_min", slo.throughput_min, slo.throughput_min_text);
  line("p99_ms_max", slo.p99_ms_max, slo.p99_ms_max_text);
  line("error_rate_max", slo.error_rate_max, slo.error_rate_max_text);
}

}  // namespace

std::string writeTopology(const Topology& t) {
  std::string out;
  out.reserve(256 + t.components.size() * 96 + t.streams.size() * 48);
  // A model built in memory may not have set a version yet; this writer writes v1.
  out += "topolab: " + std::to_string(t.version == 0 ? kFormatVersion : t.version) + '\n';
  out += "name: ";
  appendScalar(out, t.name);
  out += '\n';
  if (t.description) {
    out += "description: ";
    appendScalar(out, *t.description);
    out += '\n';
  }
  if (t.defaults) appendDefaults(out, *t.defaults);
  if (t.components.empty()) {
    out += "components: []\n";
  } else {
    out += "components:\n";
    for (const Component& c : t.components) appendComponent(out, c);
  }
  if (t.streams.empty()) {
    out += "streams: []\n";
  } else {
    out += "streams:\n";
    for (const Stream& s : t.streams) appendStream(out, s);
  }
  if (t.slo) appendSlo(out, *t.slo);
  if (!t.layout.empty()) {
    out += "layout:\n";
    for (const LayoutPos& pos : t.layout) {
      out += "  ";
      appendScalar(out, pos.id);
      out += ": {x: ";
      appendNumber(out, pos.x_text, pos.x);
      out += ", y: ";
      appendNumber(out, pos.y_text, pos.y);
      out += "}\n";
    }
  }
  return out;
}

namespace {

// Equality is of what the writer writes: a value that must be quoted is
// quoted whatever its flag says.
bool writtenQuoted(const ParamEntry& p) {
  return !p.flow && (p.quoted || spec::needsYamlQuotes(p.text));
}

bool sameParams(const std::vector<ParamEntry>& a, const std::vector<ParamEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].text != b[i].text || a[i].flow != b[i].flow ||
        writtenQuoted(a[i]) != writtenQuoted(b[i])) {
      return false;
    }
  }
  return true;
}

bool sameComponent(const Component& a, const Component& b) {
  return a.id == b.id && a.type == b.type && a.parallelism == b.parallelism &&
         sameParams(a.params, b.params) && a.placement == b.placement;
}

bool sameStream(const Stream& a, const Stream& b) {
  const Grouping &ga = a.grouping, &gb = b.grouping;
  return a.from == b.from && a.to == b.to && a.stream_id == b.stream_id &&
         a.transport == b.transport && ga.type == gb.type && ga.fields == gb.fields &&
         ga.present == gb.present && writtenAsMap(ga) == writtenAsMap(gb);
}

bool sameRestart(const std::optional<RestartPolicy>& a, const std::optional<RestartPolicy>& b) {
  if (!a || !b) return !a && !b;
  return a->never == b->never && a->max == b->max && a->within_s == b->within_s &&
         a->delay_ms == b->delay_ms;
}

bool sameDefaults(const std::optional<Defaults>& a, const std::optional<Defaults>& b) {
  if (!a || !b) return !a && !b;
  return a->delivery == b->delivery && a->metrics_interval_ms == b->metrics_interval_ms &&
         a->ack_timeout_ms == b->ack_timeout_ms && a->max_pending == b->max_pending &&
         sameRestart(a->restart, b->restart);
}

bool sameSlo(const std::optional<Slo>& a, const std::optional<Slo>& b) {
  if (!a || !b) return !a && !b;
  return a->throughput_min == b->throughput_min && a->p99_ms_max == b->p99_ms_max &&
         a->error_rate_max == b->error_rate_max &&
         a->throughput_min_text == b->throughput_min_text &&
         a->p99_ms_max_text == b->p99_ms_max_text &&
         a->error_rate_max_text == b->error_rate_max_text;
}

template <typename T, typename Eq>
bool sameList(const std::vector<T>& a, const std::vector<T>& b, Eq eq) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!eq(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

bool sameTopology(const Topology& a, const Topology& b) {
  return a.version == b.version && a.name == b.name && a.description == b.description &&
         sameDefaults(a.defaults, b.defaults) &&
         sameList(a.components, b.components, sameComponent) &&
         sameList(a.streams, b.streams, sameStream) && sameSlo(a.slo, b.slo) &&
         sameList(a.layout, b.layout, [](const LayoutPos& x, const LayoutPos& y) {
           return x.id == y.id && x.x == y.x && x.y == y.y && x.x_text == y.x_text &&
                  x.y_text == y.y_text;
         });
}

}  // namespace topolab
