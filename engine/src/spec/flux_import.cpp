// A Flux document (flux_document.h) mapped to a TopoLab topology: spouts and
// bolts to components by their Java class, streams and groupings, Storm's
// topology config to `defaults`, and what an exported file keeps under
// `topolab.` keys back to where it came from. What maps to what is in
// docs/design-additions.md, "Flux".
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "spec/flux_document.h"
#include "spec/scalars.h"
#include "spec/yaml_document.h"
#include "topolab/engine/flux.h"

namespace topolab {
namespace spec::flux {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kAckerKey = "topology.acker.executors";
constexpr std::string_view kTimeoutKey = "topology.message.timeout.secs";
constexpr std::string_view kSpoutPendingKey = "topology.max.spout.pending";
constexpr std::string_view kShellPendingKey = "topology.shellbolt.max.pending";
constexpr std::string_view kSubprocessTimeoutKey = "topology.subprocess.timeout.secs";

const std::vector<std::string_view> kVertexKeys{
    "id",      "className",        "constructorArgs",  "parallelism", "numTasks",
    "config",  "properties",       "configMethods",    "factory",     "factoryArgs",
    "cpuLoad", "onHeapMemoryLoad", "offHeapMemoryLoad"};
const std::vector<std::string_view> kStreamKeys{"name", "from", "to", "grouping"};
const std::vector<std::string_view> kGroupingKeys{"type", "streamId", "args", "customClass"};
const std::vector<std::string_view> kGroupingTypes{
    "SHUFFLE", "FIELDS", "ALL", "GLOBAL", "LOCAL_OR_SHUFFLE", "NONE", "DIRECT", "CUSTOM"};
const std::vector<std::string_view> kTopolabKeys{kFormatKey, kDescriptionKey, kDefaultsKey,
                                                 kSloKey,    kComponentsKey,  kComponentOrderKey,
                                                 kStreamsKey};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A scalar's text, or nullopt for anything else.
std::optional<std::string> scalarOf(const YAML::Node& n) {
  if (!n.IsDefined() || !n.IsScalar()) return std::nullopt;
  return n.Scalar();
}

// A list of single values, as Java's String[] takes it.
std::optional<std::vector<std::string>> stringsOf(const YAML::Node& n) {
  if (!n.IsSequence()) return std::nullopt;
  std::vector<std::string> out;
  for (const YAML::Node& item : n) {
    if (!item.IsScalar()) return std::nullopt;
    out.push_back(item.Scalar());
  }
  return out;
}

// "Word Count" → "word-count": lowercase letters, digits and single dashes.
std::string topologyNameOf(std::string_view flux_name) {
  std::string out;
  for (char c : flux_name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "flux-topology" : out;
}

// A Flux id as a TopoLab component id: other characters become '_', and one
// that does not start with a letter gets a "c" in front.
std::string componentIdOf(std::string_view flux_id) {
  std::string out;
  for (char c : flux_id) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x80 && (std::isalnum(u) || c == '_' || c == '-')) ? c : '_';
  }
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out.front()))) out = "c" + out;
  return out;
}

std::string baseName(const std::string& path) { return fs::path(path).filename().string(); }

// Where the default `resources` points: the Flux file's folder seen from the
// output's folder; "" when they are the same folder.
std::string defaultResources(const std::string& flux_path, const std::string& output_path) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  auto folderOf = [&](const std::string& file) {
    fs::path p = fs::path(file).parent_path();
    if (p.empty()) p = ".";
    return fs::weakly_canonical(p.is_absolute() ? p : cwd / p, ec).lexically_normal();
  };
  const fs::path flux_dir = folderOf(flux_path);
  const fs::path out_dir = output_path.empty() ? cwd.lexically_normal() : folderOf(output_path);
  if (flux_dir == out_dir) return "";
  // Folders that share nothing below the root are named absolutely, not as ../../…
  auto a = flux_dir.begin(), b = out_dir.begin();
  int shared = 0;
  for (; a != flux_dir.end() && b != out_dir.end() && *a == *b; ++a, ++b) ++shared;
  if (shared <= 1) return flux_dir.string();
  fs::path rel = flux_dir.lexically_relative(out_dir);
  if (rel.empty()) return flux_dir.string();
  std::string s = rel.generic_string();
  if (s == ".") return "";
  return s;
}

// A bean (`components` entry) found through {ref: ID}.
struct Bean {
  YAML::Node node;
  int file = 0;
};

// What a vertex became, before streams are mapped.
struct Mapped {
  Component component;
  std::string flux_id;
  bool spout = false;
  bool placeholder = false;
  std::string java_class;  // placeholders
};

// A `topolab.components` entry.
struct ExtraOfComponent {
  YAML::Node node;
  int file = 0;
  bool used = false;
};

class Importer {
 public:
  Importer(const Document& doc, const std::string& path, const FluxImportOptions& options,
           const Catalogue& catalogue, Reporter& reporter)
      : doc_(doc), path_(path), options_(options), catalogue_(catalogue), r_(reporter) {}

  Topology run() {
    Topology t;
    t.version = kFormatVersion;
    readTopolabConfig();
    mapName(t);
    for (const Vertex& v : doc_.components) beans_[v.id] = Bean{v.node, v.file};
    for (const StreamDef& s : doc_.streams) {
      if (auto from = s.node.IsMap() ? valueAt(s.node, "from") : std::nullopt;
          from && from->IsScalar()) {
        sources_.insert(from->Scalar());
      }
    }
    if (doc_.spouts.empty() && doc_.bolts.empty() && !r_.hasErrors()) {
      r_.error(doc_.root_mark,
               "no spouts or bolts: a Flux topology to import defines 'spouts', "
               "'bolts' and 'streams' in YAML");
    }
    for (const Vertex& v : doc_.spouts) mapped_.push_back(mapVertex(v, true));
    for (const Vertex& v : doc_.bolts) mapped_.push_back(mapVertex(v, false));
    mapConfig(t);
    orderComponents(t);
    for (const StreamDef& s : doc_.streams) {
      if (std::optional<Stream> stream = mapStream(s)) t.streams.push_back(std::move(*stream));
    }
    for (auto& [id, extra] : extras_) {
      if (!extra.used) {
        r_.warning(Reporter::at(extra.node, extra.file),
                   std::string(kComponentsKey) + ": " + quoteForMessage(id) +
                       " is no spout or bolt of this file; ignored");
      }
    }
    for (auto& [key, entry] : stream_extras_) {
      if (!entry.used) {
        r_.warning(Reporter::at(entry.node, entry.file), std::string(kStreamsKey) + ": " +
                                                             quoteForMessage(key) +
                                                             " is no stream of this file; ignored");
      }
    }
    describe(t);
    return t;
  }

