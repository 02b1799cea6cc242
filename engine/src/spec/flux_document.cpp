// Reading Flux files: Java properties, `${…}` substitution, the YAML of one
// file, and includes merged by Flux's rules (FluxParser.processIncludes).
#include "spec/flux_document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "spec/prescan.h"
#include "spec/scalars.h"
#include "spec/yaml_document.h"

namespace topolab::spec::flux {

int Reporter::addFile(std::string path) {
  files_.push_back(std::move(path));
  return static_cast<int>(files_.size()) - 1;
}

Mark Reporter::at(const YAML::Node& node, int index) { return at(toMark(node.Mark()), index); }

Mark Reporter::at(Mark raw, int index) { return Mark{raw.line + index * kFileStride, raw.col}; }

void Reporter::error(Mark encoded, std::string message) {
  errors_.push_back(Diagnostic{"", encoded, std::move(message)});
}

void Reporter::warning(Mark encoded, std::string message) {
  warnings_.push_back(Diagnostic{"", encoded, std::move(message)});
}

void Reporter::addValidatorErrors(const std::vector<Diagnostic>& diagnostics) {
  for (Diagnostic d : diagnostics) {
    // The validator names earlier definitions by line ("first defined at line
    // N"); an encoded line is made "line N of FILE".
    for (size_t pos = d.message.find("line "); pos != std::string::npos;
         pos = d.message.find("line ", pos + 5)) {
      size_t end = pos + 5;
      while (end < d.message.size() && std::isdigit(static_cast<unsigned char>(d.message[end])))
        ++end;
      const auto line = parseInt64(std::string_view(d.message).substr(pos + 5, end - pos - 5));
      if (!line || *line < kFileStride) continue;
      const int index = static_cast<int>(*line / kFileStride);
      if (index >= static_cast<int>(files_.size())) continue;
      d.message.replace(pos, end - pos,
                        "line " + std::to_string(*line % kFileStride) + " of " + file(index));
    }
    d.file.clear();
    errors_.push_back(std::move(d));
  }
}

std::vector<Diagnostic> Reporter::finish(std::vector<Diagnostic>& list) const {
  auto key = [](const Diagnostic& d) {
    const int index = d.mark.line / kFileStride;
    const int line = d.mark.line % kFileStride;
    return std::tuple(index, line > 0 ? line : INT_MAX, d.mark.col);
  };
  std::stable_sort(list.begin(), list.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  std::vector<Diagnostic> out;
  out.reserve(list.size());
  for (Diagnostic& d : list) {
    const int index = d.mark.line / kFileStride;
    d.file = index < static_cast<int>(files_.size()) ? file(index) : files_.front();
    d.mark = decode(d.mark);
    out.push_back(std::move(d));
  }
  list.clear();
  return out;
}

std::vector<Diagnostic> Reporter::takeErrors() { return finish(errors_); }
std::vector<Diagnostic> Reporter::takeWarnings() { return finish(warnings_); }

std::vector<NodeEntry> entriesOf(const YAML::Node& map) {
  std::vector<NodeEntry> out;
  if (!map.IsMap()) return out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    out.push_back(NodeEntry{it->first.Scalar(), it->first, it->second});
  }
  return out;
}

std::optional<YAML::Node> valueAt(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return std::nullopt;
}

bool isQuoted(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "!" || tag == "tag:yaml.org,2002:str";
}

std::string kindOf(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return "a single value";
}

namespace {

namespace fs = std::filesystem;

using Properties = std::map<std::string, std::string, std::less<>>;

}  // namespace

std::optional<std::string> readText(const std::string& path, std::string* why) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    *why = "it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 16];
  while (text.size() <= kMaxFileBytes) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (in.eof()) break;
    if (!in) {
      *why = std::strerror(errno);
      return std::nullopt;
    }
  }
  if (text.size() > kMaxFileBytes) {
    *why = "it is larger than " + std::to_string(kMaxFileBytes / (1024 * 1024)) + " MiB";
    return std::nullopt;
  }
  return text;
}

