// The YAML reader of topology files: any YAML style (block or flow) in, the
// plain model out, with the source position of every element. It reports
// problems of shape (unknown keys, a list where a value belongs, unknown enum
// names) and keeps going, so one run names every problem; the meaning of the
// model is checked afterwards by the validator.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <climits>
#include <unordered_set>

#include "spec/internal.h"
#include "spec/scalars.h"
#include "spec/yaml_document.h"

namespace topolab::spec {
namespace {

constexpr size_t kMaxPlacement = 1024;
constexpr size_t kMaxGroupingFields = 16;

using Keys = std::vector<std::string_view>;
const Keys kTopKeys{"topolab",    "name",    "description", "defaults",
                    "components", "streams", "slo",         "layout"};
const Keys kDefaultsKeys{"delivery", "metrics_interval_ms", "ack_timeout_ms", "max_pending",
                         "restart"};
const Keys kRestartKeys{"max", "within_s", "delay_ms"};
const Keys kComponentKeys{"id", "type", "parallelism", "params", "placement"};
const Keys kStreamKeys{"from", "to", "stream", "grouping", "transport"};
const Keys kGroupingKeys{"type", "fields"};
const Keys kSloKeys{"throughput_min", "p99_ms_max", "error_rate_max"};
const Keys kLayoutKeys{"x", "y"};
const Keys kGroupingNames{"shuffle", "fields", "all", "global", "local-or-shuffle"};
const Keys kTransportNames{"auto", "local", "grpc", "kafka"};
const Keys kDeliveryNames{"at-most-once", "at-least-once"};

std::string prefix(std::string_view context) {
  return context.empty() ? std::string() : std::string(context) + ": ";
}

std::string kindOf(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "nothing";
  return "a single value";
}

// Quoted, block and explicitly `!!str`-tagged scalars are strings whatever they look like.
bool isQuoted(const YAML::Node& n) {
  const std::string& tag = n.Tag();
  return tag == "!" || tag == "tag:yaml.org,2002:str";
}

// The scalar text under `key` in `map`, if there is one. (operator[] on a
// missing key yields a node that throws when asked anything.)
std::optional<std::string> scalarAt(const YAML::Node& map, std::string_view key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key && it->second.IsScalar()) {
      return it->second.Scalar();
    }
  }
  return std::nullopt;
}

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  Mark key_mark;
};

class Reader {
 public:
  Reader(std::string_view file, std::vector<Diagnostic>& errors) : file_(file), errors_(errors) {}

  ReadResult read(const YAML::Node& root) {
    ReadResult result;
    if (!root.IsMap()) {
      error(toMark(root.Mark()),
            "expected a mapping at the top of the file (starting with "
            "'topolab: 1'), got " +
                kindOf(root));
      return result;
    }
    Topology t;
    const Mark root_mark = toMark(root.Mark());
    t.version_mark = t.name_mark = root_mark;  // where a missing key is reported
    bool has_components = false;
    for (const Entry& e : entries(root, &kTopKeys, "", "at the top level")) {
      if (e.key == "topolab") {
        readVersion(e, t);
      } else if (e.key == "name") {
        if (auto s = text(e, "")) t.name = *s;
        t.name_mark = valueMark(e);
      } else if (e.key == "description") {
        t.description = text(e, "");
        t.description_mark = valueMark(e);
      } else if (e.key == "defaults") {
        t.defaults = readDefaults(e);
      } else if (e.key == "components") {
        has_components = true;
        readComponents(e, t);
      } else if (e.key == "streams") {
        readStreams(e, t);
      } else if (e.key == "slo") {
        t.slo = readSlo(e);
      } else if (e.key == "layout") {
        readLayout(e, t);
      }
    }
    if (!has_components) {
      error(root_mark, "missing required key 'components' (a list of {id, type} entries)");
    }
    result.topology = std::move(t);
    result.version_reported = version_reported_;
    return result;
  }

 private:
  void error(Mark mark, std::string message) {
    errors_.push_back(Diagnostic{std::string(file_), mark, std::move(message)});
  }

  static Mark valueMark(const Entry& e) {
    // An empty value's mark points past it (often to the next line); the key is clearer.
    return e.value.IsNull() ? e.key_mark : toMark(e.value.Mark());
  }

