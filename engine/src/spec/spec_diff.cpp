// Comparing two topologies entry by entry (see spec_diff.h). Values are
// rendered as the canonical writer writes them, so what the diff prints is
// what a user would type into the file.
#include "topolab/engine/spec_diff.h"

#include <unordered_map>

#include "spec/scalars.h"

namespace topolab {
namespace {

std::string scalar(std::string_view s, bool quoted = false) {
  std::string out;
  spec::appendYamlScalar(out, s, quoted);
  return out;
}

std::string names(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += scalar(items[i]);
  }
  return out + "]";
}

std::string paramValue(const ParamEntry& p) { return p.flow ? p.text : scalar(p.text, p.quoted); }

std::string groupingValue(const Grouping& g) {
  std::string out(toString(g.type));
  if (!g.fields.empty()) out += " " + names(g.fields);
  return out;
}

std::string restartValue(const RestartPolicy& r) {
  if (r.never) return "never";
  return "{max: " + std::to_string(r.maxRestarts()) + ", within_s: " + std::to_string(r.withinS()) +
         ", delay_ms: " + std::to_string(r.delayMs()) + "}";
}

std::string render(int v) { return std::to_string(v); }
std::string render(Delivery d) { return std::string(toString(d)); }
std::string render(Transport t) { return std::string(toString(t)); }

std::string numberValue(const std::optional<double>& v, const std::string& written) {
  return written.empty() ? spec::formatNumber(*v) : written;
}

class Differ {
 public:
  explicit Differ(std::vector<SpecChange>& out) : out_(out) {}

  void header(const Topology& a, const Topology& b) {
    if (a.name != b.name) {
      SpecChange c = headerChange("name");
      c.old_value = scalar(a.name);
      c.new_value = scalar(b.name);
      c.line_a = a.name_mark.line;
      c.line_b = b.name_mark.line;
      out_.push_back(std::move(c));
    }
    auto text = [](const std::optional<std::string>& s) {
      return s ? std::optional(scalar(*s)) : std::nullopt;
    };
    present(headerChange("description"), text(a.description), text(b.description),
            a.description_mark, b.description_mark);
    defaults(a.defaults.value_or(Defaults{}), b.defaults.value_or(Defaults{}));
    slo(a.slo.value_or(Slo{}), b.slo.value_or(Slo{}));
  }

  void components(const Topology& a, const Topology& b) {
    for (const Component& ca : a.components) {
      const Component* cb = b.component(ca.id);
      if (!cb) {
        SpecChange c = componentChange(ChangeSubject::Component, ca.id, "");
        c.kind = ChangeKind::Removed;
        c.old_value = scalar(ca.type);
        c.line_a = ca.mark.line;
        out_.push_back(std::move(c));
      } else {
        component(ca, *cb);
      }
    }
    for (const Component& cb : b.components) {
      if (a.component(cb.id)) continue;
      SpecChange c = componentChange(ChangeSubject::Component, cb.id, "");
      c.kind = ChangeKind::Added;
      c.new_value = scalar(cb.type);
      c.line_b = cb.mark.line;
      out_.push_back(std::move(c));
    }
  }

  void streams(const Topology& a, const Topology& b) {
    auto key = [](const Stream& s) { return s.from + '\n' + s.to + '\n' + s.stream_id; };
    std::unordered_map<std::string, const Stream*> in_a, in_b;
    for (const Stream& s : a.streams) in_a.emplace(key(s), &s);
    for (const Stream& s : b.streams) in_b.emplace(key(s), &s);
    for (const Stream& sa : a.streams) {
      const auto it = in_b.find(key(sa));
      if (it == in_b.end()) {
        SpecChange c = streamChange(sa, "");
        c.kind = ChangeKind::Removed;
        c.line_a = sa.mark.line;
        out_.push_back(std::move(c));
      } else if (in_a.at(key(sa)) == &sa) {  // a duplicate (an invalid file) compares once
        stream(sa, *it->second);
      }
    }
    for (const Stream& sb : b.streams) {
      if (in_a.count(key(sb)) || in_b.at(key(sb)) != &sb) continue;
      SpecChange c = streamChange(sb, "");
      c.kind = ChangeKind::Added;
      c.line_b = sb.mark.line;
      out_.push_back(std::move(c));
    }
  }

 private:
  // An item written in one file, the other or both: added, removed or changed
  // by whether it is written, compared by its rendered value.
  void present(SpecChange base, const std::optional<std::string>& a,
               const std::optional<std::string>& b, Mark mark_a, Mark mark_b) {
    if (!a && !b) return;
    if (a && b && *a == *b) return;
    base.kind = !a ? ChangeKind::Added : !b ? ChangeKind::Removed : ChangeKind::Changed;
    base.old_value = a;
    base.new_value = b;
    base.line_a = a ? mark_a.line : 0;
    base.line_b = b ? mark_b.line : 0;
    out_.push_back(std::move(base));
  }