namespace {

// ---- Java properties (java.util.Properties.load) ----------------------------

bool isPropertiesBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Natural lines joined where a line ends in an odd number of backslashes;
// the continuation's leading blanks are dropped, as Java does.
std::vector<std::string> logicalLines(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  bool continuing = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    size_t first = 0;
    while (first < line.size() && isPropertiesBlank(line[first])) ++first;
    line.remove_prefix(first);
    if (!continuing && (line.empty() || line.front() == '#' || line.front() == '!')) {
      // blank or comment
    } else {
      size_t backslashes = 0;
      while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\')
        ++backslashes;
      if (backslashes % 2 == 1) {
        current.append(line.substr(0, line.size() - 1));
        continuing = true;
      } else {
        current.append(line);
        out.push_back(std::move(current));
        current.clear();
        continuing = false;
      }
    }
    if (end == text.size()) break;
    pos = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
  }
  if (continuing) out.push_back(std::move(current));
  return out;
}

void appendUtf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

// Reads one key or value starting at `pos`, resolving escapes; a key stops
// at an unescaped '=', ':' or blank.
std::string unescapeUntil(std::string_view line, size_t& pos, bool key) {
  std::string out;
  while (pos < line.size()) {
    const char c = line[pos];
    if (key && (c == '=' || c == ':' || isPropertiesBlank(c))) break;
    ++pos;
    if (c != '\\' || pos == line.size()) {
      out += c;
      continue;
    }
    const char e = line[pos++];
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        unsigned code = 0;
        size_t digits = 0;
        while (digits < 4 && pos < line.size() &&
               std::isxdigit(static_cast<unsigned char>(line[pos]))) {
          const char h = static_cast<char>(std::tolower(static_cast<unsigned char>(line[pos])));
          code = code * 16 + static_cast<unsigned>(h <= '9' ? h - '0' : h - 'a' + 10);
          ++pos;
          ++digits;
        }
        appendUtf8(out, code);
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

Properties parseProperties(std::string_view text) {
  Properties out;
  for (const std::string& line : logicalLines(text)) {
    size_t pos = 0;
    std::string key = unescapeUntil(line, pos, true);
    while (pos < line.size() && isPropertiesBlank(line[pos])) ++pos;
    if (pos < line.size() && (line[pos] == '=' || line[pos] == ':')) ++pos;
    while (pos < line.size() && isPropertiesBlank(line[pos])) ++pos;
    out[std::move(key)] = unescapeUntil(line, pos, false);
  }
  return out;
}

// ---- ${…} substitution -----------------------------------------------------

// Element `index` of a property written as a list, `["a", "b"]`, as Flux reads
// it: split at commas, trimmed, the quotes around each element dropped.
std::optional<std::string> listElement(std::string_view list, size_t index) {
  const size_t open = list.find('['), close = list.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  std::string_view inner = list.substr(open + 1, close - open - 1);
  size_t i = 0, start = 0;
  while (true) {
    const size_t comma = inner.find(',', start);
    if (i == index) {
      std::string_view item = inner.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
        item.remove_prefix(1);
      while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())))
        item.remove_suffix(1);
      if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') &&
          item.back() == item.front()) {
        item = item.substr(1, item.size() - 2);
      }
      return std::string(item);
    }
    if (comma == std::string_view::npos) return std::nullopt;
    start = comma + 1;
    ++i;
  }
}

class Substituter {
 public:
  Substituter(const Properties* properties, bool env, Reporter& reporter)
      : properties_(properties), env_(env), reporter_(reporter) {}