  // The map's entries in file order. Reports keys that are not plain names,
  // duplicate keys, and (when `allowed` is given) unknown keys, which are dropped.
  std::vector<Entry> entries(const YAML::Node& map, const Keys* allowed, std::string_view context,
                             std::string_view where) {
    std::vector<Entry> out;
    std::unordered_set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      Entry e{{}, it->first, it->second, toMark(it->first.Mark())};
      if (!e.key_node.IsScalar()) {
        error(e.key_mark, prefix(context) + "expected a key name, got " + kindOf(e.key_node));
        continue;
      }
      e.key = e.key_node.Scalar();
      if (allowed && std::find(allowed->begin(), allowed->end(), e.key) == allowed->end()) {
        std::string msg = prefix(context) + "unknown key " + quoteForMessage(e.key);
        if (!where.empty()) msg += " " + std::string(where);
        error(e.key_mark,
              msg + " (expected " + joinList(*allowed) + ")" + didYouMean(e.key, *allowed));
        continue;
      }
      if (!seen.insert(e.key).second) {
        error(e.key_mark, prefix(context) + "duplicate key " + quoteForMessage(e.key));
        continue;
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  // The entry's value as text; reports an empty value, a list or a mapping.
  std::optional<std::string> text(const Entry& e, std::string_view context) {
    if (e.value.IsScalar()) return e.value.Scalar();
    if (e.value.IsNull()) {
      error(e.key_mark, prefix(context) + "'" + e.key + "' has no value");
    } else {
      error(toMark(e.value.Mark()),
            prefix(context) + "'" + e.key + "' must be a single value, not " + kindOf(e.value));
    }
    return std::nullopt;
  }

  // An integer value. Values beyond `int` are reported here against [lo, hi];
  // the validator checks the range of the others.
  std::optional<int> integer(const Entry& e, std::string_view context, int lo, int hi) {
    auto s = text(e, context);
    if (!s) return std::nullopt;
    const bool quoted = isQuoted(e.value);
    std::optional<int64_t> v = quoted ? std::nullopt : parseInt64(*s);
    if (!v && !(isIntegerText(*s) && !quoted)) {
      error(valueMark(e), prefix(context) + e.key + ": expected an integer, got " +
                              quoteForMessage(*s) + (quoted ? " (remove the quotes)" : ""));
      return std::nullopt;
    }
    if (!v || *v < INT_MIN || *v > INT_MAX) {
      error(valueMark(e), prefix(context) + e.key + " " + *s + " is out of range [" +
                              std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return std::nullopt;
    }
    return static_cast<int>(*v);
  }

  // A number value and its text as written.
  bool number(const Entry& e, std::string_view context, std::optional<double>& value,
              std::string& written, Mark& mark) {
    auto s = text(e, context);
    if (!s) return false;
    std::optional<double> v = isQuoted(e.value) ? std::nullopt : parseDouble(*s);
    if (!v) {
      error(valueMark(e),
            prefix(context) + e.key + ": expected a number, got " + quoteForMessage(*s));
      return false;
    }
    value = v;
    written = *s;
    mark = valueMark(e);
    return true;
  }

  // One of `names`, or an error listing them.
  std::optional<std::string> choice(const Entry& e, std::string_view context, std::string_view what,
                                    const Keys& names) {
    auto s = text(e, context);
    if (!s) return std::nullopt;
    if (std::find(names.begin(), names.end(), *s) == names.end()) {
      error(valueMark(e), prefix(context) + "unknown " + std::string(what) + " " +
                              quoteForMessage(*s) + " (expected " + joinList(names) + ")" +
                              didYouMean(*s, names));
      return std::nullopt;
    }
    return s;
  }

  // A mapping (an empty value counts as an empty one); nullopt after reporting anything else.
  std::optional<YAML::Node> mapping(const Entry& e, std::string_view context) {
    if (e.value.IsMap() || e.value.IsNull()) return e.value;
    error(toMark(e.value.Mark()),
          prefix(context) + "'" + e.key + "' must be a mapping, not " + kindOf(e.value));
    return std::nullopt;
  }

  std::optional<YAML::Node> list(const Entry& e, std::string_view context, std::string_view example,
                                 size_t limit) {
    if (e.value.IsNull()) return e.value;
    if (!e.value.IsSequence()) {
      error(toMark(e.value.Mark()), prefix(context) + "'" + e.key + "' must be a list, not " +
                                        kindOf(e.value) + " (e.g. " + std::string(example) + ")");
      return std::nullopt;
    }
    if (e.value.size() > limit) {
      error(toMark(e.value.Mark()), prefix(context) + "too many entries in '" + e.key +
                                        "': " + std::to_string(e.value.size()) + " (the limit is " +
                                        std::to_string(limit) + ")");
      return std::nullopt;
    }
    return e.value;
  }

  // A list of plain names (agents, fields).
  std::vector<std::string> names(const YAML::Node& seq, std::string_view context,
                                 std::string_view key) {
    std::vector<std::string> out;
    for (const YAML::Node& item : seq) {
      if (item.IsScalar()) {
        out.push_back(item.Scalar());
      } else {
        error(toMark(item.Mark()), prefix(context) + "each entry of '" + std::string(key) +
                                       "' must be a name, not " + kindOf(item));
      }
    }
    return out;
  }

  void readVersion(const Entry& e, Topology& t) {
    t.version_mark = valueMark(e);
    auto s = text(e, "");
    if (!s) {
      version_reported_ = true;
      return;
    }
    std::optional<int64_t> v = isQuoted(e.value) ? std::nullopt : parseInt64(*s);
    if (!v || *v < INT_MIN || *v > INT_MAX) {
      error(t.version_mark, "unsupported format version " + quoteForMessage(*s) +
                                " (this TopoLab reads 'topolab: " + std::to_string(kFormatVersion) +
                                "')");
      version_reported_ = true;
      return;
    }
    t.version = static_cast<int>(*v);
  }

  std::optional<Defaults> readDefaults(const Entry& e) {
    auto map = mapping(e, "defaults");
    if (!map) return std::nullopt;
    Defaults d;
    d.mark = valueMark(e);
    for (const Entry& f : entries(*map, &kDefaultsKeys, "defaults", "")) {
      if (f.key == "delivery") {
        if (auto s = choice(f, "defaults", "delivery", kDeliveryNames))
          d.delivery = parseDelivery(*s);
        d.delivery_mark = valueMark(f);
      } else if (f.key == "metrics_interval_ms") {
        d.metrics_interval_ms = integer(f, "defaults", 100, 60'000);
        d.metrics_interval_mark = valueMark(f);
      } else if (f.key == "ack_timeout_ms") {
        d.ack_timeout_ms = integer(f, "defaults", 100, 3'600'000);
        d.ack_timeout_mark = valueMark(f);
      } else if (f.key == "max_pending") {
        d.max_pending = integer(f, "defaults", 1, 1'000'000);
        d.max_pending_mark = valueMark(f);
      } else if (f.key == "restart") {
        d.restart = readRestart(f);
      }
    }
    return d;
  }

  // `restart: never` or `restart: {max: 3, within_s: 60, delay_ms: 500}`.
  std::optional<RestartPolicy> readRestart(const Entry& f) {
    RestartPolicy r;
    r.mark = valueMark(f);
    if (f.value.IsScalar() && f.value.Scalar() == "never" && !isQuoted(f.value)) {
      r.never = true;
      return r;
    }
    if (!f.value.IsMap()) {
      error(r.mark,
            "defaults: restart: expected never or a mapping like "
            "{max: 3, within_s: 60, delay_ms: 500}, got " +
                kindOf(f.value));
      return std::nullopt;
    }
    for (const Entry& k : entries(f.value, &kRestartKeys, "defaults", "in restart")) {
      if (k.key == "max") {
        r.max = integer(k, "defaults: restart", 0, 1000);
        r.max_mark = valueMark(k);
      } else if (k.key == "within_s") {
        r.within_s = integer(k, "defaults: restart", 1, 86'400);
        r.within_s_mark = valueMark(k);
      } else if (k.key == "delay_ms") {
        r.delay_ms = integer(k, "defaults: restart", 0, 600'000);
        r.delay_ms_mark = valueMark(k);
      }
    }
    return r;
  }

  void readComponents(const Entry& e, Topology& t) {
    auto seq = list(e, "", "components: [{id: events, type: generator}]", kMaxComponents);
    if (!seq) return;
    t.components.reserve(seq->size());
    size_t index = 0;
    for (const YAML::Node& item : *seq) {
      ++index;
      if (!item.IsMap()) {
        error(toMark(item.Mark()), "component #" + std::to_string(index) +
                                       ": expected a mapping with 'id' and 'type', got " +
                                       kindOf(item));
        continue;
      }
      t.components.push_back(readComponent(item, index));
    }
  }

  Component readComponent(const YAML::Node& map, size_t index) {
    Component c;
    c.mark = toMark(map.Mark());
    std::string context = "component #" + std::to_string(index);
    if (auto id = scalarAt(map, "id")) context = "component '" + *id + "'";
    bool has_id = false, has_type = false;
    for (const Entry& f : entries(map, &kComponentKeys, context, "")) {
      if (f.key == "id") {
        has_id = true;
        if (auto s = text(f, context)) {
          c.id = *s;
          c.id_mark = valueMark(f);
        }
      } else if (f.key == "type") {
        has_type = true;
        if (auto s = text(f, context)) {
          c.type = *s;
          c.type_mark = valueMark(f);
        }
      } else if (f.key == "parallelism") {
        c.parallelism = integer(f, context, 1, kMaxParallelism);
        c.parallelism_mark = valueMark(f);
      } else if (f.key == "params") {
        readParams(f, context, c);
      } else if (f.key == "placement") {
        c.placement_mark = valueMark(f);
        if (auto seq = list(f, context, "placement: [node-a]", kMaxPlacement)) {
          c.placement = names(*seq, context, "placement");
        }
      }
    }
    if (!has_id) error(c.mark, context + ": missing required key 'id'");
    if (!has_type) error(c.mark, context + ": missing required key 'type'");
    return c;
  }

  void readParams(const Entry& f, const std::string& context, Component& c) {
    auto map = mapping(f, context);
    if (!map) return;
    if (map->size() > kMaxParamsPerComponent) {
      error(valueMark(f), context + ": too many params: " + std::to_string(map->size()) +
                              " (the limit is " + std::to_string(kMaxParamsPerComponent) + ")");
      return;
    }
    for (const Entry& p : entries(*map, nullptr, context, "")) {
      if (p.value.IsSequence() || p.value.IsMap()) {
        readCollectionParam(p, context, c);
        continue;
      }
      if (!p.value.IsScalar()) {
        const Mark m = valueMark(p);
        error(m, context + ": param '" + p.key + "' " +
                     (p.value.IsNull() ? std::string("has no value")
                                       : "must be a single value, not " + kindOf(p.value)));
        c.params.push_back(unreadable(p, m));
        continue;
      }
      c.params.push_back(ParamEntry{p.key, p.value.Scalar(), isQuoted(p.value),
                                    toMark(p.value.Mark()), p.key_mark});
    }
  }

  static ParamEntry unreadable(const Entry& p, Mark m) {
    ParamEntry e{p.key, "", false, m, p.key_mark};
    e.unreadable = true;
    return e;
  }

  // A list or map param (a command line, field names, environment variables):
  // plain values only, kept as canonical flow text. Whether the param takes a
  // list is the validator's to say, against the type's schema.
  void readCollectionParam(const Entry& p, const std::string& context, Component& c) {
    const Mark m = valueMark(p);
    const std::string what = context + ": param '" + p.key + "'";
    if (p.value.size() > kMaxParamItems) {
      error(m, what + " has " + std::to_string(p.value.size()) + " items (the limit is " +
                   std::to_string(kMaxParamItems) + ")");
      c.params.push_back(unreadable(p, m));
      return;
    }
    if (p.value.IsSequence()) {
      StringList items;
      for (const YAML::Node& item : p.value) {
        if (!item.IsScalar()) {
          error(item.Mark().is_null() ? m : toMark(item.Mark()),
                what + ": list items must be plain values, not " + kindOf(item));
          c.params.push_back(unreadable(p, m));
          return;
        }
        items.push_back(item.Scalar());
      }
      c.params.push_back(ParamEntry{p.key, flowText(items), false, m, p.key_mark, true});
      return;
    }
    StringMap items;
    for (const auto& item : p.value) {
      if (!item.first.IsScalar() || !item.second.IsScalar()) {
        error(item.second.Mark().is_null() ? m : toMark(item.second.Mark()),
              what + ": entries must be NAME: value with plain values");
        c.params.push_back(unreadable(p, m));
        return;
      }
      items.emplace_back(item.first.Scalar(), item.second.Scalar());
    }
    c.params.push_back(ParamEntry{p.key, flowText(items), false, m, p.key_mark, true});
  }

  void readStreams(const Entry& e, Topology& t) {
    auto seq = list(e, "", "streams: [{from: events, to: store}]", kMaxStreams);
    if (!seq) return;
    t.streams.reserve(seq->size());
    size_t index = 0;
    for (const YAML::Node& item : *seq) {
      ++index;
      if (!item.IsMap()) {
        error(toMark(item.Mark()), "stream #" + std::to_string(index) +
                                       ": expected a mapping with 'from' and 'to', got " +
                                       kindOf(item));
        continue;
      }
      t.streams.push_back(readStream(item, index));
    }
  }

  Stream readStream(const YAML::Node& map, size_t index) {
    Stream s;
    s.mark = toMark(map.Mark());
    const auto from = scalarAt(map, "from"), to = scalarAt(map, "to");
    std::string context = "stream #" + std::to_string(index);
    if (from || to) context = "stream " + from.value_or("?") + " -> " + to.value_or("?");
    bool has_from = false, has_to = false;
    for (const Entry& f : entries(map, &kStreamKeys, context, "")) {
      if (f.key == "from") {
        has_from = true;
        if (auto v = text(f, context)) {
          s.from = *v;
          s.from_mark = valueMark(f);
        }
      } else if (f.key == "to") {
        has_to = true;
        if (auto v = text(f, context)) {
          s.to = *v;
          s.to_mark = valueMark(f);
        }
      } else if (f.key == "stream") {
        if (auto v = text(f, context)) {
          s.stream_id = *v;
          s.stream_id_mark = valueMark(f);
        }
      } else if (f.key == "grouping") {
        readGrouping(f, context, s.grouping);
      } else if (f.key == "transport") {
        if (auto v = choice(f, context, "transport", kTransportNames))
          s.transport = parseTransport(*v);
        s.transport_mark = valueMark(f);
      }
    }
    if (!has_from) error(s.mark, context + ": missing required key 'from'");
    if (!has_to) error(s.mark, context + ": missing required key 'to'");
    return s;
  }

  void readGrouping(const Entry& f, const std::string& context, Grouping& g) {
    g.present = true;
    g.mark = valueMark(f);
    if (!f.value.IsMap()) {
      if (auto v = choice(f, context, "grouping", kGroupingNames)) g.type = *parseGroupingType(*v);
      return;
    }
    g.written_as_map = true;
    bool has_type = false;
    for (const Entry& k : entries(f.value, &kGroupingKeys, context, "in grouping")) {
      if (k.key == "type") {
        has_type = true;
        if (auto v = choice(k, context, "grouping", kGroupingNames))
          g.type = *parseGroupingType(*v);
      } else if (k.key == "fields") {
        if (auto seq = list(k, context, "fields: [key]", kMaxGroupingFields)) {
          g.fields = names(*seq, context, "fields");
          for (const YAML::Node& item : *seq) g.field_marks.push_back(toMark(item.Mark()));
        }
      }
    }
    if (!has_type) {
      error(g.mark,
            context + ": grouping needs a 'type' (expected " + joinList(kGroupingNames) + ")");
    }
  }

  std::optional<Slo> readSlo(const Entry& e) {
    auto map = mapping(e, "slo");
    if (!map) return std::nullopt;
    Slo slo;
    slo.mark = valueMark(e);
    for (const Entry& f : entries(*map, &kSloKeys, "slo", "")) {
      if (f.key == "throughput_min") {
        number(f, "slo", slo.throughput_min, slo.throughput_min_text, slo.throughput_min_mark);
      } else if (f.key == "p99_ms_max") {
        number(f, "slo", slo.p99_ms_max, slo.p99_ms_max_text, slo.p99_ms_max_mark);
      } else if (f.key == "error_rate_max") {
        number(f, "slo", slo.error_rate_max, slo.error_rate_max_text, slo.error_rate_max_mark);
      }
    }
    return slo;
  }

  void readLayout(const Entry& e, Topology& t) {
    auto map = mapping(e, "layout");
    if (!map) return;
    if (map->size() > kMaxComponents) {
      error(valueMark(e), "layout: too many entries: " + std::to_string(map->size()) +
                              " (the limit is " + std::to_string(kMaxComponents) + ")");
      return;
    }
    for (const Entry& f : entries(*map, nullptr, "layout", "")) {
      const std::string context = "layout '" + f.key + "'";
      if (!f.value.IsMap()) {
        error(valueMark(f), context + ": expected {x: NUMBER, y: NUMBER}, got " + kindOf(f.value));
        continue;
      }
      LayoutPos pos;
      pos.id = f.key;
      pos.mark = f.key_mark;
      bool has_x = false, has_y = false, ok = true;
      for (const Entry& k : entries(f.value, &kLayoutKeys, context, "")) {
        std::optional<double> v;
        Mark unused;
        const bool is_x = k.key == "x";
        (is_x ? has_x : has_y) = true;
        if (number(k, context, v, is_x ? pos.x_text : pos.y_text, unused)) {
          (is_x ? pos.x : pos.y) = *v;
        } else {
          ok = false;
        }
      }
      if (!has_x || !has_y) {
        error(valueMark(f), context + ": needs both x and y, e.g. {x: 0, y: 0}");
      } else if (ok) {
        t.layout.push_back(std::move(pos));
      }
    }
  }

  std::string_view file_;
  std::vector<Diagnostic>& errors_;
  bool version_reported_ = false;
};

}  // namespace

ReadResult readTopology(std::string_view text, std::string_view file_name,
                        std::vector<Diagnostic>& errors) {
  std::optional<YAML::Node> root = loadOneDocument(text, file_name, errors);
  if (!root) return {};
  return Reader(file_name, errors).read(*root);
}

}  // namespace topolab::spec