 private:
  Mark at(const YAML::Node& n, int file) const { return Reporter::at(n, file); }

  // ---- topolab.* keys ---------------------------------------------------------

  void readTopolabConfig() {
    for (const ConfigEntry& c : doc_.config) {
      if (!c.key.starts_with("topolab.")) continue;
      if (c.key == kFormatKey) {
        exported_ = true;
        const auto v = scalarOf(c.value);
        if (!v || *v != "1") {
          r_.warning(c.key_mark, std::string(kFormatKey) + ": this TopoLab reads format 1, not " +
                                     quoteForMessage(v.value_or("?")) +
                                     "; the topolab. keys are read as format 1");
        }
      } else if (c.key == kComponentsKey) {
        if (!c.value.IsMap()) {
          r_.error(at(c.value, c.file), std::string(kComponentsKey) +
                                            " must be a mapping of component ids, not " +
                                            kindOf(c.value));
          continue;
        }
        for (const NodeEntry& e : entriesOf(c.value)) {
          if (!e.value.IsMap()) {
            r_.error(at(e.value, c.file), std::string(kComponentsKey) + ": " +
                                              quoteForMessage(e.key) +
                                              " must be a mapping (type, params, param_order, "
                                              "placement), not " +
                                              kindOf(e.value));
            continue;
          }
          extras_[e.key] = ExtraOfComponent{e.value, c.file};
        }
      } else if (c.key == kStreamsKey) {
        if (!c.value.IsMap()) {
          r_.error(at(c.value, c.file), std::string(kStreamsKey) +
                                            " must be a mapping of \"FROM -> TO\" keys, not " +
                                            kindOf(c.value));
          continue;
        }
        for (const NodeEntry& e : entriesOf(c.value)) {
          stream_extras_[e.key] = ExtraOfComponent{e.value, c.file};
        }
      } else if (std::find(kTopolabKeys.begin(), kTopolabKeys.end(), c.key) == kTopolabKeys.end()) {
        r_.warning(c.key_mark, "unknown TopoLab key " + quoteForMessage(c.key) + " ignored" +
                                   didYouMean(c.key, kTopolabKeys));
      }
    }
  }

  const ConfigEntry* config(std::string_view key) const {
    for (const ConfigEntry& c : doc_.config) {
      if (c.key == key) return &c;
    }
    return nullptr;
  }

  // ---- name --------------------------------------------------------------------

  void mapName(Topology& t) {
    if (!doc_.name) {
      r_.error(doc_.root_mark,
               "missing 'name': a Flux topology needs one, e.g. name: "
               "\"word-count\"");
      t.name = "flux-topology";  // reported; keeps the validator from repeating it
      return;
    }
    t.name = topologyNameOf(*doc_.name);
    t.name_mark = doc_.name_mark;
    if (t.name != *doc_.name) {
      r_.warning(doc_.name_mark, "name " + quoteForMessage(*doc_.name) +
                                     " is not a TopoLab name (lowercase letters, digits and "
                                     "'-'); imported as " +
                                     quoteForMessage(t.name));
    }
  }

  // ---- spouts and bolts ---------------------------------------------------------

  static void setParam(Component& c, ParamEntry p) {
    for (ParamEntry& q : c.params) {
      if (q.name == p.name) {
        q = std::move(p);
        return;
      }
    }
    c.params.push_back(std::move(p));
  }

  static ParamEntry listParam(std::string name, const std::vector<std::string>& items, Mark mark) {
    ParamEntry p;
    p.name = std::move(name);
    p.text = flowText(items);
    p.flow = true;
    p.mark = mark;
    p.key_mark = mark;
    return p;
  }

  static ParamEntry scalarParam(std::string name, std::string text, Mark mark,
                                bool quoted = false) {
    ParamEntry p;
    p.name = std::move(name);
    p.text = std::move(text);
    p.quoted = quoted;
    p.mark = mark;
    p.key_mark = mark;
    return p;
  }

  // A valid id used twice is the validator's to report; only a changed one is made unique.
  std::string uniqueId(const std::string& flux_id) {
    std::string id = componentIdOf(flux_id);
    if (id != flux_id) {
      const std::string base = id;
      for (int n = 2; used_ids_.count(id); ++n) id = base + "-" + std::to_string(n);
    }
    used_ids_.insert(id);
    return id;
  }