  // Flux substitutes line by line before the YAML is parsed. Unlike Flux,
  // which replaces only the last `${…}` of a line, every one is replaced; what
  // has no value is left as it is, as Flux leaves it, with a warning.
  std::string run(std::string_view text, int file) {
    std::string out;
    out.reserve(text.size());
    int line_no = 1;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      out += line(text.substr(pos, end - pos), line_no, file);
      if (end == text.size()) break;
      out += '\n';
      pos = end + 1;
      ++line_no;
    }
    return out;
  }

 private:
  std::string line(std::string_view s, int line_no, int file) {
    const size_t first = s.find_first_not_of(" \t");
    if (first != std::string_view::npos && s[first] == '#') return std::string(s);  // a comment
    std::string out;
    size_t pos = 0;
    while (true) {
      const size_t open = s.find("${", pos);
      const size_t close = open == std::string_view::npos ? open : s.find('}', open + 2);
      if (close == std::string_view::npos) {
        out.append(s.substr(pos));
        return out;
      }
      out.append(s.substr(pos, open - pos));
      const std::string_view var = s.substr(open + 2, close - open - 2);
      const Mark at = Reporter::at(Mark{line_no, static_cast<int>(open) + 1}, file);
      if (std::optional<std::string> value = resolve(var, at)) {
        out += *value;
      } else {
        out.append(s.substr(open, close + 1 - open));
      }
      pos = close + 1;
    }
  }

  std::optional<std::string> resolve(std::string_view var, Mark at) {
    const std::string shown = "${" + std::string(var) + "}";
    if (var.starts_with("ENV-") && var.size() > 4) {
      const std::string name(var.substr(4));
      if (env_) {
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        reporter_.warning(at, shown + " is not substituted: environment variable " + name +
                                  " is not set (left as it is, as Flux does)");
        return std::nullopt;
      }
      if (!properties_ || !properties_->count(var)) {
        reporter_.warning(at, shown +
                                  " is not substituted: environment substitution is off "
                                  "(-e turns it on)");
        return std::nullopt;
      }
    }
    if (!properties_) {
      reporter_.warning(at, shown + " is not substituted: no properties file (--filter names one)");
      return std::nullopt;
    }
    // `${name[2]}`: element 2 of a property written as a list.
    if (var.size() > 3 && var.back() == ']') {
      const size_t open = var.rfind('[');
      const std::string_view digits = open == std::string_view::npos
                                          ? std::string_view()
                                          : var.substr(open + 1, var.size() - open - 2);
      if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          })) {
        const auto it = properties_->find(var.substr(0, open));
        if (it == properties_->end()) {
          reporter_.warning(at, shown + " is not substituted: the properties file has no '" +
                                    std::string(var.substr(0, open)) + "' (left as it is)");
          return std::nullopt;
        }
        const auto index = parseInt64(digits);
        auto item = index ? listElement(it->second, static_cast<size_t>(*index)) : std::nullopt;
        if (!item) {
          reporter_.warning(at, shown + " is not substituted: property '" + it->first + "' (" +
                                    quoteForMessage(it->second) + ") has no element " +
                                    std::string(digits) + " (left as it is)");
        }
        return item;
      }
    }
    const auto it = properties_->find(var);
    if (it == properties_->end()) {
      reporter_.warning(at, shown + " is not substituted: the properties file has no '" +
                                std::string(var) + "' (left as it is, as Flux does)");
      return std::nullopt;
    }
    return it->second;
  }

  const Properties* properties_;
  bool env_;
  Reporter& reporter_;
};

// ---- one Flux file ----------------------------------------------------------

struct Include {
  std::string file;
  bool resource = false;
  bool override_ = false;
  Mark mark;  // encoded, of `file`'s value
};

// One Flux file's top level, before includes are merged.
struct FileDef {
  Document doc;
  std::vector<Include> includes;
};

const std::vector<std::string_view> kTopKeys{"name",     "config",         "components",
                                             "spouts",   "bolts",          "streams",
                                             "includes", "topologySource", "workerHooks"};

class FileReader {
 public:
  FileReader(int file, bool main, Reporter& reporter) : file_(file), main_(main), r_(reporter) {}

