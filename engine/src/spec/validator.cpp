// The meaning of a topology: names, ids, types and params against the
// catalogue, the stream graph (ends, roles, duplicates, cycles, groupings),
// placement, layout and the ranges of defaults and SLOs. It works on the
// model, so the studio can check an edited topology that has no file yet.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "spec/graph.h"
#include "spec/internal.h"
#include "spec/scalars.h"

namespace topolab::spec {
namespace {

// The first mark that is set.
Mark pick(Mark a, Mark b) { return a.line > 0 ? a : b; }

// Whether an empty id, type or stream end is the validator's to report: the
// reader already reported a missing or ill-formed key (and left its mark unset);
// a model built in memory has no marks at all.
bool reportEmpty(Mark value_mark, Mark element_mark) {
  return value_mark.line > 0 || element_mark.line == 0;
}

// Suggestions compare against every id; a hostile file must not make that quadratic.
constexpr int kSuggestionBudget = 200;

std::string quoted(std::string_view s) { return quoteForMessage(s); }

class Validator {
 public:
  Validator(const Topology& t, std::string_view file, const Catalogue& catalogue,
            const ValidateOptions& options, std::vector<Diagnostic>& out)
      : t_(t), file_(file), catalogue_(catalogue), options_(options), out_(out) {}

  void run() {
    checkHeader();
    checkDefaults();
    checkComponents();
    checkStreams();
    checkCycles();
    checkLayout();
    checkSlo();
  }

 private:
  void error(Mark mark, std::string message) {
    out_.push_back(Diagnostic{std::string(file_), mark, std::move(message)});
  }

  void checkHeader() {
    if (options_.check_version && t_.version != kFormatVersion) {
      const std::string want = "'topolab: " + std::to_string(kFormatVersion) + "'";
      error(t_.version_mark, t_.version == 0
                                 ? "missing format version: add " + want + " at the top of the file"
                                 : "unsupported format version " + std::to_string(t_.version) +
                                       " (this TopoLab reads " + want + ")");
    }
    if (t_.name.empty()) {
      error(t_.name_mark,
            "missing topology name: add 'name: my-topology' (lowercase letters, "
            "digits and '-')");
    } else if (!isValidTopologyName(t_.name)) {
      error(t_.name_mark, "invalid name " + quoted(t_.name) +
                              ": use lowercase letters, digits and '-', starting with a letter "
                              "or digit (e.g. realtime-analytics)");
    }
  }