  Mapped mapVertex(const Vertex& v, bool spout) {
    Mapped m;
    m.spout = spout;
    m.flux_id = v.id;
    Component& c = m.component;
    const YAML::Node& node = v.node;
    const int file = v.file;
    const std::string what = spout ? "spout" : "bolt";
    const std::string context = what + " " + quoteForMessage(v.id);
    c.id = uniqueId(v.id);
    ids_[v.id] = c.id;
    c.mark = at(node, file);
    if (const auto id = valueAt(node, "id")) c.id_mark = at(*id, file);
    if (c.id != v.id) {
      r_.warning(c.id_mark, context +
                                " is not a TopoLab component id (a letter, then letters, "
                                "digits, '_' or '-'); imported as " +
                                quoteForMessage(c.id));
    }
    for (const NodeEntry& e : entriesOf(node)) {
      if (std::find(kVertexKeys.begin(), kVertexKeys.end(), e.key) == kVertexKeys.end()) {
        r_.warning(at(e.key_node, file), context + ": unknown key " + quoteForMessage(e.key) +
                                             " ignored (Flux itself refuses it)" +
                                             didYouMean(e.key, kVertexKeys));
      }
    }
    if (const auto p = valueAt(node, "parallelism")) {
      const auto n = scalarOf(*p) ? parseInt64(p->Scalar()) : std::nullopt;
      c.parallelism_mark = at(*p, file);
      if (!n || *n < 1 || *n > kMaxParallelism) {
        r_.error(c.parallelism_mark, context + ": parallelism must be a whole number from 1 to " +
                                         std::to_string(kMaxParallelism) + ", not " +
                                         quoteForMessage(scalarOf(*p).value_or(kindOf(*p))));
      } else {
        c.parallelism = static_cast<int>(*n);
      }
    }
    const YAML::Node cls_node = *valueAt(node, "className");  // the reader checked it is there
    const std::string cls = cls_node.Scalar();
    c.type_mark = at(cls_node, file);
    ExtraOfComponent* extra = nullptr;
    if (auto it = extras_.find(c.id); it != extras_.end()) {
      extra = &it->second;
      extra->used = true;
    }

    if (cls == kShellSpoutClass || cls == kShellBoltClass) {
      const bool spout_class = cls == kShellSpoutClass;
      if (spout_class != spout) {
        r_.error(c.type_mark, context + ": " + cls.substr(cls.rfind('.') + 1) + " is a " +
                                  (spout_class ? "spout" : "bolt") + " class, listed under " +
                                  (spout ? "spouts" : "bolts"));
      }
      c.type = spout ? "shell-spout" : "shell-bolt";
      mapShell(c, node, file, context);
    } else if (cls == kKafkaSpoutClass && spout) {
      c.type = "kafka-source";
      if (!mapKafka(c, node, context)) {
        c.params.clear();
        return placeholder(m, cls, cls_node, file, extra, context,
                           ": its topic could not be read (expected a KafkaSpoutConfig built "
                           "from a KafkaSpoutConfig$Builder with constructorArgs [bootstrap, "
                           "[topic]])");
      }
    } else if (cls.starts_with(kTopolabPackage)) {
      const ComponentType* type = nullptr;
      std::vector<std::string_view> known;
      std::vector<std::string> classes;
      for (const ComponentType* t : catalogue_.types()) classes.push_back(fluxClassOf(t->name));
      for (const ComponentType* t : catalogue_.types()) {
        if (fluxClassOf(t->name) == cls) type = t;
      }
      for (const std::string& k : classes) known.push_back(k);
      if (!type) {
        r_.error(c.type_mark, context + ": " + quoteForMessage(cls) + " is no TopoLab type" +
                                  didYouMean(cls, known));
        c.type = "?";
      } else {
        c.type = type->name;
        if ((type->role == Role::Producer) != spout) {
          r_.error(c.type_mark, context + ": " + cls + " is a " +
                                    std::string(toString(type->role)) + " (" + type->name +
                                    "), listed under " + (spout ? "spouts" : "bolts"));
        }
      }
    } else {
      return placeholder(m, cls, cls_node, file, extra, context, "");
    }
    applyExtra(c, extra);
    if (!options_.resources.empty() && (c.type == "shell-spout" || c.type == "shell-bolt")) {
      setParam(c, scalarParam("resources", options_.resources, c.type_mark));  // --resources wins
    }
    return m;
  }

  // A Java class TopoLab cannot run: a generator for a spout, a `work` of no
  // cost for a bolt that sends on, a counter for one that does not.
  Mapped placeholder(Mapped& m, const std::string& cls, const YAML::Node& cls_node, int file,
                     ExtraOfComponent* extra, const std::string& context, const std::string& why) {
    Component& c = m.component;
    m.placeholder = true;
    m.java_class = cls;
    std::string type = m.spout ? "generator" : sources_.count(m.flux_id) ? "work" : "counter";
    if (extra) {
      if (const auto t = valueAt(extra->node, "type"); t && t->IsScalar()) {
        const ComponentType* ct = catalogue_.find(t->Scalar());
        if (ct && (ct->role == Role::Producer) == m.spout) {
          type = ct->name;
        } else {
          r_.warning(at(*t, extra->file),
                     std::string(kComponentsKey) + ": " + c.id + ": type " +
                         quoteForMessage(t->Scalar()) + " cannot stand for a " +
                         (m.spout ? "spout" : "bolt") + "; " + type + " is used");
        }
      }
    }
    c.type = type;
    std::string as;
    if (type == "generator") {
      as = "a generator of synthetic tuples (1000/s unless its rate is set)";
    } else if (type == "work") {
      as = "a 'work' bolt that passes every tuple on (cost_us 0: set its service time)";
      c.params.push_back(scalarParam("cost_us", "0", c.type_mark));
    } else if (type == "counter") {
      as = "a counter, the sink that counts tuples and measures their latency";
    } else {
      as = "a " + type;
    }
    r_.warning(at(cls_node, file), context + ": " + cls + " is a Java class TopoLab cannot run" +
                                       why + "; imported as a placeholder: " + as);
    if (extra && valueAt(extra->node, "params")) c.params.clear();
    applyExtra(c, extra);
    return std::move(m);
  }

  // `topolab.components.ID`: params (replacing or adding), their order, placement.
  void applyExtra(Component& c, ExtraOfComponent* extra) {
    if (!extra) return;
    const int file = extra->file;
    for (const NodeEntry& e : entriesOf(extra->node)) {
      if (e.key == "params") {
        if (!e.value.IsMap()) {
          r_.error(at(e.value, file), std::string(kComponentsKey) + ": " + c.id +
                                          ": params must be a mapping, not " + kindOf(e.value));
          continue;
        }
        for (const NodeEntry& p : entriesOf(e.value)) {
          ParamEntry entry;
          entry.name = p.key;
          entry.key_mark = at(p.key_node, file);
          entry.mark = at(p.value, file);
          if (p.value.IsScalar()) {
            entry.text = p.value.Scalar();
            entry.quoted = isQuoted(p.value);
          } else if (const auto list = stringsOf(p.value)) {
            entry.text = flowText(*list);
            entry.flow = true;
          } else if (p.value.IsMap()) {
            StringMap map;
            for (const NodeEntry& kv : entriesOf(p.value)) {
              if (!kv.value.IsScalar()) {
                r_.error(at(kv.value, file),
                         c.id + ": param " + p.key + ": " + kv.key + " must be a single value");
                continue;
              }
              map.emplace_back(kv.key, kv.value.Scalar());
            }
            entry.text = flowText(map);
            entry.flow = true;
          } else {
            r_.error(entry.mark, c.id + ": param " + quoteForMessage(p.key) + " needs a value");
            continue;
          }
          setParam(c, std::move(entry));
        }
      } else if (e.key == "param_order") {
        const auto order = stringsOf(e.value);
        if (!order) {
          r_.error(at(e.value, file), c.id + ": param_order must be a list of param names");
          continue;
        }
        std::vector<ParamEntry> sorted;
        for (const std::string& name : *order) {
          for (ParamEntry& p : c.params) {
            if (p.name == name && !p.name.empty()) {
              sorted.push_back(std::move(p));
              p.name.clear();
            }
          }
        }
        for (ParamEntry& p : c.params) {
          if (!p.name.empty()) sorted.push_back(std::move(p));
        }
        c.params = std::move(sorted);
      } else if (e.key == "placement") {
        const auto agents = stringsOf(e.value);
        if (!agents) {
          r_.error(at(e.value, file), c.id + ": placement must be a list of agent names");
          continue;
        }
        c.placement = *agents;
        c.placement_mark = at(e.value, file);
      } else if (e.key != "type") {
        r_.warning(at(e.key_node, file), std::string(kComponentsKey) + ": " + c.id +
                                             ": unknown key " + quoteForMessage(e.key) +
                                             " ignored (expected type, params, param_order, "
                                             "placement)");
      }
    }
  }