  std::optional<FileDef> read(std::string_view text) {
    std::vector<Diagnostic> yaml_errors;
    std::optional<YAML::Node> root = loadOneDocument(text, r_.file(file_), yaml_errors);
    for (Diagnostic& d : yaml_errors) {
      // The topology file's hint names TopoLab's format; a Flux file is told apart.
      if (d.message.starts_with("empty file")) {
        d.message = "empty file: a Flux file is a mapping with name, spouts, bolts and streams";
      }
      r_.error(Reporter::at(d.mark, file_), d.message);
    }
    if (!root) return std::nullopt;
    if (!root->IsMap()) {
      r_.error(at(*root),
               "expected a mapping at the top of the Flux file (name, spouts, bolts, "
               "streams), got " +
                   kindOf(*root));
      return std::nullopt;
    }
    FileDef def;
    def.doc.root_mark = at(*root);
    for (const NodeEntry& e : entriesOf(*root)) {
      const Mark key_mark = at(e.key_node);
      if (e.key == "name") {
        if (e.value.IsScalar()) {
          def.doc.name = e.value.Scalar();
          def.doc.name_mark = at(e.value);
        } else {
          r_.error(key_mark, "'name' must be a single value, not " + kindOf(e.value));
        }
      } else if (e.key == "config") {
        readConfig(e, def.doc);
      } else if (e.key == "components") {
        readVertices(e, "component", def.doc.components);
      } else if (e.key == "spouts") {
        readVertices(e, "spout", def.doc.spouts);
      } else if (e.key == "bolts") {
        readVertices(e, "bolt", def.doc.bolts);
      } else if (e.key == "streams") {
        readStreams(e, def.doc);
      } else if (e.key == "includes") {
        readIncludes(e, def.includes);
      } else if (e.key == "topologySource") {
        const auto cls = valueAt(e.value, "className");
        r_.error(key_mark, "topologySource: this topology is built by the Java class " +
                               (cls && cls->IsScalar() ? cls->Scalar() : std::string("it names")) +
                               "; TopoLab imports topologies defined in YAML (spouts, bolts and "
                               "streams)");
      } else if (e.key == "workerHooks") {
        r_.warning(key_mark, "workerHooks: worker hooks have no TopoLab equivalent; ignored");
      } else {
        r_.warning(key_mark, "unknown key " + quoteForMessage(e.key) +
                                 " ignored (Flux itself refuses it; expected " +
                                 joinList(kTopKeys) + ")" + didYouMean(e.key, kTopKeys));
      }
    }
    return def;
  }

 private:
  Mark at(const YAML::Node& n) const { return Reporter::at(n, file_); }

  void readConfig(const NodeEntry& e, Document& doc) {
    if (e.value.IsNull()) return;
    if (!e.value.IsMap()) {
      r_.error(at(e.value), "'config' must be a mapping of Storm settings, not " + kindOf(e.value));
      return;
    }
    for (const NodeEntry& c : entriesOf(e.value)) {
      auto same = [&](const ConfigEntry& x) { return x.key == c.key; };
      if (auto it = std::find_if(doc.config.begin(), doc.config.end(), same);
          it != doc.config.end()) {
        *it = ConfigEntry{c.key, c.value, at(c.key_node), file_};  // the later one wins, as in Java
        continue;
      }
      doc.config.push_back(ConfigEntry{c.key, c.value, at(c.key_node), file_});
    }
  }

