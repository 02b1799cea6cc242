// Views of a topology: the Graphviz export and the topological order.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "spec_test_helpers.h"

namespace topolab {
namespace {

using testing::dataPath;
using testing::parse;

Topology load(std::string_view text) {
  LoadResult r = parse(text);
  EXPECT_TRUE(r.topology) << testing::allErrors(r.errors);
  return r.topology.value_or(Topology{});
}

// Runs `dot -Tsvg` on `dot_text`; the SVG, or nullopt when dot fails.
std::optional<std::string> renderSvg(const std::string& dot_text) {
  const std::string in = ::testing::TempDir() + "/spec_export.dot";
  const std::string out = ::testing::TempDir() + "/spec_export.svg";
  std::FILE* f = std::fopen(in.c_str(), "wb");
  if (!f) return std::nullopt;
  std::fwrite(dot_text.data(), 1, dot_text.size(), f);
  std::fclose(f);
  const std::string cmd = "dot -Tsvg '" + in + "' -o '" + out + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  std::string svg = testing::readFile(out);
  std::remove(in.c_str());
  std::remove(out.c_str());
  return svg;
}

bool haveDot() { return std::system("dot -V >/dev/null 2>&1") == 0; }

TEST(ExportDot, DrawsRolesGroupingsAndParallelism) {
  const Topology t = load(testing::readFile(dataPath("canonical.yaml")));
  const std::string dot = exportDot(t);
  EXPECT_EQ(dot.rfind("digraph \"realtime-analytics\" {\n", 0), 0u) << dot;
  EXPECT_NE(dot.find("\"events\" [label=\"events\\ngenerator ×2\\non node-a\", shape=cds"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("\"enrich\" [label=\"enrich\\nwork ×4\", shape=box"), std::string::npos)
      << dot;
  EXPECT_NE(dot.find("\"store\" [label=\"store\\ncounter\", shape=cylinder"), std::string::npos)
      << dot;
  EXPECT_NE(dot.find("\"events\" -> \"enrich\" [label=\"shuffle\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"enrich\" -> \"counts\" [label=\"fields(key)\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"counts\" -> \"store\" [label=\"shuffle\\nkafka\"]"), std::string::npos)
      << dot;
}

TEST(ExportDot, MarksLoadBalancedStreamsAndUnknownTypes) {
  const Topology t = load(testing::readFile(dataPath("flow_style.yaml")));
  const std::string dot = exportDot(t);
  EXPECT_NE(dot.find("\"lb\" -> \"w1\" [label=\"balanced\", style=dashed]"), std::string::npos)
      << dot;
  Topology odd = t;
  odd.components[1].type = "mystery";
  EXPECT_NE(exportDot(odd).find("\"lb\" [label=\"lb\\nmystery\", shape=octagon"),
            std::string::npos);
}

TEST(ExportDot, OutputPassesGraphviz) {
  if (!haveDot()) GTEST_SKIP() << "graphviz `dot` is not installed";
  for (const char* name : {"canonical.yaml", "flow_style.yaml", "block_style.yaml"}) {
    SCOPED_TRACE(name);
    std::optional<std::string> svg = renderSvg(exportDot(load(testing::readFile(dataPath(name)))));
    ASSERT_TRUE(svg);
    EXPECT_NE(svg->find("<svg"), std::string::npos);
  }
  // Text that needs escaping in DOT: quotes, backslashes, line breaks, braces.
  Topology t;
  t.version = 1;
  t.name = "we\"ird";
  t.description = "line one\nline \\two {x} [y] ; -- ->";
  t.components.push_back(Component{.id = "a\"b", .type = "generator"});
  t.components.push_back(Component{.id = "c\\d", .type = "counter"});
  t.streams.push_back(Stream{.from = "a\"b", .to = "c\\d"});
  std::optional<std::string> svg = renderSvg(exportDot(t));
  ASSERT_TRUE(svg) << exportDot(t);
  EXPECT_NE(svg->find("line \\two {x} [y]"), std::string::npos) << *svg;
}

TEST(TopologicalOrder, PutsSourcesFirstThenEachLayerInFileOrder) {
  const Topology t = load(R"(topolab: 1
name: t
components:
  - {id: sink, type: counter}
  - {id: b2, type: work}
  - {id: src1, type: generator}
  - {id: b1, type: work}
  - {id: src2, type: generator}
streams:
  - {from: b1, to: b2}
  - {from: b2, to: sink}
  - {from: src1, to: b1}
  - {from: src2, to: b2}
)");
  EXPECT_EQ(topologicalOrder(t), (std::vector<std::string>{"src1", "src2", "b1", "b2", "sink"}));
}

TEST(TopologicalOrder, ListsComponentsOnACycleLast) {
  const Topology t = load(R"(topolab: 1
name: t
components:
  - {id: x, type: work}
  - {id: g, type: generator}
  - {id: y, type: work}
  - {id: lonely, type: counter}
streams: [{from: g, to: x}, {from: x, to: y}, {from: y, to: x}]
)");
  EXPECT_EQ(topologicalOrder(t), (std::vector<std::string>{"g", "lonely", "x", "y"}));
}

TEST(TopologicalOrder, HandlesALongChainWithoutRecursion) {
  std::string text = "topolab: 1\nname: t\ncomponents:\n  - {id: c0, type: generator}\n";
  for (int i = 1; i < 10'000; ++i) text += "  - {id: c" + std::to_string(i) + ", type: work}\n";
  text += "streams:\n";
  for (int i = 9'998; i >= 0; --i) {
    text += "  - {from: c" + std::to_string(i) + ", to: c" + std::to_string(i + 1) + "}\n";
  }
  text += "  - {from: c9999, to: c1}\n";  // one cycle through the whole chain but c0
  LoadResult r = parse(text);
  ASSERT_TRUE(r.topology);
  ASSERT_EQ(r.errors.size(), 1u) << testing::allErrors(r.errors);
  EXPECT_NE(r.errors[0].message.find("closes a cycle: c1 -> c2 -> c3"), std::string::npos);
  const std::vector<std::string> order = topologicalOrder(*r.topology);
  ASSERT_EQ(order.size(), 10'000u);
  EXPECT_EQ(order.front(), "c0");
}

}  // namespace
}  // namespace topolab