  // FluxShellSpout / FluxShellBolt: constructorArgs [command line, output fields],
  // configMethods setEnv({…}), and the Storm settings ShellSpout/ShellBolt read.
  void mapShell(Component& c, const YAML::Node& node, int file, const std::string& context) {
    const auto args = valueAt(node, "constructorArgs");
    if (!args || !args->IsSequence() || args->size() == 0 || args->size() > 2) {
      r_.error(args ? at(*args, file) : c.type_mark,
               context +
                   ": a shell component takes constructorArgs: [command line, output "
                   "fields], e.g. [[\"python3\", \"split.py\"], [\"word\"]]");
      return;
    }
    const YAML::Node command = (*args)[0];
    const auto cmd = stringsOf(command);
    if (!cmd || cmd->empty()) {
      r_.error(at(command, file), context +
                                      ": the command line must be a list of strings, e.g. "
                                      "[\"python3\", \"split.py\"]");
    } else {
      setParam(c, listParam("command", *cmd, at(command, file)));
    }
    if (args->size() == 2) {
      const YAML::Node fields = (*args)[1];
      const auto names = stringsOf(fields);
      if (!names) {
        r_.error(at(fields, file), context +
                                       ": the output fields must be a list of names, e.g. "
                                       "[\"word\"]");
      } else {
        setParam(c, listParam("fields", *names, at(fields, file)));
      }
    }
    if (!options_.resources.empty()) {
      setParam(c, scalarParam("resources", options_.resources, c.type_mark));
    } else if (!extraParam(c.id, "resources")) {
      const std::string folder = defaultResources(path_, options_.output_path);
      if (!folder.empty()) setParam(c, scalarParam("resources", folder, c.type_mark));
    }
    component_config_.clear();
    if (const auto methods = valueAt(node, "configMethods"); methods && methods->IsSequence()) {
      for (const YAML::Node& m : *methods) {
        const auto name = valueAt(m, "name");
        if (!name || !name->IsScalar()) continue;
        const auto margs = valueAt(m, "args");
        if (name->Scalar() == "setEnv" && margs && margs->IsSequence() && margs->size() == 1 &&
            (*margs)[0].IsMap()) {
          StringMap env;
          for (const NodeEntry& kv : entriesOf((*margs)[0])) {
            if (kv.value.IsScalar()) env.emplace_back(kv.key, kv.value.Scalar());
          }
          ParamEntry p = scalarParam("env", flowText(env), at(*name, file));
          p.flow = true;
          setParam(c, std::move(p));
        } else if (name->Scalar() == "addComponentConfig" && margs && margs->IsSequence() &&
                   margs->size() == 2 && (*margs)[0].IsScalar()) {
          component_config_[(*margs)[0].Scalar()] = (*margs)[1];  // read below, with `config`
        } else {
          r_.warning(at(*name, file), context + ": config method " +
                                          quoteForMessage(name->Scalar()) +
                                          " is not used by TopoLab (only setEnv and "
                                          "addComponentConfig are)");
        }
      }
    }
    // Storm's settings for shell components, from the component's own config
    // (`config`, or addComponentConfig) or the topology's; a param in
    // topolab.components wins. Other settings are Storm's alone.
    auto setting = [&](std::string_view key) -> std::optional<std::pair<YAML::Node, int>> {
      if (const auto own = valueAt(node, "config"); own && own->IsMap()) {
        if (const auto v = valueAt(*own, key)) return std::pair{*v, file};
      }
      if (const auto it = component_config_.find(key); it != component_config_.end()) {
        return std::pair{it->second, file};
      }
      if (const ConfigEntry* e = config(key)) return std::pair{e->value, e->file};
      return std::nullopt;
    };
    if (const auto v = setting(kSubprocessTimeoutKey); v && !extraParam(c.id, "timeout_ms")) {
      if (const auto secs = wholeNumber(v->first, v->second, kSubprocessTimeoutKey, 1, 3600)) {
        setParam(c,
                 scalarParam("timeout_ms", std::to_string(*secs * 1000), at(v->first, v->second)));
      }
    }
    if (c.type == "shell-bolt") {
      if (const auto v = setting(kShellPendingKey); v && !extraParam(c.id, "max_pending")) {
        if (const auto n = wholeNumber(v->first, v->second, kShellPendingKey, 1, 1'000'000)) {
          setParam(c, scalarParam("max_pending", std::to_string(*n), at(v->first, v->second)));
        }
      }
    }
  }

  bool extraParam(const std::string& id, std::string_view name) const {
    const auto it = extras_.find(id);
    if (it == extras_.end()) return false;
    const auto params = valueAt(it->second.node, "params");
    return params && valueAt(*params, name).has_value();
  }

  std::optional<int64_t> wholeNumber(const YAML::Node& v, int file, std::string_view key,
                                     int64_t lo, int64_t hi) {
    const auto n = scalarOf(v) ? parseInt64(v.Scalar()) : std::nullopt;
    if (!n || *n < lo || *n > hi) {
      r_.error(at(v, file), std::string(key) + ": expected a whole number from " +
                                std::to_string(lo) + " to " + std::to_string(hi) +
                                " (the range TopoLab takes), got " +
                                quoteForMessage(scalarOf(v).value_or(kindOf(v))));
      return std::nullopt;
    }
    return n;
  }

  // The bean an argument refers to ({ref: ID}), if any.
  std::optional<Bean> deref(const YAML::Node& arg) const {
    if (!arg.IsMap()) return std::nullopt;
    const auto ref = valueAt(arg, "ref");
    if (!ref || !ref->IsScalar()) return std::nullopt;
    const auto it = beans_.find(ref->Scalar());
    if (it == beans_.end()) return std::nullopt;
    return it->second;
  }