  void readVertices(const NodeEntry& e, const std::string& what, std::vector<Vertex>& out) {
    if (e.value.IsNull()) return;
    if (!e.value.IsSequence()) {
      r_.error(at(e.value),
               "'" + e.key + "' must be a list of {id, className} entries, not " + kindOf(e.value));
      return;
    }
    size_t index = 0;
    for (const YAML::Node& item : e.value) {
      ++index;
      if (!item.IsMap()) {
        r_.error(at(item), what + " #" + std::to_string(index) +
                               ": expected a mapping with 'id' and 'className', got " +
                               kindOf(item));
        continue;
      }
      const auto id = valueAt(item, "id");
      if (!id || !id->IsScalar() || id->Scalar().empty()) {
        r_.error(at(item), what + " #" + std::to_string(index) + ": missing 'id'");
        continue;
      }
      const auto cls = valueAt(item, "className");
      if (what != "component" && (!cls || !cls->IsScalar() || cls->Scalar().empty())) {
        r_.error(at(item), what + " '" + id->Scalar() + "': missing 'className' (the Java class " +
                               "of the " + what + ")");
        continue;
      }
      auto same = [&](const Vertex& v) { return v.id == id->Scalar(); };
      if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) {
        // Flux keeps these in a map by id: the later definition replaces the earlier one.
        r_.warning(at(item), what + " '" + id->Scalar() + "' is defined twice; this definition " +
                                 "replaces the one at line " +
                                 std::to_string(Reporter::decode(at(it->node)).line) +
                                 ", as in Flux");
        *it = Vertex{id->Scalar(), item, file_};
        continue;
      }
      out.push_back(Vertex{id->Scalar(), item, file_});
    }
  }

  void readStreams(const NodeEntry& e, Document& doc) {
    if (e.value.IsNull()) return;
    if (!e.value.IsSequence()) {
      r_.error(at(e.value),
               "'streams' must be a list of {from, to, grouping} entries, not " + kindOf(e.value));
      return;
    }
    for (const YAML::Node& item : e.value) doc.streams.push_back(StreamDef{item, file_});
  }

  void readIncludes(const NodeEntry& e, std::vector<Include>& out) {
    if (!main_) {
      r_.warning(at(e.key_node),
                 "includes of an included file are not followed (nor are they "
                 "by Flux)");
      return;
    }
    if (e.value.IsNull()) return;
    if (!e.value.IsSequence()) {
      r_.error(at(e.value),
               "'includes' must be a list of {file, resource, override} entries, "
               "not " +
                   kindOf(e.value));
      return;
    }
    for (const YAML::Node& item : e.value) {
      const auto file = valueAt(item, "file");
      if (!item.IsMap() || !file || !file->IsScalar() || file->Scalar().empty()) {
        r_.error(at(item), "an include needs 'file', e.g. {file: common.yaml, override: false}");
        continue;
      }
      Include inc{file->Scalar(), false, false, at(*file)};
      for (const NodeEntry& k : entriesOf(item)) {
        if (k.key == "resource" || k.key == "override") {
          const bool v =
              k.value.IsScalar() && (k.value.Scalar() == "true" || k.value.Scalar() == "True" ||
                                     k.value.Scalar() == "TRUE");
          (k.key == "resource" ? inc.resource : inc.override_) = v;
        } else if (k.key != "file") {
          r_.warning(at(k.key_node), "unknown include key " + quoteForMessage(k.key) +
                                         " ignored (expected file, resource, override)");
        }
      }
      out.push_back(std::move(inc));
    }
  }

  int file_;
  bool main_;
  Reporter& r_;
};

// ---- merging includes (FluxParser.processIncludes) --------------------------

void mergeVertices(std::vector<Vertex>& into, std::vector<Vertex> from, bool override_,
                   const std::string& what, const Include& inc, Reporter& r) {
  for (Vertex& v : from) {
    auto same = [&](const Vertex& x) { return x.id == v.id; };
    auto it = std::find_if(into.begin(), into.end(), same);
    if (it == into.end()) {
      into.push_back(std::move(v));
    } else if (override_) {
      *it = std::move(v);
    } else {
      r.warning(inc.mark, "include " + quoteForMessage(inc.file) + ": " + what + " '" + v.id +
                              "' is already defined; the include's definition is ignored "
                              "(override: false)");
    }
  }
}

