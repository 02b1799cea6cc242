// Storm Flux files in and out: what a Flux file's spouts, bolts, streams,
// config, properties and includes become; Java classes as placeholders with
// one warning each; errors with their file, line and column; and export then
// import giving the topology back.
#include "topolab/engine/flux.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "spec_test_helpers.h"

namespace topolab::testing {
namespace {

namespace fs = std::filesystem;

std::string dataDir() { return std::string(TOPOLAB_TESTDATA_DIR) + "/flux"; }
std::string data(const std::string& name) { return dataDir() + "/" + name; }

// Imports as if the result were written next to the Flux file, so shell
// components keep the default `resources` (that folder).
FluxImport importData(const std::string& name, FluxImportOptions options = {}) {
  if (options.output_path.empty()) options.output_path = data("out.yaml");
  return importFlux(data(name), options);
}

FluxImport importText(std::string_view text, FluxImportOptions options = {}) {
  if (options.output_path.empty()) options.output_path = data("out.yaml");
  return importFluxText(text, data("t.flux.yaml"), options);
}

std::string lines(const std::vector<Diagnostic>& list, bool warnings) {
  std::string out;
  for (const Diagnostic& d : list) out += (warnings ? formatWarning(d) : d.format()) + "\n";
  return out;
}
std::string warnings(const FluxImport& r) { return lines(r.warnings, true); }
std::string errors(const FluxImport& r) { return lines(r.errors, false); }

// The path of a data file as diagnostics name it.
std::string at(const std::string& name, int line, int col) {
  return data(name) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

std::string canonical(const FluxImport& r) { return r.topology ? writeTopology(*r.topology) : ""; }

// The canonical text of `t` without its layout, which Flux has no place for.
std::string withoutLayout(Topology t) {
  t.layout.clear();
  return writeTopology(t);
}

// Export, then import what was exported (written next to it).
FluxImport roundTrip(const Topology& t, std::vector<std::string>* export_warnings = nullptr) {
  const std::string flux = exportFlux(t, Catalogue::instance(), export_warnings);
  FluxImportOptions options;
  options.output_path = data("out.yaml");
  return importFluxText(flux, data("exported.flux.yaml"), options);
}

TEST(FluxImport, SpoutsBoltsParallelismAndShellComponents) {
  const FluxImport r = importData("structure.flux.yaml");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(canonical(r), R"(topolab: 1
name: word-count
description: Imported from the Storm Flux file structure.flux.yaml.
defaults:
  delivery: at-least-once
  ack_timeout_ms: 45000
  max_pending: 500
components:
  - id: sentences
    type: shell-spout
    parallelism: 2
    params: {command: [python3, spout.py, --rate, "100"], fields: [sentence], env: {RATE: "2000", LANG: C.UTF-8}, timeout_ms: 20000}
  - id: split
    type: shell-bolt
    parallelism: 3
    params: {command: [python3, split.py], fields: [word, n], timeout_ms: 20000, max_pending: 50}
  - id: count
    type: shell-bolt
    params: {command: [node, count.js], timeout_ms: 20000, max_pending: 7}
streams:
  - {from: sentences, to: split, grouping: shuffle}
  - {from: split, to: count, grouping: {type: fields, fields: [word]}}
)");
  // A Flux name that is no TopoLab name is made one, and said so.
  EXPECT_EQ(warnings(r), at("structure.flux.yaml", 2, 7) +
                             "warning: name 'Word Count' is not a TopoLab name (lowercase "
                             "letters, digits and '-'); imported as 'word-count'\n");
}

const char* kGroupings = R"(name: "groupings"
spouts:
  - id: "s"
    className: "org.apache.storm.flux.wrappers.spouts.FluxShellSpout"
    constructorArgs: [["python3", "s.py"], ["word", "n"]]
bolts:
  - {id: "a", className: "org.topolab.flux.Counter"}
  - {id: "b", className: "org.topolab.flux.Counter"}
  - {id: "c", className: "org.topolab.flux.Counter"}
  - {id: "d", className: "org.topolab.flux.Counter"}
  - {id: "e", className: "org.topolab.flux.Counter"}
  - {id: "f", className: "org.topolab.flux.Counter"}
  - {id: "g", className: "org.topolab.flux.Counter"}
streams:
  - {from: "s", to: "a", grouping: {type: SHUFFLE}}
  - {from: "s", to: "b", grouping: {type: FIELDS, args: ["word", "n"]}}
  - {from: "s", to: "c", grouping: {type: ALL}}
  - {from: "s", to: "d", grouping: {type: GLOBAL, streamId: "default"}}
  - {from: "s", to: "e", grouping: {type: LOCAL_OR_SHUFFLE, streamId: "words"}}
  - {from: "s", to: "f", grouping: {type: NONE}}
  - {from: "s", to: "g", grouping: {type: DIRECT, streamId: "direct"}}
)";

TEST(FluxImport, EveryGroupingAndNamedStream) {
  const FluxImport r = importText(kGroupings);
  ASSERT_TRUE(r.ok()) << errors(r);
  const std::string text = canonical(r);
  EXPECT_NE(text.find(R"(streams:
  - {from: s, to: a, grouping: shuffle}
  - {from: s, to: b, grouping: {type: fields, fields: [word, n]}}
  - {from: s, to: c, grouping: all}
  - {from: s, to: d, grouping: global}
  - {from: s, to: e, stream: words, grouping: local-or-shuffle}
  - {from: s, to: f, grouping: shuffle}
  - {from: s, to: g, stream: direct, grouping: shuffle}
)"),
            std::string::npos)
      << text;
  EXPECT_EQ(warnings(r), "");
}

TEST(FluxImport, CustomGroupingIsAShuffleWithAWarning) {
  const FluxImport r = importText(R"(name: "custom"
spouts:
  - {id: "s", className: "org.topolab.flux.Generator"}
bolts:
  - {id: "a", className: "org.topolab.flux.Counter"}
streams:
  - from: "s"
    to: "a"
    grouping:
      type: CUSTOM
      customClass:
        className: "org.apache.storm.testing.NGrouping"
)");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_NE(canonical(r).find("{from: s, to: a, grouping: shuffle}"), std::string::npos);
  EXPECT_EQ(warnings(r), at("t.flux.yaml", 10, 13) +
                             "warning: stream s -> a: the custom grouping "
                             "org.apache.storm.testing.NGrouping is Java code TopoLab cannot run; "
                             "imported as shuffle\n");
}

std::string withConfig(const std::string& config) {
  return "name: \"cfg\"\nconfig:\n" + config +
         "spouts:\n  - {id: \"s\", className: \"org.topolab.flux.Generator\"}\n"
         "bolts:\n  - {id: \"a\", className: \"org.topolab.flux.Counter\"}\n"
         "streams:\n  - {from: \"s\", to: \"a\", grouping: {type: SHUFFLE}}\n";
}

TEST(FluxImport, ConfigBecomesDefaults) {
  auto defaultsOf = [](const std::string& config) {
    const FluxImport r = importText(withConfig(config));
    EXPECT_TRUE(r.ok()) << errors(r);
    const std::string text = canonical(r);
    const size_t begin = text.find("defaults:");
    return text.substr(begin, text.find("components:") - begin);
  };
  // Storm runs ackers unless told not to; other Storm settings are its own.
  EXPECT_EQ(defaultsOf("  topology.workers: 3\n"), "defaults:\n  delivery: at-least-once\n");
  EXPECT_EQ(defaultsOf("  topology.acker.executors: 0\n"), "defaults:\n  delivery: at-most-once\n");
  EXPECT_EQ(defaultsOf("  topology.acker.executors: 2\n  topology.message.timeout.secs: 12\n"
                       "  topology.max.spout.pending: 64\n  topology.debug: true\n"),
            "defaults:\n  delivery: at-least-once\n  ack_timeout_ms: 12000\n  max_pending: 64\n");
}

TEST(FluxImport, ConfigOutOfTopolabsRangeIsAnErrorAtTheValue) {
  const FluxImport r = importText(withConfig("  topology.message.timeout.secs: 7200\n"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(errors(r), at("t.flux.yaml", 3, 34) +
                           "error: topology.message.timeout.secs: expected a whole number from 1 "
                           "to 3600 (the range TopoLab takes), got '7200'\n");
}

TEST(FluxImport, PropertiesFileAndEnvironmentSubstitute) {
  ASSERT_EQ(setenv("TOPOLAB_FLUX_TEST_PYTHON", "python3.11", 1), 0);
  FluxImportOptions options;
  options.properties_file = data("substitution.properties");
  options.env_substitution = true;
  const FluxImport r = importData("substitution.flux.yaml", options);
  unsetenv("TOPOLAB_FLUX_TEST_PYTHON");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(warnings(r), "");
  // name from `key = value`, pending from `key: value`, the script from a
  // continued line, a list element by index, the parallelism from `key value`,
  // and the program from the environment.
  EXPECT_EQ(canonical(r), R"(topolab: 1
name: substituted-topology
description: Imported from the Storm Flux file substitution.flux.yaml.
defaults:
  delivery: at-least-once
  max_pending: 250
components:
  - id: sentences
    type: shell-spout
    params: {command: [python3.11, sentence_spout.py], fields: [sentence]}
  - id: sink
    type: counter
    parallelism: 3
streams:
  - {from: sentences, to: sink, grouping: shuffle}
)");
}

TEST(FluxImport, WhatIsNotSubstitutedIsLeftAsItIsWithAWarning) {
  // Without -e, ${ENV-…} is not read; without --filter, nothing is.
  FluxImportOptions options;
  options.properties_file = data("substitution.properties");
  const FluxImport r = importData("substitution.flux.yaml", options);
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(warnings(r), at("substitution.flux.yaml", 8, 11) +
                             "warning: ${ENV-TOPOLAB_FLUX_TEST_PYTHON} is not substituted: "
                             "environment substitution is off (-e turns it on)\n");
  EXPECT_NE(canonical(r).find("command: [\"${ENV-TOPOLAB_FLUX_TEST_PYTHON}\", sentence_spout.py]"),
            std::string::npos)
      << canonical(r);

  const FluxImport none = importData("substitution.flux.yaml");
  EXPECT_FALSE(none.ok()) << "parallelism: ${sink.parallelism} is not a number";
  EXPECT_NE(errors(none).find(at("substitution.flux.yaml", 13, 18) +
                              "error: bolt 'sink': parallelism must be a whole number"),
            std::string::npos)
      << errors(none);
  EXPECT_NE(warnings(none).find(at("substitution.flux.yaml", 1, 8) +
                                "warning: ${topology.name} is not substituted: no properties file "
                                "(--filter names one)"),
            std::string::npos)
      << warnings(none);
}

TEST(FluxImport, IncludesMergeByTheirOverrideRules) {
  const FluxImport r = importData("include-main.flux.yaml");
  ASSERT_TRUE(r.ok()) << errors(r);
  // override: false keeps the main file's name, timeout and spout, and adds the
  // base's bolt, stream and spout pending; override: true replaces `store`
  // (parallelism 4) and adds the acker setting. Streams are always added.
  EXPECT_EQ(canonical(r), R"(topolab: 1
name: include-main
description: Imported from the Storm Flux file include-main.flux.yaml.
defaults:
  delivery: at-most-once
  ack_timeout_ms: 10000
  max_pending: 40
components:
  - id: events
    type: generator
    parallelism: 1
  - id: store
    type: counter
    parallelism: 4
  - id: extra
    type: work
    parallelism: 2
streams:
  - {from: events, to: store, grouping: shuffle}
  - {from: events, to: extra, grouping: all}
)");
  EXPECT_EQ(warnings(r),
            at("include-main.flux.yaml", 3, 11) +
                "warning: include 'include-base.flux.yaml': config "
                "'topology.message.timeout.secs' is already set; the include's value is ignored "
                "(override: false)\n" +
                at("include-main.flux.yaml", 3, 11) +
                "warning: include 'include-base.flux.yaml': spout 'events' is already defined; "
                "the include's definition is ignored (override: false)\n");
}

TEST(FluxImport, AnErrorInAnIncludeNamesTheIncludedFile) {
  const std::string dir =
      (fs::temp_directory_path() / ("flux-inc-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  std::ofstream(dir + "/main.flux.yaml") << "name: \"m\"\nincludes:\n  - file: \"part.flux.yaml\"\n"
                                            "spouts:\n  - {id: \"s\", className: "
                                            "\"org.topolab.flux.Generator\"}\n";
  std::ofstream(dir + "/part.flux.yaml") << "bolts:\n  - id: \"b\"\n    parallelism: 2\n";
  const FluxImport r = importFlux(dir + "/main.flux.yaml", {});
  fs::remove_all(dir);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(errors(r), dir +
                           "/part.flux.yaml:2:5: error: bolt 'b': missing 'className' (the Java "
                           "class of the bolt)\n");
}

TEST(FluxImport, JavaClassesBecomePlaceholdersWithOneWarningEach) {
  const FluxImport r = importData("placeholders.flux.yaml");
  ASSERT_TRUE(r.ok()) << errors(r);
  // A spout is a generator, a bolt that sends on a `work` of no cost, one
  // that does not a counter; the description says what each stands for.
  EXPECT_EQ(canonical(r), R"(topolab: 1
name: placeholders
description: "Imported from the Storm Flux file placeholders.flux.yaml. Placeholders for Java classes TopoLab does not run: words stands for the Java class org.apache.storm.testing.TestWordSpout; count stands for the Java class org.apache.storm.testing.TestWordCounter; log stands for the Java class org.apache.storm.flux.wrappers.bolts.LogInfoBolt."
defaults:
  delivery: at-least-once
components:
  - id: words
    type: generator
    parallelism: 2
  - id: count
    type: work
    params: {cost_us: 0}
  - id: log
    type: counter
streams:
  - {from: words, to: count, grouping: {type: fields, fields: [key]}}
  - {from: count, to: log, grouping: shuffle}
)");
  const std::string file = "placeholders.flux.yaml";
  EXPECT_EQ(warnings(r),
            at(file, 4, 16) +
                "warning: spout 'words': org.apache.storm.testing.TestWordSpout is a Java class "
                "TopoLab cannot run; imported as a placeholder: a generator of synthetic tuples "
                "(1000/s unless its rate is set)\n" +
                at(file, 8, 16) +
                "warning: bolt 'count': org.apache.storm.testing.TestWordCounter is a Java class "
                "TopoLab cannot run; imported as a placeholder: a 'work' bolt that passes every "
                "tuple on (cost_us 0: set its service time)\n" +
                at(file, 10, 16) +
                "warning: bolt 'log': org.apache.storm.flux.wrappers.bolts.LogInfoBolt is a Java "
                "class TopoLab cannot run; imported as a placeholder: a counter, the sink that "
                "counts tuples and measures their latency\n" +
                at(file, 16, 13) +
                "warning: stream words -> count: words emits key and value, not the fields of its "
                "Java class; grouped on key instead of word\n");
}

TEST(FluxImport, KafkaSpoutBecomesAKafkaSource) {
  const FluxImport r = importData("kafka.flux.yaml");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_NE(canonical(r).find(R"(  - id: clicks
    type: kafka-source
    parallelism: 3
    params: {topic: clicks, start: latest, group: click-counters}
)"),
            std::string::npos)
      << canonical(r);
  // The brokers belong to the cluster file, not the topology.
  EXPECT_EQ(warnings(r), at("kafka.flux.yaml", 6, 9) +
                             "warning: spout 'clicks': the Kafka bootstrap "
                             "'broker1:9092,broker2:9092' is not part of a TopoLab topology: name "
                             "it in the cluster file (kafka: {bootstrap: …}) or with `topolab run "
                             "--kafka`\n");
}

TEST(FluxImport, KafkaSpoutWithoutAReadableTopicIsAPlaceholder) {
  const FluxImport r = importText(R"(name: "k"
spouts:
  - id: "k"
    className: "org.apache.storm.kafka.spout.KafkaSpout"
    constructorArgs:
      - ref: "nowhere"
bolts:
  - {id: "a", className: "org.topolab.flux.Counter"}
streams:
  - {from: "k", to: "a", grouping: {type: SHUFFLE}}
)");
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_NE(canonical(r).find("  - id: k\n    type: generator\n"), std::string::npos);
  ASSERT_EQ(r.warnings.size(), 1u) << warnings(r);
  EXPECT_EQ(r.warnings[0].mark.line, 4);
  EXPECT_NE(r.warnings[0].message.find("its topic could not be read"), std::string::npos);
}

TEST(FluxImport, ErrorsNameFileLineAndColumn) {
  struct Case {
    const char* text;
    int line, col;
    const char* message;
  };
  const Case cases[] = {
      {"spouts:\n  - {id: \"s\", className: \"org.topolab.flux.Generator\"}\n", 1, 1,
       "missing 'name': a Flux topology needs one"},
      {"name: \"x\"\nspouts:\n  - id: \"s\"\n    parallelism: 1\n", 3, 5,
       "spout 's': missing 'className' (the Java class of the spout)"},
      {"name: \"x\"\nspouts:\n  - {id: \"s\", className: \"org.topolab.flux.Generator\"}\n"
       "streams:\n  - {from: \"s\", to: \"nowhere\", grouping: {type: SHUFFLE}}\n",
       5, 21, "stream s -> nowhere: unknown component 'nowhere'"},
      {"name: \"x\"\nspouts:\n  - {id: \"s\", className: \"org.topolab.flux.Generator\"}\n"
       "bolts:\n  - {id: \"a\", className: \"org.topolab.flux.Counter\"}\n"
       "streams:\n  - {from: \"s\", to: \"a\", grouping: {type: FIELDS}}\n",
       7, 43, "stream s -> a: a FIELDS grouping needs args"},
      {"name: \"x\"\nspouts:\n  - {id: \"s\", className: \"org.topolab.flux.Generator\"}\n"
       "bolts:\n  - {id: \"a\", className: \"org.topolab.flux.Counter\"}\n"
       "streams:\n  - {from: \"s\", to: \"a\", grouping: {type: SHUFLE}}\n",
       7, 43, "stream s -> a: unknown grouping type 'SHUFLE'"},
      {"name: \"x\"\nspouts:\n  - {id: \"s\", className: \"org.topolab.flux.Generator\"}\n"
       "bolts:\n  - {id: \"a\", className: \"org.topolab.flux.Counter\"}\n"
       "streams:\n  - {from: \"s\", to: \"a\"}\n",
       7, 5, "stream s -> a: missing 'grouping'"},
      {"name: \"x\"\nspouts:\n  - id: \"s\"\n    className: "
       "\"org.apache.storm.flux.wrappers.spouts.FluxShellSpout\"\n"
       "    constructorArgs: [\"python3 s.py\", [\"word\"]]\n",
       5, 23, "spout 's': the command line must be a list of strings"},
      {"name: \"x\"\nbolts:\n  - {id: \"b\", className: "
       "\"org.apache.storm.flux.wrappers.spouts.FluxShellSpout\", constructorArgs: [[\"a\"]]}\n",
       3, 26, "bolt 'b': FluxShellSpout is a spout class, listed under bolts"},
      {"name: \"x\"\nspouts:\n  - {id: \"s\", className: \"org.topolab.flux.Genrator\"}\n", 3, 26,
       "spout 's': 'org.topolab.flux.Genrator' is no TopoLab type (did you mean "
       "'org.topolab.flux.Generator'?)"},
      {"name: \"x\"\nspouts:\n  - {id: \"s\", className: \"org.topolab.flux.Generator\", "
       "parallelism: 0}\n",
       3, 69, "spout 's': parallelism must be a whole number from 1 to 1024, not '0'"},
      {"name: \"x\"\ntopologySource:\n  className: \"org.example.Topo\"\n", 2, 1,
       "topologySource: this topology is built by the Java class org.example.Topo"},
      {"- just\n- a list\n", 1, 1, "expected a mapping at the top of the Flux file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const FluxImport r = importText(c.text);
    EXPECT_FALSE(r.ok());
    ASSERT_EQ(r.errors.size(), 1u) << errors(r);
    EXPECT_EQ(r.errors[0].file, data("t.flux.yaml"));
    EXPECT_EQ(r.errors[0].mark.line, c.line) << errors(r);
    EXPECT_EQ(r.errors[0].mark.col, c.col) << errors(r);
    EXPECT_NE(r.errors[0].message.find(c.message), std::string::npos) << errors(r);
  }
}

TEST(FluxImport, ResourcesDefaultToTheFluxFilesFolderSeenFromTheOutput) {
  const std::string flux = R"(name: "r"
spouts:
  - id: "s"
    className: "org.apache.storm.flux.wrappers.spouts.FluxShellSpout"
    constructorArgs: [["python3", "s.py"]]
)";
  auto resourcesOf = [&](const std::string& flux_path, FluxImportOptions options) {
    const FluxImport r = importFluxText(flux, flux_path, options);
    EXPECT_TRUE(r.ok()) << errors(r);
    const ParamEntry* p = r.topology ? r.topology->components.at(0).param("resources") : nullptr;
    return p ? p->text : std::string("(none)");
  };
  FluxImportOptions options;
  options.output_path = "/lab/topologies/t.yaml";
  EXPECT_EQ(resourcesOf("/lab/topologies/t.flux.yaml", options), "(none)");
  EXPECT_EQ(resourcesOf("/lab/storm/src/main/resources/t.flux.yaml", options),
            "../storm/src/main/resources");
  EXPECT_EQ(resourcesOf("/elsewhere/t.flux.yaml", options), "/elsewhere");
  options.resources = "programs";  // --resources wins
  EXPECT_EQ(resourcesOf("/elsewhere/t.flux.yaml", options), "programs");
}

TEST(FluxImport, WordcountMultilangExampleImportsIntoAValidTopology) {
  const std::string dir = std::string(TOPOLAB_EXAMPLES_DIR) + "/wordcount-multilang";
  FluxImportOptions options;
  options.output_path = dir + "/wordcount-flux.yaml";
  const FluxImport r = importFlux(dir + "/wordcount.flux.yaml", options);
  ASSERT_TRUE(r.ok()) << errors(r);
  const Topology& t = *r.topology;
  EXPECT_TRUE(validateTopology(t, "t.yaml", Catalogue::instance()).empty());
  ASSERT_EQ(t.components.size(), 4u);
  EXPECT_EQ(t.component("sentences")->type, "shell-spout");
  EXPECT_EQ(t.component("split")->type, "shell-bolt");
  EXPECT_EQ(t.component("count")->type, "shell-bolt");
  EXPECT_EQ(t.component("count")->param("command")->text, "[node, word_count.js]");
  EXPECT_EQ(t.component("count")->param("resources"), nullptr) << "the example's own folder";
  EXPECT_EQ(t.delivery(), Delivery::AtLeastOnce);
  for (const char* program : {"sentence_spout.py", "split_sentence.py", "word_count.js"}) {
    EXPECT_TRUE(fs::exists(dir + "/" + program)) << program;
  }
  // Only the Storm logging bolt is a placeholder.
  ASSERT_EQ(r.warnings.size(), 1u) << warnings(r);
  EXPECT_NE(r.warnings[0].message.find("LogInfoBolt"), std::string::npos);

  // The same topology as the example's own file: components, programs and streams.
  const LoadResult example = loadTopologyFile(dir + "/wordcount-multilang.yaml");
  ASSERT_TRUE(example.ok()) << allErrors(example.errors);
  const Topology& e = *example.topology;
  ASSERT_EQ(e.components.size(), t.components.size());
  for (size_t i = 0; i < e.components.size(); ++i) {
    const Component &a = e.components[i], &b = t.components[i];
    SCOPED_TRACE(a.id);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.instances(), b.instances());
    for (const char* param : {"command", "fields", "env"}) {
      const ParamEntry *pa = a.param(param), *pb = b.param(param);
      EXPECT_EQ(pa ? pa->text : "", pb ? pb->text : "") << param;
    }
  }
  ASSERT_EQ(e.streams.size(), t.streams.size());
  for (size_t i = 0; i < e.streams.size(); ++i) {
    EXPECT_EQ(e.streams[i].from, t.streams[i].from);
    EXPECT_EQ(e.streams[i].to, t.streams[i].to);
    EXPECT_EQ(e.streams[i].grouping.type, t.streams[i].grouping.type);
    EXPECT_EQ(e.streams[i].grouping.fields, t.streams[i].grouping.fields);
  }
  EXPECT_EQ(e.delivery(), t.delivery());
  EXPECT_EQ(e.ackTimeoutMs(), t.ackTimeoutMs());
}

TEST(FluxExport, EveryExampleRoundTrips) {
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(TOPOLAB_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    const LoadResult original = loadTopologyFile(entry.path().string());
    ASSERT_TRUE(original.ok()) << allErrors(original.errors);
    const FluxImport back = roundTrip(*original.topology);
    ASSERT_TRUE(back.ok()) << errors(back);
    EXPECT_EQ(canonical(back), withoutLayout(*original.topology));
    ++seen;
  }
  EXPECT_GE(seen, 5);
}

const char* kShellTopology = R"(topolab: 1
name: shell
description: "Programs: spout, split and count"
defaults:
  delivery: at-least-once
  metrics_interval_ms: 500
  ack_timeout_ms: 1500
  max_pending: 300
  restart: {max: 5, within_s: 30}
components:
  - id: count
    type: shell-bolt
    params: {max_pending: 10, command: [node, count.js], fields: [word, n]}
  - id: sentences
    type: shell-spout
    parallelism: 2
    params: {command: [python3, spout.py], fields: [sentence], env: {RATE: "2000", LANG: C.UTF-8}, heartbeat_ms: 250}
    placement: [node-a, node-b]
  - id: split
    type: shell-bolt
    parallelism: 3
    params: {command: [python3, "my split.py"], fields: [word], resources: programs, timeout_ms: 900}
  - id: store
    type: counter
streams:
  - {from: sentences, to: split}
  - {from: split, to: count, stream: words, grouping: {type: fields, fields: [word]}, transport: kafka}
  - {from: count, to: store, grouping: {type: shuffle}}
slo:
  throughput_min: 1e4
  p99_ms_max: 20
)";

TEST(FluxExport, AShellTopologyRoundTrips) {
  const LoadResult original = parse(kShellTopology);
  ASSERT_TRUE(original.ok()) << allErrors(original.errors);
  std::vector<std::string> export_warnings;
  const FluxImport back = roundTrip(*original.topology, &export_warnings);
  ASSERT_TRUE(back.ok()) << errors(back);
  EXPECT_EQ(canonical(back), kShellTopology);
  EXPECT_EQ(warnings(back), "");
  // Only the counter is a type Storm lacks.
  ASSERT_EQ(export_warnings.size(), 1u);
  EXPECT_NE(export_warnings[0].find("'store' (counter) is written as org.topolab.flux.Counter"),
            std::string::npos);
}

TEST(FluxExport, ShellComponentsAreStormsShellWrappers) {
  const LoadResult original = parse(kShellTopology);
  ASSERT_TRUE(original.ok()) << allErrors(original.errors);
  const std::string flux = exportFlux(*original.topology);
  for (const char* expected : {
           "  - id: \"sentences\"\n"
           "    className: \"org.apache.storm.flux.wrappers.spouts.FluxShellSpout\"\n"
           "    constructorArgs:\n"
           "      - [\"python3\", \"spout.py\"]\n"
           "      - [\"sentence\"]\n"
           "    configMethods:\n"
           "      - name: \"setEnv\"\n"
           "        args:\n"
           "          - {\"RATE\": \"2000\", \"LANG\": \"C.UTF-8\"}\n"
           "    parallelism: 2\n",
           "    className: \"org.apache.storm.flux.wrappers.bolts.FluxShellBolt\"\n"
           "    constructorArgs:\n"
           "      - [\"python3\", \"my split.py\"]\n",
           "    grouping:\n      type: FIELDS\n      args: [\"word\"]\n      streamId: \"words\"\n",
           "  topology.message.timeout.secs: 2\n",
           "  topology.max.spout.pending: 300\n",
       }) {
    EXPECT_NE(flux.find(expected), std::string::npos) << expected << "\nin\n" << flux;
  }
  EXPECT_EQ(flux.find("topology.acker.executors"), std::string::npos) << "at-least-once";
}

TEST(FluxExport, AnEditedStormSettingWinsOverTheKeptOne) {
  const LoadResult original = parse(kShellTopology);
  ASSERT_TRUE(original.ok()) << allErrors(original.errors);
  std::string flux = exportFlux(*original.topology);
  const std::string from = "  topology.message.timeout.secs: 2\n";
  flux.replace(flux.find(from), from.size(),
               "  topology.message.timeout.secs: 60\n  topology.acker.executors: 0\n");
  const FluxImport back = importFluxText(flux, data("edited.flux.yaml"), {data("out.yaml")});
  ASSERT_TRUE(back.ok()) << errors(back);
  EXPECT_EQ(back.topology->delivery(), Delivery::AtMostOnce);
  EXPECT_EQ(back.topology->ackTimeoutMs(), 60000);
  EXPECT_EQ(back.topology->defaults->metrics_interval_ms, 500) << "TopoLab's own settings stay";
}

TEST(FluxExport, PlaceholdersGoBackToTheirJavaClass) {
  const FluxImport imported = importData("placeholders.flux.yaml");
  ASSERT_TRUE(imported.ok()) << errors(imported);
  std::vector<std::string> export_warnings;
  const std::string flux = exportFlux(*imported.topology, Catalogue::instance(), &export_warnings);
  EXPECT_NE(flux.find("    className: \"org.apache.storm.testing.TestWordCounter\"\n"),
            std::string::npos)
      << flux;
  EXPECT_NE(flux.find("    className: \"org.apache.storm.flux.wrappers.bolts.LogInfoBolt\"\n"),
            std::string::npos)
      << flux;
  EXPECT_TRUE(export_warnings.empty()) << "Storm has these classes";
  const FluxImport back = importFluxText(flux, data("exported.flux.yaml"), {data("out.yaml")});
  ASSERT_TRUE(back.ok()) << errors(back);
  EXPECT_EQ(canonical(back), canonical(imported));
  // A placeholder modelled further (a service time) keeps its model.
  Topology modelled = *imported.topology;
  modelled.components[1].params[0].text = "250";
  const FluxImport again = roundTrip(modelled);
  ASSERT_TRUE(again.ok()) << errors(again);
  EXPECT_EQ(canonical(again), writeTopology(modelled));
}

TEST(FluxExport, ClassNamesOfBuiltInTypes) {
  EXPECT_EQ(fluxClassOf("window-count"), "org.topolab.flux.WindowCount");
  EXPECT_EQ(fluxClassOf("kafka-source"), "org.topolab.flux.KafkaSource");
  EXPECT_EQ(fluxClassOf("counter"), "org.topolab.flux.Counter");
}

}  // namespace
}  // namespace topolab::testing