  // Storm's KafkaSpout: its KafkaSpoutConfig (a bean) is built from a
  // KafkaSpoutConfig$Builder whose constructor (or KafkaSpoutConfig.builder's
  // factoryArgs) takes the bootstrap servers and the topics; the group and
  // the first-poll strategy are set on the builder.
  bool mapKafka(Component& c, const YAML::Node& node, const std::string& context) {
    std::optional<Bean> bean;
    if (const auto args = valueAt(node, "constructorArgs"); args && args->IsSequence()) {
      for (const YAML::Node& a : *args) {
        if ((bean = deref(a))) break;
      }
    }
    std::optional<Bean> builder;
    for (int depth = 0; bean && depth < 4 && !builder; ++depth) {
      const auto cls = valueAt(bean->node, "className");
      const auto factory = valueAt(bean->node, "factory");
      if ((cls && cls->IsScalar() && cls->Scalar() == kKafkaBuilderClass) ||
          (factory && factory->IsScalar() && factory->Scalar() == "builder")) {
        builder = bean;
        break;
      }
      std::optional<Bean> next;
      if (const auto args = valueAt(bean->node, "constructorArgs"); args && args->IsSequence()) {
        for (const YAML::Node& a : *args) {
          if ((next = deref(a))) break;
        }
      }
      bean = next;
    }
    if (!builder) return false;
    const YAML::Node& b = builder->node;
    const int bfile = builder->file;
    auto args = valueAt(b, "constructorArgs");
    if (!args || !args->IsSequence()) args = valueAt(b, "factoryArgs");
    if (!args || !args->IsSequence() || args->size() < 2) return false;
    const YAML::Node bootstrap = (*args)[0];
    std::vector<std::string> topics;
    Mark topic_mark = at((*args)[1], bfile);
    for (size_t i = 1; i < args->size(); ++i) {
      const YAML::Node a = (*args)[i];
      if (a.IsScalar()) {
        topics.push_back(a.Scalar());
      } else if (const auto list = stringsOf(a)) {
        topics.insert(topics.end(), list->begin(), list->end());
      } else {
        return false;  // a pattern or a subscription object
      }
    }
    if (topics.empty()) return false;
    if (topics.size() > 1) {
      r_.warning(topic_mark,
                 context + ": a kafka-source reads one topic; " + quoteForMessage(topics.front()) +
                     " is read, not " +
                     joinList(std::vector<std::string>(topics.begin() + 1, topics.end())));
    }
    setParam(c, scalarParam("topic", topics.front(), topic_mark));
    if (bootstrap.IsScalar() && !bootstrap.Scalar().starts_with("${")) {
      r_.warning(at(bootstrap, bfile),
                 context + ": the Kafka bootstrap " + quoteForMessage(bootstrap.Scalar()) +
                     " is not part of a TopoLab topology: name it in the cluster file "
                     "(kafka: {bootstrap: …}) or with `topolab run --kafka`");
    }
    auto startOf = [](std::string_view strategy) -> std::optional<std::string> {
      if (strategy.ends_with("EARLIEST")) return "earliest";
      if (strategy.ends_with("LATEST")) return "latest";
      return std::nullopt;
    };
    if (const auto props = valueAt(b, "properties"); props && props->IsSequence()) {
      for (const YAML::Node& p : *props) {
        const auto name = valueAt(p, "name");
        const auto value = valueAt(p, "value");
        if (!name || !value || !value->IsScalar()) continue;
        if (name->Scalar() == "firstPollOffsetStrategy") {
          if (auto start = startOf(value->Scalar())) {
            setParam(c, scalarParam("start", *start, at(*value, bfile)));
          }
        } else if (name->Scalar() == "groupId") {
          setParam(c, scalarParam("group", value->Scalar(), at(*value, bfile)));
        }
      }
    }
    if (const auto methods = valueAt(b, "configMethods"); methods && methods->IsSequence()) {
      for (const YAML::Node& m : *methods) {
        const auto name = valueAt(m, "name");
        const auto margs = valueAt(m, "args");
        if (!name || !margs || !margs->IsSequence() || margs->size() == 0) continue;
        auto group = [&](const YAML::Node& key, const YAML::Node& value) {
          if (key.IsScalar() && key.Scalar() == "group.id" && value.IsScalar()) {
            setParam(c, scalarParam("group", value.Scalar(), at(value, bfile)));
          }
        };
        if (name->Scalar() == "setProp" && margs->size() == 2) group((*margs)[0], (*margs)[1]);
        if (name->Scalar() == "setProp" && margs->size() == 1 && (*margs)[0].IsMap()) {
          for (auto it = (*margs)[0].begin(); it != (*margs)[0].end(); ++it) {
            group(it->first, it->second);
          }
        }
        if (name->Scalar() == "setGroupId" && (*margs)[0].IsScalar()) {
          setParam(c, scalarParam("group", (*margs)[0].Scalar(), at((*margs)[0], bfile)));
        }
        if (name->Scalar() == "setFirstPollOffsetStrategy" && (*margs)[0].IsScalar()) {
          if (auto start = startOf((*margs)[0].Scalar())) {
            setParam(c, scalarParam("start", *start, at((*margs)[0], bfile)));
          }
        }
      }
    }
    return true;
  }

  // ---- config ------------------------------------------------------------------