void merge(Document& doc, Document inc_doc, const Include& inc, Reporter& r) {
  if (inc_doc.name && (!doc.name || inc.override_)) {
    doc.name = inc_doc.name;
    doc.name_mark = inc_doc.name_mark;
  }
  for (ConfigEntry& c : inc_doc.config) {
    auto same = [&](const ConfigEntry& x) { return x.key == c.key; };
    auto it = std::find_if(doc.config.begin(), doc.config.end(), same);
    if (it == doc.config.end()) {
      doc.config.push_back(std::move(c));
    } else if (inc.override_) {
      *it = std::move(c);
    } else {
      r.warning(inc.mark, "include " + quoteForMessage(inc.file) + ": config " +
                              quoteForMessage(c.key) +
                              " is already set; the include's value is ignored (override: false)");
    }
  }
  mergeVertices(doc.components, std::move(inc_doc.components), inc.override_, "component", inc, r);
  mergeVertices(doc.bolts, std::move(inc_doc.bolts), inc.override_, "bolt", inc, r);
  mergeVertices(doc.spouts, std::move(inc_doc.spouts), inc.override_, "spout", inc, r);
  // Flux adds an include's streams whatever `override` says.
  for (StreamDef& s : inc_doc.streams) doc.streams.push_back(std::move(s));
}

// Where an include's file is: Flux opens it relative to the current
// directory; TopoLab looks next to the including file first, so a topology
// can be imported from anywhere. A classpath resource (resource: true) is
// looked for the same way, without its leading '/'.
std::vector<fs::path> includeCandidates(const Include& inc, const fs::path& folder) {
  fs::path p = inc.file;
  if (inc.resource) {
    std::string s = inc.file;
    while (!s.empty() && s.front() == '/') s.erase(s.begin());
    p = s;
  }
  if (p.is_absolute()) return {p};
  return {folder / p, fs::current_path() / p};
}

std::optional<std::string> substituted(std::string_view text, int file, const Properties* props,
                                       bool env, Reporter& r) {
  if (auto d = prescanText(text, r.file(file))) {
    r.error(Reporter::at(d->mark, file), d->message);
    return std::nullopt;
  }
  return Substituter(props, env, r).run(text, file);
}

}  // namespace

std::optional<Document> readDocument(std::string_view text, const std::string& path,
                                     const FluxImportOptions& options, Reporter& r) {
  const int main_file = 0;  // the caller registered `path` first
  std::optional<Properties> properties;
  if (!options.properties_file.empty()) {
    const int props_file = r.addFile(options.properties_file);
    std::string why;
    const std::optional<std::string> props_text = readText(options.properties_file, &why);
    if (!props_text) {
      r.error(Reporter::at(Mark{}, props_file), "cannot read the properties file: " + why);
      return std::nullopt;
    }
    properties = parseProperties(*props_text);
  }
  const Properties* props = properties ? &*properties : nullptr;
  const std::optional<std::string> main_text =
      substituted(text, main_file, props, options.env_substitution, r);
  if (!main_text) return std::nullopt;
  std::optional<FileDef> main = FileReader(main_file, true, r).read(*main_text);
  if (!main) return std::nullopt;
  const fs::path folder = fs::path(path).parent_path();
  for (const Include& inc : main->includes) {
    std::optional<std::string> inc_text;
    std::string first_why, found;
    const std::vector<fs::path> candidates = includeCandidates(inc, folder);
    for (const fs::path& candidate : candidates) {
      std::string why;
      inc_text = readText(candidate.string(), &why);
      if (inc_text) {
        found = candidate.string();
        break;
      }
      if (first_why.empty()) first_why = why;
    }
    if (!inc_text) {
      std::string where;
      for (const fs::path& c : candidates) where += (where.empty() ? "" : ", ") + c.string();
      r.error(inc.mark, "cannot read include " + quoteForMessage(inc.file) + ": " + first_why +
                            " (looked for " + where + ")" +
                            (inc.resource ? "; a classpath resource is looked for as a file" : ""));
      continue;
    }
    const int inc_file = r.addFile(found);
    const std::optional<std::string> text2 =
        substituted(*inc_text, inc_file, props, options.env_substitution, r);
    if (!text2) continue;
    std::optional<FileDef> inc_def = FileReader(inc_file, false, r).read(*text2);
    if (!inc_def) continue;
    merge(main->doc, std::move(inc_def->doc), inc, r);
  }
  return std::move(main->doc);
}

}  // namespace topolab::spec::flux