  // A value with a documented default: left out, it counts as the default.
  template <typename T>
  void defaulted(SpecChange base, const std::optional<T>& a, const std::optional<T>& b,
                 const T& fallback, Mark mark_a, Mark mark_b) {
    const T va = a.value_or(fallback), vb = b.value_or(fallback);
    if (va == vb) return;
    base.kind = ChangeKind::Changed;
    base.old_value = render(va);
    base.new_value = render(vb);
    base.old_is_default = !a;
    base.new_is_default = !b;
    base.line_a = a ? mark_a.line : 0;
    base.line_b = b ? mark_b.line : 0;
    out_.push_back(std::move(base));
  }

  static SpecChange headerChange(std::string path) {
    SpecChange c;
    c.subject = ChangeSubject::Header;
    c.id = std::move(path);
    return c;
  }

  static SpecChange componentChange(ChangeSubject subject, const std::string& id,
                                    std::string field) {
    SpecChange c;
    c.subject = subject;
    c.id = id;
    c.field = std::move(field);
    return c;
  }

  static SpecChange streamChange(const Stream& s, std::string field) {
    SpecChange c;
    c.subject = ChangeSubject::Stream;
    c.id = s.from + " → " + s.to;
    if (!s.stream_id.empty()) c.id += " [" + s.stream_id + "]";
    c.field = std::move(field);
    c.from = s.from;
    c.to = s.to;
    c.stream_id = s.stream_id;
    return c;
  }

  void defaults(const Defaults& a, const Defaults& b) {
    const Topology plain;  // the documented defaults
    defaulted(headerChange("defaults.delivery"), a.delivery, b.delivery, plain.delivery(),
              a.delivery_mark, b.delivery_mark);
    defaulted(headerChange("defaults.metrics_interval_ms"), a.metrics_interval_ms,
              b.metrics_interval_ms, plain.metricsIntervalMs(), a.metrics_interval_mark,
              b.metrics_interval_mark);
    defaulted(headerChange("defaults.ack_timeout_ms"), a.ack_timeout_ms, b.ack_timeout_ms,
              plain.ackTimeoutMs(), a.ack_timeout_mark, b.ack_timeout_mark);
    defaulted(headerChange("defaults.max_pending"), a.max_pending, b.max_pending,
              plain.maxPending(), a.max_pending_mark, b.max_pending_mark);
    restart(a.restart, b.restart);
  }

  // `never` against a policy is one change; between two policies, each of
  // max, within_s and delay_ms is compared on its own line.
  void restart(const std::optional<RestartPolicy>& a, const std::optional<RestartPolicy>& b) {
    const RestartPolicy ra = a.value_or(RestartPolicy{}), rb = b.value_or(RestartPolicy{});
    if (ra.never || rb.never) {
      if (ra.never == rb.never) return;
      SpecChange c = headerChange("defaults.restart");
      c.old_value = restartValue(ra);
      c.new_value = restartValue(rb);
      c.old_is_default = !a;
      c.new_is_default = !b;
      c.line_a = a ? a->mark.line : 0;
      c.line_b = b ? b->mark.line : 0;
      out_.push_back(std::move(c));
      return;
    }
    const RestartPolicy fallback;
    defaulted(headerChange("defaults.restart.max"), ra.max, rb.max, fallback.maxRestarts(),
              ra.max_mark, rb.max_mark);
    defaulted(headerChange("defaults.restart.within_s"), ra.within_s, rb.within_s,
              fallback.withinS(), ra.within_s_mark, rb.within_s_mark);
    defaulted(headerChange("defaults.restart.delay_ms"), ra.delay_ms, rb.delay_ms,
              fallback.delayMs(), ra.delay_ms_mark, rb.delay_ms_mark);
  }

  void slo(const Slo& a, const Slo& b) {
    auto one = [this](const char* path, const std::optional<double>& va, const std::string& ta,
                      Mark ma, const std::optional<double>& vb, const std::string& tb, Mark mb) {
      if (va == vb) return;  // 1e5 and 100000 are the same target
      present(headerChange(path), va ? std::optional(numberValue(va, ta)) : std::nullopt,
              vb ? std::optional(numberValue(vb, tb)) : std::nullopt, ma, mb);
    };
    one("slo.throughput_min", a.throughput_min, a.throughput_min_text, a.throughput_min_mark,
        b.throughput_min, b.throughput_min_text, b.throughput_min_mark);
    one("slo.p99_ms_max", a.p99_ms_max, a.p99_ms_max_text, a.p99_ms_max_mark, b.p99_ms_max,
        b.p99_ms_max_text, b.p99_ms_max_mark);
    one("slo.error_rate_max", a.error_rate_max, a.error_rate_max_text, a.error_rate_max_mark,
        b.error_rate_max, b.error_rate_max_text, b.error_rate_max_mark);
  }

