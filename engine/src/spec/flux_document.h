// Reading a Storm Flux file the way Flux's own parser does before anything is
// built: `${…}` substitution line by line (from a properties file and the
// environment), the YAML, and includes merged by their override rules. The
// mapping to a topology (flux_import.cpp) works on the merged result.
#pragma once

#include <yaml-cpp/node/node.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/flux.h"

namespace topolab::spec::flux {

// Java classes the importer maps and the exporter writes.
inline constexpr std::string_view kShellSpoutClass =
    "org.apache.storm.flux.wrappers.spouts.FluxShellSpout";
inline constexpr std::string_view kShellBoltClass =
    "org.apache.storm.flux.wrappers.bolts.FluxShellBolt";
inline constexpr std::string_view kTopolabPackage = "org.topolab.flux.";

inline constexpr std::string_view kKafkaSpoutClass = "org.apache.storm.kafka.spout.KafkaSpout";
inline constexpr std::string_view kKafkaConfigClass =
    "org.apache.storm.kafka.spout.KafkaSpoutConfig";
inline constexpr std::string_view kKafkaBuilderClass =
    "org.apache.storm.kafka.spout.KafkaSpoutConfig$Builder";

// TopoLab's settings that Storm has no place for, kept in the topology's
// `config` under `topolab.` keys (every Flux version takes any key there and
// Storm passes unknown keys on unread; per-component `config` is too new to
// rely on). kFormatKey marks a file TopoLab exported: its defaults then come
// from kDefaultsKey, and its description from kDescriptionKey.
inline constexpr std::string_view kFormatKey = "topolab.format";
inline constexpr std::string_view kDescriptionKey = "topolab.description";
inline constexpr std::string_view kDefaultsKey = "topolab.defaults";  // the `defaults` mapping
inline constexpr std::string_view kSloKey = "topolab.slo";            // the `slo` mapping
// ID: {type, params, param_order, placement}: what a component's Java class,
// constructor args and config methods do not say.
inline constexpr std::string_view kComponentsKey = "topolab.components";
// The components' order when it is not "spouts, then bolts".
inline constexpr std::string_view kComponentOrderKey = "topolab.component_order";
// "FROM -> TO": {grouping, transport}: a grouping written otherwise than its
// Storm type reads back, and a transport.
inline constexpr std::string_view kStreamsKey = "topolab.streams";

// Written into an imported topology's description for each placeholder, and
// read back from it by the exporter: "ID stands for the Java class CLASS".
inline constexpr std::string_view kStandsFor = " stands for the Java class ";

// The key of a stream in kStreamsKey: "FROM -> TO", or "FROM:STREAM -> TO".
inline std::string streamKey(std::string_view from, std::string_view stream_id,
                             std::string_view to) {
  std::string key(from);
  if (!stream_id.empty()) key.append(":").append(stream_id);
  return key.append(" -> ").append(to);
}

// A Flux topology spreads over several files (includes, the properties file),
// but Mark and the validator know one file. So the marks used while importing
// carry the file's index in their line: line + index * kFileStride. The
// Reporter turns them back into a file name and a line. (No file the importer
// reads has that many lines: they are capped at kMaxFileBytes.)
inline constexpr int kFileStride = 10'000'000;

// Collects errors and warnings with encoded marks.
class Reporter {
 public:
  int addFile(std::string path);
  const std::string& file(int index) const { return files_[static_cast<size_t>(index)]; }

  // The node's position in file `index`, encoded.
  static Mark at(const YAML::Node& node, int index);
  static Mark at(Mark raw, int index);

  void error(Mark encoded, std::string message);
  void warning(Mark encoded, std::string message);
  bool hasErrors() const { return !errors_.empty(); }

  // Diagnostics from the validator, which saw encoded marks: decoded, and a
  // "line N" in their text made readable.
  void addValidatorErrors(const std::vector<Diagnostic>& diagnostics);

  // Decoded, each list sorted by file (in the order they were read) and position.
  std::vector<Diagnostic> takeErrors();
  std::vector<Diagnostic> takeWarnings();

  static Mark decode(Mark encoded) { return Mark{encoded.line % kFileStride, encoded.col}; }

 private:
  std::vector<Diagnostic> finish(std::vector<Diagnostic>& list) const;

  std::vector<std::string> files_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

// One spout, bolt or component ("bean") definition.
struct Vertex {
  std::string id;
  YAML::Node node;  // its mapping
  int file = 0;
};

// One key of the topology's `config`.
struct ConfigEntry {
  std::string key;
  YAML::Node value;
  Mark key_mark;  // encoded
  int file = 0;
};

struct StreamDef {
  YAML::Node node;
  int file = 0;
};

// A Flux topology after includes: Flux's TopologyDef, with positions.
struct Document {
  std::optional<std::string> name;
  Mark name_mark;  // encoded
  Mark root_mark;  // encoded, of the main file's top mapping
  std::vector<ConfigEntry> config;
  std::vector<Vertex> components;
  std::vector<Vertex> spouts;
  std::vector<Vertex> bolts;
  std::vector<StreamDef> streams;
};

// Reads `text` (the file `path`, which the caller registered with the
// reporter as file 0) with its includes, substituting as `options` asks;
// nullopt after reporting why there is no topology to map.
std::optional<Document> readDocument(std::string_view text, const std::string& path,
                                     const FluxImportOptions& options, Reporter& reporter);

// A file's text (at most kMaxFileBytes), or nullopt with `why` set.
std::optional<std::string> readText(const std::string& path, std::string* why);

// A mapping's entries in file order (keys that are not plain names skipped).
struct NodeEntry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};
std::vector<NodeEntry> entriesOf(const YAML::Node& map);

// The value under `key` in `map`, if any. (operator[] on a missing key of a
// const node gives a node that throws when asked anything.)
std::optional<YAML::Node> valueAt(const YAML::Node& map, std::string_view key);

// Quoted and `!!str`-tagged scalars are strings whatever they look like.
bool isQuoted(const YAML::Node& node);

// "a mapping", "a list", "nothing", "a single value"
std::string kindOf(const YAML::Node& node);

}  // namespace topolab::spec::flux
