// Graphviz export of a topology: the diagram `topolab export --to dot|svg|png`
// draws, with the same visual vocabulary as the studio's canvas.
#include <unordered_map>

#include "topolab/engine/spec.h"

namespace topolab {
namespace {

// A DOT double-quoted string: quotes and backslashes escaped, line breaks as \n.
std::string dotString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

struct NodeStyle {
  const char* shape;
  const char* style;
  const char* fill;
  const char* border;
};

NodeStyle styleOf(const ComponentType* type) {
  if (!type) return {"octagon", "filled,dashed", "#f8d7da", "#b02a37"};  // unknown type
  switch (type->role) {
    case Role::Producer:
      return {"cds", "filled", "#cfe2ff", "#0a58ca"};
    case Role::Bolt:
      return {"box", "rounded,filled", "#fff3cd", "#997404"};
    case Role::Sink:
      return {"cylinder", "filled", "#d1e7dd", "#146c43"};
  }
  return {"box", "filled", "#e9ecef", "#495057"};
}

std::string groupingLabel(const Grouping& g) {
  std::string label(toString(g.type));
  if (g.type == GroupingType::Fields) {
    label += '(';
    for (size_t i = 0; i < g.fields.size(); ++i) label += (i ? "," : "") + g.fields[i];
    label += ')';
  }
  return label;
}

}  // namespace

std::string exportDot(const Topology& t, const Catalogue& catalogue) {
  std::string out = "digraph " + dotString(t.name.empty() ? "topology" : t.name) + " {\n";
  std::string title = t.name;
  if (t.description) title += "\n" + *t.description;
  out +=
      "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=" + dotString(title) + "];\n";
  out += "  node [fontname=\"Helvetica\", fontsize=11, penwidth=1.4];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#495057\"];\n";
  std::unordered_map<std::string_view, const ComponentType*> type_of;
  for (const Component& c : t.components) {
    const ComponentType* type = catalogue.find(c.type);
    type_of.emplace(c.id, type);
    const NodeStyle s = styleOf(type);
    std::string label = c.id + "\n" + c.type;
    if (c.instances() != 1) label += " \xC3\x97" + std::to_string(c.instances());  // U+00D7 ×
    if (!c.placement.empty()) {
      label += "\non ";
      for (size_t i = 0; i < c.placement.size(); ++i) label += (i ? ", " : "") + c.placement[i];
    }
    out += "  " + dotString(c.id) + " [label=" + dotString(label) + ", shape=" + s.shape +
           ", style=" + dotString(s.style) + ", fillcolor=" + dotString(s.fill) +
           ", color=" + dotString(s.border) + "];\n";
  }
  for (const Stream& st : t.streams) {
    auto from = type_of.find(st.from);
    const ComponentType* from_type = from != type_of.end() ? from->second : nullptr;
    // A load balancer chooses among all downstream instances itself; groupings do not apply.
    const bool balanced = from_type && from_type->name == "load-balancer";
    std::string label = balanced ? "balanced" : groupingLabel(st.grouping);
    if (st.transport && *st.transport != Transport::Auto)
      label += "\n" + std::string(toString(*st.transport));
    out += "  " + dotString(st.from) + " -> " + dotString(st.to) + " [label=" + dotString(label);
    if (balanced) out += ", style=dashed";
    if (st.grouping.type == GroupingType::All && !balanced) out += ", penwidth=2";
    out += "];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace topolab