  void checkRange(const std::optional<int>& v, Mark mark, std::string_view key, int lo, int hi) {
    if (v && (*v < lo || *v > hi)) {
      error(mark, "defaults: " + std::string(key) + " " + std::to_string(*v) +
                      " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  }

  void checkDefaults() {
    if (!t_.defaults) return;
    const Defaults& d = *t_.defaults;
    checkRange(d.metrics_interval_ms, pick(d.metrics_interval_mark, d.mark), "metrics_interval_ms",
               100, 60'000);
    checkRange(d.ack_timeout_ms, pick(d.ack_timeout_mark, d.mark), "ack_timeout_ms", 100,
               3'600'000);
    checkRange(d.max_pending, pick(d.max_pending_mark, d.mark), "max_pending", 1, 1'000'000);
    if (d.restart) {
      const Mark m = pick(d.restart->mark, d.mark);
      checkRange(d.restart->max, m, "restart: max", 0, 1000);
      checkRange(d.restart->within_s, m, "restart: within_s", 1, 86'400);
      checkRange(d.restart->delay_ms, m, "restart: delay_ms", 0, 600'000);
    }
  }

  static std::string contextOf(const Component& c, size_t index) {
    return c.id.empty() ? "component #" + std::to_string(index + 1) : "component " + quoted(c.id);
  }

  void checkComponents() {
    std::vector<std::string_view> type_names;
    for (const ComponentType* type : catalogue_.types()) type_names.push_back(type->name);
    for (size_t i = 0; i < t_.components.size(); ++i) {
      const Component& c = t_.components[i];
      const std::string context = contextOf(c, i);
      if (c.id.empty()) {
        if (reportEmpty(c.id_mark, c.mark))
          error(pick(c.id_mark, c.mark), context + ": missing id");
      } else {
        if (!isValidComponentId(c.id)) {
          error(pick(c.id_mark, c.mark),
                "invalid component id " + quoted(c.id) +
                    ": start with a letter, then letters, digits, '_' or '-'");
        }
        if (auto [it, fresh] = by_id_.emplace(c.id, &c); !fresh) {
          error(pick(c.id_mark, c.mark),
                "duplicate component id " + quoted(c.id) + firstAt(it->second->id_mark));
        }
      }
      if (c.parallelism && (*c.parallelism < 1 || *c.parallelism > kMaxParallelism)) {
        error(pick(c.parallelism_mark, c.mark),
              context + ": parallelism " + std::to_string(*c.parallelism) +
                  " is out of range [1, " + std::to_string(kMaxParallelism) + "]");
      }
      checkPlacement(c, context);
      if (c.type.empty()) {
        if (reportEmpty(c.type_mark, c.mark)) {
          error(pick(c.type_mark, c.mark),
                context + ": missing type (known types: " + joinList(type_names) + ")");
        }
        continue;
      }
      const ComponentType* type = catalogue_.find(c.type);
      if (!type) {
        error(pick(c.type_mark, c.mark), context + ": unknown type " + quoted(c.type) +
                                             didYouMean(c.type, type_names) +
                                             " (known types: " + joinList(type_names) + ")");
        continue;
      }
      checkParams(c, *type, context);
    }
  }

  static std::string firstAt(Mark m) {
    return m.line > 0 ? " (first defined at line " + std::to_string(m.line) + ")" : "";
  }

  void checkPlacement(const Component& c, const std::string& context) {
    if (!options_.agent_names) return;
    const auto& agents = *options_.agent_names;
    for (const std::string& agent : c.placement) {
      if (std::find(agents.begin(), agents.end(), agent) != agents.end()) continue;
      std::vector<std::string_view> known(agents.begin(), agents.end());
      error(pick(c.placement_mark, c.mark),
            context + ": placement on unknown agent " + quoted(agent) + didYouMean(agent, known) +
                (agents.empty() ? " (the cluster has no agents)"
                                : " (the cluster has " + joinList(agents) + ")"));
    }
  }

  void checkParams(const Component& c, const ComponentType& type, const std::string& context) {
    std::vector<std::string_view> names;
    for (const ParamSchema& p : type.params) names.push_back(p.name);
    std::unordered_set<std::string_view> seen;
    for (const ParamEntry& p : c.params) {
      const Mark key_mark = pick(p.key_mark, c.mark);
      if (!seen.insert(p.name).second) {
        error(key_mark, context + ": param " + quoted(p.name) + " is set twice");
        continue;
      }
      const ParamSchema* schema = type.param(p.name);
      if (!schema) {
        error(key_mark, context + ": unknown param " + quoted(p.name) + " for type " + type.name +
                            didYouMean(p.name, names) +
                            (names.empty() ? " (" + type.name + " takes no params)"
                                           : " (expected " + joinList(names) + ")"));
        continue;
      }
      if (p.unreadable) continue;
      const bool takes_collection =
          schema->type == ParamType::StringList || schema->type == ParamType::StringMap;
      if (p.flow && !takes_collection) {
        error(pick(p.mark, key_mark),
              context + ": param '" + p.name + "' must be a single value, not a list or map");
        continue;
      }
      std::string why;
      if (!convertParam(*schema, p.text, p.quoted, &why)) {
        error(pick(p.mark, key_mark), context + ": param '" + p.name + "': " + why);
      }
    }
    for (const ParamSchema& s : type.params) {
      if ((s.required || s.default_text.empty()) && !seen.count(s.name)) {
        error(c.mark, context + ": missing required param '" + s.name + "' (" +
                          std::string(toString(s.type)) + (s.doc.empty() ? "" : ": " + s.doc) +
                          ")");
      }
    }
  }

  const ComponentType* typeOf(const Component& c) const { return catalogue_.find(c.type); }

  void checkStreams() {
    std::vector<std::string_view> ids;
    for (const auto& [id, c] : by_id_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    std::unordered_map<std::string, const Stream*> seen;
    misdirected_.assign(t_.streams.size(), false);
    for (size_t i = 0; i < t_.streams.size(); ++i) {
      const Stream& s = t_.streams[i];
      const std::string context =
          s.from.empty() && s.to.empty()
              ? "stream #" + std::to_string(i + 1)
              : "stream " + (s.from.empty() ? "?" : s.from) + " -> " + (s.to.empty() ? "?" : s.to);
      const Component* from = endpoint(s.from, s.from_mark, s.mark, "from", context, ids);
      const Component* to = endpoint(s.to, s.to_mark, s.mark, "to", context, ids);
      if (const ComponentType* type = from ? typeOf(*from) : nullptr;
          type && type->role == Role::Sink) {
        misdirected_[i] = true;
        error(pick(s.from_mark, s.mark), context + ": " + quoted(s.from) + " is a sink (" +
                                             type->name + ") and cannot send a stream");
      }
      if (const ComponentType* type = to ? typeOf(*to) : nullptr;
          type && type->role == Role::Producer) {
        misdirected_[i] = true;
        error(pick(s.to_mark, s.mark), context + ": " + quoted(s.to) + " is a producer (" +
                                           type->name + ") and cannot receive a stream");
      }
      if (!s.stream_id.empty() && !isValidStreamId(s.stream_id)) {
        error(pick(s.stream_id_mark, s.mark),
              context + ": invalid stream " + quoted(s.stream_id) +
                  ": use letters, digits, '_', '-' and '.', not starting with '__' "
                  "(leave it out for the default stream)");
      }
      if (from && to) {
        auto [it, fresh] = seen.emplace(s.from + '\n' + s.to + '\n' + s.stream_id, &s);
        if (!fresh) {
          error(s.mark,
                "duplicate " + context + firstAt(it->second->mark) +
                    (s.stream_id.empty() ? std::string(": one stream per pair of components")
                                         : " on stream " + quoted(s.stream_id)));
        }
      }
      checkGrouping(s.grouping, from, pick(s.grouping.mark, s.mark), context);
    }
  }

  const Component* endpoint(const std::string& id, Mark mark, Mark stream_mark,
                            std::string_view key, const std::string& context,
                            const std::vector<std::string_view>& ids) {
    if (id.empty()) {
      if (reportEmpty(mark, stream_mark)) {
        error(pick(mark, stream_mark), context + ": missing '" + std::string(key) + "'");
      }
      return nullptr;
    }
    auto it = by_id_.find(id);
    if (it != by_id_.end()) return it->second;
    error(pick(mark, stream_mark),
          context + ": unknown component " + quoted(id) + suggest(id, ids));
    return nullptr;
  }

  std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
    if (suggestions_left_ <= 0) return "";
    --suggestions_left_;
    return didYouMean(word, candidates);
  }

  void checkGrouping(const Grouping& g, const Component* from, Mark mark,
                     const std::string& context) {
    if (g.type != GroupingType::Fields) {
      if (!g.fields.empty()) {
        error(mark, context + ": 'fields' only applies to a fields grouping, not " +
                        std::string(toString(g.type)));
      }
      return;
    }
    if (g.fields.empty()) {
      error(mark, context + ": a fields grouping needs fields, e.g. {type: fields, fields: [key]}");
    }
    const std::vector<std::string> declared =
        from ? outputFields(*from, catalogue_) : std::vector<std::string>{};
    for (size_t i = 0; i < g.fields.size(); ++i) {
      const std::string& f = g.fields[i];
      if (f != "key" && f != "value" &&
          std::find(declared.begin(), declared.end(), f) == declared.end()) {
        // Point at the field itself when its position is known.
        const Mark at = i < g.field_marks.size() && g.fields.size() == g.field_marks.size()
                            ? g.field_marks[i]
                            : mark;
        error(at, context + ": fields grouping on " + quoted(f) +
                      ", which the stream does not carry (tuples carry key and value" +
                      (declared.empty() ? std::string()
                                        : ", and " + from->id + "'s fields " + joinList(declared)) +
                      ")");
      }
    }
  }

  void checkCycles() {
    // A stream into a producer or out of a sink is already reported; a cycle
    // through it would only repeat that.
    const StreamGraph graph(t_, &misdirected_);
    for (const Cycle& cycle : findCycles(graph)) {
      std::string path;
      for (int v : cycle.nodes) path += std::string(graph.ids[v]) + " -> ";
      path += graph.ids[cycle.nodes.front()];
      const Stream& closing = t_.streams[cycle.closing_stream];
      error(closing.mark, "stream " + closing.from + " -> " + closing.to + " closes a cycle: " +
                              path + " (streams must flow from producers towards sinks)");
    }
  }

  void checkLayout() {
    std::vector<std::string_view> ids;
    for (const auto& [id, c] : by_id_) ids.push_back(id);
    for (const LayoutPos& pos : t_.layout) {
      if (!by_id_.count(pos.id)) {
        error(pos.mark, "layout: unknown component " + quoted(pos.id) + suggest(pos.id, ids));
      }
    }
  }

  void checkSlo() {
    if (!t_.slo) return;
    const Slo& slo = *t_.slo;
    auto text = [](const std::string& written, double v) {
      return written.empty() ? formatNumber(v) : written;
    };
    if (slo.throughput_min && *slo.throughput_min < 0) {
      error(pick(slo.throughput_min_mark, slo.mark),
            "slo: throughput_min " + text(slo.throughput_min_text, *slo.throughput_min) +
                " must be >= 0 (tuples/s at the sinks)");
    }
    if (slo.p99_ms_max && *slo.p99_ms_max <= 0) {
      error(pick(slo.p99_ms_max_mark, slo.mark),
            "slo: p99_ms_max " + text(slo.p99_ms_max_text, *slo.p99_ms_max) + " must be > 0");
    }
    if (slo.error_rate_max && (*slo.error_rate_max < 0 || *slo.error_rate_max > 1)) {
      error(pick(slo.error_rate_max_mark, slo.mark),
            "slo: error_rate_max " + text(slo.error_rate_max_text, *slo.error_rate_max) +
                " is out of range [0, 1] (a fraction: 0.001 is 0.1%)");
    }
  }

  const Topology& t_;
  std::string_view file_;
  const Catalogue& catalogue_;
  const ValidateOptions& options_;
  std::vector<Diagnostic>& out_;
  std::unordered_map<std::string_view, const Component*> by_id_;  // first of each id
  int suggestions_left_ = kSuggestionBudget;
  std::vector<bool> misdirected_;  // per stream: into a producer or out of a sink
};

}  // namespace

void validateInto(const Topology& topology, std::string_view file_name, const Catalogue& catalogue,
                  const ValidateOptions& options, std::vector<Diagnostic>& out) {
  Validator(topology, file_name, catalogue, options, out).run();
}

}  // namespace topolab::spec