  // Storm's settings over TopoLab's own (kDefaultsKey, in an exported file):
  // a Storm key that says otherwise than TopoLab's setting wins, so an edit
  // of the Flux file counts.
  void mapConfig(Topology& t) {
    std::optional<Defaults> d;
    if (const ConfigEntry* e = config(kDefaultsKey)) d = readDefaults(*e);
    if (const ConfigEntry* e = config(kSloKey)) t.slo = readSlo(*e);
    if (const ConfigEntry* e = config(kDescriptionKey)) {
      if (e->value.IsScalar()) {
        t.description = e->value.Scalar();
      } else {
        r_.error(at(e->value, e->file), std::string(kDescriptionKey) + " must be a single value");
      }
    }
    auto defaults = [&]() -> Defaults& {
      if (!d) {
        d = Defaults{};
        d->mark = doc_.root_mark;
      }
      return *d;
    };
    // What TopoLab's own settings amount to, as the exporter wrote them into Storm's keys.
    auto effective = [&] {
      Topology view;
      view.defaults = d;
      return view;
    };
    if (const ConfigEntry* e = config(kAckerKey)) {
      if (const auto n = wholeNumber(e->value, e->file, kAckerKey, 0, 1'000'000)) {
        const Delivery storm = *n == 0 ? Delivery::AtMostOnce : Delivery::AtLeastOnce;
        if (!exported_ || storm != effective().delivery()) {
          defaults().delivery = storm;
          defaults().delivery_mark = at(e->value, e->file);
        }
      }
    } else if (!exported_) {
      defaults().delivery = Delivery::AtLeastOnce;  // Storm runs ackers unless told not to
    }
    if (const ConfigEntry* e = config(kTimeoutKey)) {
      if (const auto secs = wholeNumber(e->value, e->file, kTimeoutKey, 1, 3600)) {
        if (!exported_ || *secs != (effective().ackTimeoutMs() + 999) / 1000) {
          defaults().ack_timeout_ms = static_cast<int>(*secs * 1000);
          defaults().ack_timeout_mark = at(e->value, e->file);
        }
      }
    }
    if (const ConfigEntry* e = config(kSpoutPendingKey)) {
      if (const auto n = wholeNumber(e->value, e->file, kSpoutPendingKey, 1, 1'000'000)) {
        if (!exported_ || *n != effective().maxPending()) {
          defaults().max_pending = static_cast<int>(*n);
          defaults().max_pending_mark = at(e->value, e->file);
        }
      }
    }
    t.defaults = d;
  }