  void component(const Component& a, const Component& b) {
    if (a.type != b.type) {
      SpecChange c = componentChange(ChangeSubject::Component, a.id, "type");
      c.old_value = scalar(a.type);
      c.new_value = scalar(b.type);
      c.line_a = a.type_mark.line;
      c.line_b = b.type_mark.line;
      out_.push_back(std::move(c));
    }
    defaulted(componentChange(ChangeSubject::Component, a.id, "parallelism"), a.parallelism,
              b.parallelism, 1, a.parallelism_mark, b.parallelism_mark);
    for (const ParamEntry& pa : a.params) {
      const ParamEntry* pb = b.param(pa.name);
      present(componentChange(ChangeSubject::Param, a.id, pa.name), paramValue(pa),
              pb ? std::optional(paramValue(*pb)) : std::nullopt, pa.key_mark,
              pb ? pb->key_mark : Mark{});
    }
    for (const ParamEntry& pb : b.params) {
      if (a.param(pb.name)) continue;
      present(componentChange(ChangeSubject::Param, a.id, pb.name), std::nullopt, paramValue(pb),
              Mark{}, pb.key_mark);
    }
    auto placement = [](const Component& c) {
      return c.placement.empty() ? std::nullopt : std::optional(names(c.placement));
    };
    present(componentChange(ChangeSubject::Placement, a.id, ""), placement(a), placement(b),
            a.placement_mark, b.placement_mark);
  }

  void stream(const Stream& a, const Stream& b) {
    const Grouping& ga = a.grouping;
    const Grouping& gb = b.grouping;
    if (groupingValue(ga) != groupingValue(gb)) {
      SpecChange c = streamChange(a, "grouping");
      c.old_value = groupingValue(ga);
      c.new_value = groupingValue(gb);
      c.old_is_default = !ga.present;
      c.new_is_default = !gb.present;
      c.line_a = ga.present ? ga.mark.line : 0;
      c.line_b = gb.present ? gb.mark.line : 0;
      out_.push_back(std::move(c));
    }
    defaulted(streamChange(a, "transport"), a.transport, b.transport, Transport::Auto,
              a.transport_mark, b.transport_mark);
  }

  std::vector<SpecChange>& out_;
};

}  // namespace

SpecDiff diffTopologies(const Topology& a, const Topology& b) {
  SpecDiff diff;
  Differ differ(diff.changes);
  differ.header(a, b);
  differ.components(a, b);
  differ.streams(a, b);
  return diff;
}

std::string_view toString(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::Added:
      return "added";
    case ChangeKind::Removed:
      return "removed";
    case ChangeKind::Changed:
      return "changed";
  }
  return "?";
}

std::string_view toString(ChangeSubject subject) {
  switch (subject) {
    case ChangeSubject::Header:
      return "header";
    case ChangeSubject::Component:
      return "component";
    case ChangeSubject::Param:
      return "param";
    case ChangeSubject::Placement:
      return "placement";
    case ChangeSubject::Stream:
      return "stream";
  }
  return "?";
}

std::string describe(const SpecChange& change) {
  std::string out;
  switch (change.subject) {
    case ChangeSubject::Header:
      out = "header " + change.id;
      break;
    case ChangeSubject::Component:
      // An added or removed component is described by its type.
      out = "component " + change.id + ": " + (change.field.empty() ? "type" : change.field);
      break;
    case ChangeSubject::Param:
      out = "component " + change.id + ": param " + change.field;
      break;
    case ChangeSubject::Placement:
      out = "component " + change.id + ": placement";
      break;
    case ChangeSubject::Stream:
      out = "stream " + change.id;
      if (!change.field.empty()) out += ": " + change.field;
      break;
  }
  auto value = [](const std::optional<std::string>& v, bool is_default) {
    return *v + (is_default ? " (default)" : "");
  };
  if (change.kind == ChangeKind::Changed && change.old_value && change.new_value) {
    out += " " + value(change.old_value, change.old_is_default) + " → " +
           value(change.new_value, change.new_is_default);
  } else if (change.kind == ChangeKind::Added && change.new_value) {
    out += " " + *change.new_value;
  } else if (change.kind == ChangeKind::Removed && change.old_value) {
    out += " " + *change.old_value;
  }
  return out;
}

}  // namespace topolab