  std::optional<int> intIn(const NodeEntry& e, int file, std::string_view what) {
    const auto n = scalarOf(e.value) ? parseInt64(e.value.Scalar()) : std::nullopt;
    if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) {
      r_.error(at(e.value, file), std::string(what) + ": " + e.key + " must be a whole number");
      return std::nullopt;
    }
    return static_cast<int>(*n);
  }

  Defaults readDefaults(const ConfigEntry& c) {
    Defaults d;
    d.mark = at(c.value, c.file);
    if (c.value.IsNull()) return d;
    if (!c.value.IsMap()) {
      r_.error(d.mark, std::string(kDefaultsKey) + " must be a mapping, not " + kindOf(c.value));
      return d;
    }
    const std::string what(kDefaultsKey);
    for (const NodeEntry& e : entriesOf(c.value)) {
      const Mark m = at(e.value, c.file);
      if (e.key == "delivery") {
        d.delivery = parseDelivery(scalarOf(e.value).value_or(""));
        d.delivery_mark = m;
        if (!d.delivery) r_.error(m, what + ": delivery must be at-most-once or at-least-once");
      } else if (e.key == "metrics_interval_ms") {
        d.metrics_interval_ms = intIn(e, c.file, what);
        d.metrics_interval_mark = m;
      } else if (e.key == "ack_timeout_ms") {
        d.ack_timeout_ms = intIn(e, c.file, what);
        d.ack_timeout_mark = m;
      } else if (e.key == "max_pending") {
        d.max_pending = intIn(e, c.file, what);
        d.max_pending_mark = m;
      } else if (e.key == "restart") {
        RestartPolicy r;
        r.mark = m;
        if (e.value.IsScalar() && e.value.Scalar() == "never") {
          r.never = true;
        } else if (e.value.IsMap()) {
          for (const NodeEntry& k : entriesOf(e.value)) {
            if (k.key == "max")
              r.max = intIn(k, c.file, what + ": restart");
            else if (k.key == "within_s")
              r.within_s = intIn(k, c.file, what + ": restart");
            else if (k.key == "delay_ms")
              r.delay_ms = intIn(k, c.file, what + ": restart");
            else
              r_.error(at(k.key_node, c.file),
                       what + ": restart: unknown key " + quoteForMessage(k.key));
          }
        } else {
          r_.error(m, what + ": restart must be never or {max, within_s, delay_ms}");
        }
        d.restart = r;
      } else {
        r_.error(at(e.key_node, c.file), what + ": unknown key " + quoteForMessage(e.key));
      }
    }
    return d;
  }

  Slo readSlo(const ConfigEntry& c) {
    Slo slo;
    slo.mark = at(c.value, c.file);
    if (c.value.IsNull()) return slo;
    if (!c.value.IsMap()) {
      r_.error(slo.mark, std::string(kSloKey) + " must be a mapping, not " + kindOf(c.value));
      return slo;
    }
    for (const NodeEntry& e : entriesOf(c.value)) {
      const auto v = scalarOf(e.value) ? parseDouble(e.value.Scalar()) : std::nullopt;
      const Mark m = at(e.value, c.file);
      auto set = [&](std::optional<double>& value, std::string& text, Mark& mark) {
        if (!v) {
          r_.error(m, std::string(kSloKey) + ": " + e.key + " must be a number");
          return;
        }
        value = v;
        text = e.value.Scalar();
        mark = m;
      };
      if (e.key == "throughput_min") {
        set(slo.throughput_min, slo.throughput_min_text, slo.throughput_min_mark);
      } else if (e.key == "p99_ms_max") {
        set(slo.p99_ms_max, slo.p99_ms_max_text, slo.p99_ms_max_mark);
      } else if (e.key == "error_rate_max") {
        set(slo.error_rate_max, slo.error_rate_max_text, slo.error_rate_max_mark);
      } else {
        r_.error(at(e.key_node, c.file),
                 std::string(kSloKey) + ": unknown key " + quoteForMessage(e.key));
      }
    }
    return slo;
  }

  // ---- order -------------------------------------------------------------------

  void orderComponents(Topology& t) {
    if (const ConfigEntry* e = config(kComponentOrderKey)) {
      const auto order = stringsOf(e->value);
      if (!order) {
        r_.error(at(e->value, e->file),
                 std::string(kComponentOrderKey) + " must be a list of component ids");
      } else {
        std::vector<Mapped> sorted;
        for (const std::string& id : *order) {
          for (Mapped& m : mapped_) {
            if (!m.flux_id.empty() && m.component.id == id) {
              sorted.push_back(std::move(m));
              m.flux_id.clear();
            }
          }
        }
        for (Mapped& m : mapped_) {
          if (!m.flux_id.empty()) sorted.push_back(std::move(m));
        }
        mapped_ = std::move(sorted);
      }
    }
    for (const Mapped& m : mapped_) {
      t.components.push_back(m.component);
      if (m.placeholder) placeholders_.emplace_back(m.component.id, m.java_class);
    }
    for (const Mapped& m : mapped_) {
      source_fields_known_[m.component.id] = [&] {
        const ComponentType* type = catalogue_.find(m.component.type);
        return type && !type->traits.output_fields_param.empty();
      }();
    }
  }

  // ---- streams -----------------------------------------------------------------

  std::optional<Stream> mapStream(const StreamDef& def) {
    const YAML::Node& node = def.node;
    const int file = def.file;
    if (!node.IsMap()) {
      r_.error(at(node, file),
               "a stream is a mapping with from, to and grouping, not " + kindOf(node));
      return std::nullopt;
    }
    Stream s;
    s.mark = at(node, file);
    const auto from = valueAt(node, "from");
    const auto to = valueAt(node, "to");
    std::string context = "stream " + (from && from->IsScalar() ? from->Scalar() : "?") + " -> " +
                          (to && to->IsScalar() ? to->Scalar() : "?");
    for (const NodeEntry& e : entriesOf(node)) {
      if (std::find(kStreamKeys.begin(), kStreamKeys.end(), e.key) == kStreamKeys.end()) {
        r_.warning(at(e.key_node, file), context + ": unknown key " + quoteForMessage(e.key) +
                                             " ignored" + didYouMean(e.key, kStreamKeys));
      }
    }
    bool ok = true;
    auto end = [&](const std::optional<YAML::Node>& n, const char* key, std::string& id,
                   Mark& mark) {
      if (!n || !n->IsScalar() || n->Scalar().empty()) {
        r_.error(n ? at(*n, file) : s.mark,
                 context + ": missing '" + key + "' (the id of a spout or bolt)");
        ok = false;
        return;
      }
      const auto it = ids_.find(n->Scalar());
      id = it == ids_.end() ? n->Scalar() : it->second;
      mark = at(*n, file);
    };
    end(from, "from", s.from, s.from_mark);
    end(to, "to", s.to, s.to_mark);
    const auto grouping = valueAt(node, "grouping");
    if (!grouping || !grouping->IsMap()) {
      r_.error(grouping ? at(*grouping, file) : s.mark,
               context + ": missing 'grouping', e.g. grouping: {type: SHUFFLE}");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    if (!mapGrouping(s, *grouping, file, context)) return std::nullopt;
    applyStreamExtra(s, context);
    return s;
  }

  bool mapGrouping(Stream& s, const YAML::Node& g, int file, const std::string& context) {
    Grouping& out = s.grouping;
    out.mark = at(g, file);
    for (const NodeEntry& e : entriesOf(g)) {
      if (std::find(kGroupingKeys.begin(), kGroupingKeys.end(), e.key) == kGroupingKeys.end()) {
        r_.warning(at(e.key_node, file), context + ": unknown grouping key " +
                                             quoteForMessage(e.key) + " ignored" +
                                             didYouMean(e.key, kGroupingKeys));
      }
    }
    const auto type = valueAt(g, "type");
    if (!type || !type->IsScalar()) {
      r_.error(type ? at(*type, file) : out.mark,
               context + ": the grouping needs a type (" + joinList(kGroupingTypes) + ")");
      return false;
    }
    const std::string name = upper(type->Scalar());
    const Mark type_mark = at(*type, file);
    if (const auto id = valueAt(g, "streamId")) {
      if (!id->IsScalar()) {
        r_.error(at(*id, file), context + ": streamId must be a single value");
      } else if (id->Scalar() != "default") {
        s.stream_id = id->Scalar();
        s.stream_id_mark = at(*id, file);
      }
    }
    const auto args = valueAt(g, "args");
    if (name != "FIELDS" && args) {
      r_.warning(at(*args, file), context + ": args apply to a FIELDS grouping only; ignored");
    }
    if (name == "SHUFFLE" || name == "NONE" || name == "DIRECT") {
      // Storm's NONE is a shuffle; a program's direct emits reach their task on any grouping.
      out.type = GroupingType::Shuffle;
      out.present = true;
    } else if (name == "CUSTOM") {
      const auto custom = valueAt(g, "customClass");
      const auto cls = custom ? valueAt(*custom, "className") : std::nullopt;
      r_.warning(type_mark, context + ": the custom grouping " +
                                (cls && cls->IsScalar() ? cls->Scalar() : std::string("class")) +
                                " is Java code TopoLab cannot run; imported as shuffle");
      out.type = GroupingType::Shuffle;
      out.present = true;
    } else if (name == "ALL" || name == "GLOBAL" || name == "LOCAL_OR_SHUFFLE") {
      out.type = name == "ALL"      ? GroupingType::All
                 : name == "GLOBAL" ? GroupingType::Global
                                    : GroupingType::LocalOrShuffle;
      out.present = true;
    } else if (name == "FIELDS") {
      const auto fields = args ? stringsOf(*args) : std::nullopt;
      if (!fields || fields->empty()) {
        r_.error(args ? at(*args, file) : type_mark,
                 context +
                     ": a FIELDS grouping needs args: the field names, e.g. args: "
                     "[\"word\"]");
        return false;
      }
      out.type = GroupingType::Fields;
      out.present = true;
      out.written_as_map = true;
      out.fields = *fields;
      for (const YAML::Node& f : *args) out.field_marks.push_back(at(f, file));
      remapUnknownFields(s, context, at(*args, file));
    } else {
      r_.error(type_mark, context + ": unknown grouping type " + quoteForMessage(type->Scalar()) +
                              " (Flux has " + joinList(kGroupingTypes) + ")" +
                              didYouMean(name, kGroupingTypes));
      return false;
    }
    return true;
  }

  // A placeholder or built-in source emits key and value, not the fields its
  // Java class declared: a grouping on those is a grouping on the key.
  void remapUnknownFields(Stream& s, const std::string& context, Mark args_mark) {
    const auto it = source_fields_known_.find(s.from);
    if (it == source_fields_known_.end() || it->second) return;
    std::vector<std::string> fields;
    std::vector<Mark> marks;
    std::vector<std::string> replaced;
    for (size_t i = 0; i < s.grouping.fields.size(); ++i) {
      std::string f = s.grouping.fields[i];
      if (f != "key" && f != "value") {
        replaced.push_back(f);
        f = "key";
      }
      if (std::find(fields.begin(), fields.end(), f) != fields.end()) continue;
      fields.push_back(f);
      marks.push_back(s.grouping.field_marks[i]);
    }
    if (replaced.empty()) return;
    r_.warning(args_mark, context + ": " + s.from +
                              " emits key and value, not the fields of its "
                              "Java class; grouped on key instead of " +
                              joinList(replaced));
    s.grouping.fields = std::move(fields);
    s.grouping.field_marks = std::move(marks);
  }

  // `topolab.streams["FROM -> TO"]`: the grouping as TopoLab wrote it (when its
  // Storm type agrees; null: not written) and the transport.
  void applyStreamExtra(Stream& s, const std::string& context) {
    const auto it = stream_extras_.find(streamKey(s.from, s.stream_id, s.to));
    if (it == stream_extras_.end()) return;
    it->second.used = true;
    const YAML::Node& node = it->second.node;
    const int file = it->second.file;
    for (const NodeEntry& e : entriesOf(node)) {
      if (e.key == "transport") {
        s.transport = parseTransport(scalarOf(e.value).value_or(""));
        s.transport_mark = at(e.value, file);
        if (!s.transport) {
          r_.error(s.transport_mark, context + ": transport must be auto, local, grpc or kafka");
        }
      } else if (e.key == "grouping") {
        Grouping g;
        g.mark = at(e.value, file);
        g.present = true;
        std::optional<GroupingType> type;
        if (e.value.IsNull()) {
          g.present = false;  // not written in the topology file: a shuffle
          type = GroupingType::Shuffle;
        } else if (e.value.IsScalar()) {
          type = parseGroupingType(e.value.Scalar());
        } else if (e.value.IsMap()) {
          g.written_as_map = true;
          if (const auto t = valueAt(e.value, "type"))
            type = parseGroupingType(scalarOf(*t).value_or(""));
          if (const auto f = valueAt(e.value, "fields")) {
            g.fields = stringsOf(*f).value_or(std::vector<std::string>{});
            for (const YAML::Node& n : *f) g.field_marks.push_back(at(n, file));
          }
        }
        if (!type) {
          r_.error(g.mark, context + ": " + std::string(kStreamsKey) + ": unknown grouping");
          continue;
        }
        g.type = *type;
        if (g.type != s.grouping.type || g.fields != s.grouping.fields) continue;  // Flux edited
        s.grouping = std::move(g);
      } else {
        r_.warning(at(e.key_node, file), context + ": " + std::string(kStreamsKey) +
                                             ": unknown key " + quoteForMessage(e.key) +
                                             " ignored (expected grouping, transport)");
      }
    }
  }

  // ---- description -------------------------------------------------------------

  void describe(Topology& t) {
    if (exported_) return;  // the description is what kDescriptionKey says, or none
    std::string text = "Imported from the Storm Flux file " + baseName(path_) + ".";
    if (t.description) text = *t.description;
    if (!placeholders_.empty()) {
      text += " Placeholders for Java classes TopoLab does not run:";
      for (size_t i = 0; i < placeholders_.size(); ++i) {
        text += (i == 0 ? " " : "; ") + placeholders_[i].first + std::string(kStandsFor) +
                placeholders_[i].second;
      }
      text += ".";
    }
    t.description = text;
  }

  const Document& doc_;
  const std::string& path_;
  const FluxImportOptions& options_;
  const Catalogue& catalogue_;
  Reporter& r_;
  bool exported_ = false;  // kFormatKey is set: TopoLab wrote this file
  std::map<std::string, Bean, std::less<>> beans_;
  std::map<std::string, ExtraOfComponent, std::less<>> extras_;
  std::map<std::string, ExtraOfComponent, std::less<>> stream_extras_;
  std::set<std::string, std::less<>> sources_;           // Flux ids streams leave from
  std::map<std::string, std::string, std::less<>> ids_;  // Flux id → component id
  std::set<std::string, std::less<>> used_ids_;
  std::vector<Mapped> mapped_;
  std::vector<std::pair<std::string, std::string>> placeholders_;  // id, Java class
  std::map<std::string, bool, std::less<>> source_fields_known_;
  std::map<std::string, YAML::Node, std::less<>> component_config_;  // of the shell vertex mapped
};

}  // namespace
}  // namespace spec::flux

std::string formatWarning(const Diagnostic& d) {
  std::string out = d.file;
  if (d.mark.line > 0) {
    out += ':' + std::to_string(d.mark.line) + ':' + std::to_string(std::max(d.mark.col, 1));
  }
  return out + ": warning: " + d.message;
}

std::string fluxClassOf(std::string_view type_name) {
  std::string out(spec::flux::kTopolabPackage);
  bool up = true;
  for (char c : type_name) {
    if (c == '-' || c == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

FluxImport importFluxText(std::string_view text, const std::string& path,
                          const FluxImportOptions& options, const Catalogue& catalogue) {
  using namespace spec::flux;
  FluxImport result;
  Reporter reporter;
  reporter.addFile(path);
  try {
    std::optional<Document> doc = readDocument(text, path, options, reporter);
    if (doc) {
      Topology t = Importer(*doc, path, options, catalogue, reporter).run();
      if (!reporter.hasErrors()) {
        reporter.addValidatorErrors(validateTopology(t, "", catalogue));
      }
      if (!reporter.hasErrors()) {
        // Read back from its canonical text: the marks are then those of the
        // file the caller writes, and what is returned is what that file says.
        const std::string written = writeTopology(t);
        LoadResult back = parseTopology(
            written, options.output_path.empty() ? "<stdout>" : options.output_path, catalogue);
        if (back.ok()) {
          result.topology = std::move(back.topology);
        } else {
          for (const Diagnostic& d : back.errors) {
            reporter.error(Mark{}, "the imported topology does not read back: " + d.format());
          }
        }
      } else {
        result.topology = std::move(t);
      }
    }
  } catch (const std::exception& e) {
    reporter.error(Mark{}, std::string("cannot import: ") + e.what());
  }
  result.errors = reporter.takeErrors();
  result.warnings = reporter.takeWarnings();
  return result;
}

FluxImport importFlux(const std::string& path, const FluxImportOptions& options,
                      const Catalogue& catalogue) {
  std::string why;
  const std::optional<std::string> text = spec::flux::readText(path, &why);
  if (!text) {
    FluxImport result;
    result.errors.push_back(Diagnostic{path, Mark{}, "cannot read file: " + why});
    return result;
  }
  return importFluxText(*text, path, options, catalogue);
}

}  // namespace topolab
