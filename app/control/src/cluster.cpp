// Reading a cluster file with yaml-cpp, every problem as a Diagnostic at the
// element it concerns. yaml-cpp exceptions stop here.
#include "topolab/control/cluster.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "topolab/engine/plan.h"

namespace topolab::control {
namespace {

constexpr size_t kMaxClusterFileBytes = 1 << 20;
constexpr size_t kMaxSecretBytes = 1 << 20;

Mark toMark(const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string trimmed(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// HOST:PORT or [V6]:PORT with a port in 1..65535; the reason when not.
std::optional<std::string> addressProblem(std::string_view a) {
  std::string_view host, port;
  if (a.starts_with('[')) {
    const size_t close = a.find(']');
    if (close == std::string_view::npos || close + 1 >= a.size() || a[close + 1] != ':') {
      return "an IPv6 address is written [HOST]:PORT";
    }
    host = a.substr(1, close - 1);
    port = a.substr(close + 2);
  } else {
    const size_t colon = a.rfind(':');
    if (colon == std::string_view::npos) return "no port: write HOST:PORT, e.g. 127.0.0.1:7701";
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return "an IPv6 address is written [HOST]:PORT";
  }
  if (host.empty()) return "no host: write HOST:PORT, e.g. 127.0.0.1:7701";
  for (char c : host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '@') {
      return "the host may not contain '" + std::string(1, c) + "'";
    }
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "the port must be a number from 1 to 65535";
  }
  const int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) return "the port must be a number from 1 to 65535";
  return std::nullopt;
}

class Reader {
 public:
  Reader(std::string_view file, const ClusterLoadOptions& options)
      : file_(file), options_(options) {}

  std::vector<Diagnostic>& errors() { return errors_; }

  void error(Mark mark, std::string message) {
    errors_.push_back(Diagnostic{file_, mark, std::move(message)});
  }

  // Checks that `node` is a mapping whose keys are all in `allowed` and
  // appear once; returns false (after reporting) when it is not a mapping.
  bool checkMap(const YAML::Node& node, std::string_view what,
                const std::vector<std::string_view>& allowed) {
    if (!node.IsMap()) {
      error(toMark(node.Mark()), std::string(what) + " must be a mapping");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const Mark km = toMark(kv.first.Mark());
      if (!kv.first.IsScalar()) {
        error(km, "a key in " + std::string(what) + " must be a plain name");
        continue;
      }
      const std::string key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(km, "unknown key '" + key + "' in " + std::string(what) + " (expected " + list + ")");
      } else if (!seen.insert(key).second) {
        error(km, "key '" + key + "' is given twice in " + std::string(what));
      }
    }
    return true;
  }

  // The scalar under `key`, or nullopt (reported when present but not a scalar).
  std::optional<std::string> scalar(const YAML::Node& map, const char* key, std::string_view what,
                                    Mark* mark) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    if (mark) *mark = toMark(v.Mark());
    if (!v.IsScalar()) {
      error(toMark(v.Mark()), std::string(what) + ": '" + key + "' must be a string");
      return std::nullopt;
    }
    return v.Scalar();
  }

  std::string resolve(const std::string& path) const {
    std::string p = expandHome(path);
    if (!p.empty() && p[0] != '/' && !options_.base_dir.empty()) {
      p = (std::filesystem::path(options_.base_dir) / p).lexically_normal().string();
    }
    return p;
  }

  // Reads a secret (token or PEM) file; reports and returns nullopt on failure.
  std::optional<std::string> readSecret(const std::string& path, Mark mark, std::string_view what) {
    const std::string full = resolve(path);
    const std::string shown = full == path ? "'" + path + "'" : "'" + path + "' (" + full + ")";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(full, ec)) {
      error(mark,
            std::string(what) + " " + shown +
                (std::filesystem::exists(full, ec) ? " is not a regular file" : " does not exist") +
                ": fix the path or create the file");
      return std::nullopt;
    }
    std::ifstream in(full, std::ios::binary);
    if (!in) {
      error(mark, std::string(what) + " " + shown + " cannot be read: " + std::strerror(errno));
      return std::nullopt;
    }
    std::string text;
    text.resize(kMaxSecretBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxSecretBytes) {
      error(mark, std::string(what) + " " + shown + " is larger than 1 MiB");
      return std::nullopt;
    }
    return text;
  }

  std::optional<TlsFiles> tls(const YAML::Node& node, std::string_view what) {
    const std::string where = std::string(what) + " tls";
    if (!checkMap(node, where, {"ca", "cert", "key"})) return std::nullopt;
    TlsFiles t;
    t.mark = toMark(node.Mark());
    Mark ca_mark = t.mark, cert_mark = t.mark, key_mark = t.mark;
    t.ca = scalar(node, "ca", where, &ca_mark).value_or("");
    t.cert = scalar(node, "cert", where, &cert_mark).value_or("");
    t.key = scalar(node, "key", where, &key_mark).value_or("");
    bool ok = true;
    if (t.cert.empty() != t.key.empty()) {
      error(t.mark, where + ": give both 'cert' and 'key' (for mutual TLS) or neither");
      ok = false;
    }
    if (options_.read_secrets) {
      auto load = [&](const std::string& path, Mark m, std::string* out, const char* label) {
        if (path.empty()) return;
        if (auto text = readSecret(path, m, where + " " + label)) {
          *out = std::move(*text);
        } else {
          ok = false;
        }
      };
      load(t.ca, ca_mark, &t.ca_pem, "ca file");
      load(t.cert, cert_mark, &t.cert_pem, "cert file");
      load(t.key, key_mark, &t.key_pem, "key file");
    }
    if (!ok) return std::nullopt;
    return t;
  }

  void agent(const YAML::Node& node, ClusterFile& out) {
    AgentEntry a;
    a.mark = toMark(node.Mark());
    if (!checkMap(node, "an agent entry", {"name", "address", "token_file", "tls"})) return;
    const auto name = scalar(node, "name", "an agent entry", &a.name_mark);
    std::string what = "agent";
    if (!name) {
      error(a.mark, "an agent entry has no 'name': add one, e.g. {name: node-a, ...}");
    } else if (!isValidAgentName(*name)) {
      error(a.name_mark, "agent name '" + *name +
                             "' is not valid: use letters, digits, '-', '_' and '.', starting "
                             "with a letter or digit");
    } else {
      a.name = *name;
      what = "agent '" + a.name + "'";
      auto [it, inserted] = names_.emplace(a.name, a.name_mark);
      if (!inserted) {
        error(a.name_mark, "agent '" + a.name + "' is listed twice (first at line " +
                               std::to_string(it->second.line) +
                               "): give each agent a unique name");
      }
    }
    if (const auto address = scalar(node, "address", what, &a.address_mark)) {
      if (const auto problem = addressProblem(*address)) {
        error(a.address_mark, what + ": bad address '" + *address + "': " + *problem);
      } else {
        a.address = *address;
      }
    } else {
      error(a.mark, what + " has no 'address': add one, e.g. address: 127.0.0.1:7701");
    }
    if (const auto token = scalar(node, "token_file", what, &a.token_file_mark)) {
      a.token_file = *token;
      if (options_.read_secrets) {
        if (const auto text = readSecret(*token, a.token_file_mark, what + ": token file")) {
          a.token = trimmed(*text);
          if (a.token.empty())
            error(a.token_file_mark, what + ": token file '" + *token + "' is empty");
        }
      }
    } else {
      error(a.mark, what +
                        " has no 'token_file': add the path of the token the agent created "
                        "(<state-dir>/operator.token)");
    }
    if (const YAML::Node t = node["tls"]; t.IsDefined() && !t.IsNull()) a.tls = tls(t, what);
    out.agents.push_back(std::move(a));
  }

  void root(const YAML::Node& root, ClusterFile& out) {
    if (!root.IsMap()) {
      error(root.IsNull() ? Mark{1, 1} : toMark(root.Mark()),
            "a cluster file is a mapping with 'agents' (and optionally 'tls' and 'kafka')");
      return;
    }
    checkMap(root, "the cluster file", {"agents", "tls", "kafka"});
    const YAML::Node agents = root["agents"];
    if (!agents.IsDefined() || agents.IsNull()) {
      error(Mark{1, 1},
            "no 'agents': list at least one agent, e.g. agents: [{name: node-a, "
            "address: 127.0.0.1:7701, token_file: ...}]");
    } else if (!agents.IsSequence()) {
      error(toMark(agents.Mark()), "'agents' must be a list of agent entries");
    } else if (agents.size() == 0) {
      error(toMark(agents.Mark()), "'agents' is empty: list at least one agent");
    } else {
      for (const YAML::Node& a : agents) agent(a, out);
    }
    if (const YAML::Node t = root["tls"]; t.IsDefined() && !t.IsNull()) out.tls = tls(t, "cluster");
    if (const YAML::Node k = root["kafka"]; k.IsDefined() && !k.IsNull()) {
      if (checkMap(k, "kafka", {"bootstrap"})) {
        Mark m = toMark(k.Mark());
        const auto bootstrap = scalar(k, "bootstrap", "kafka", &m);
        if (!bootstrap || trimmed(*bootstrap).empty()) {
          error(m, "kafka needs 'bootstrap': 'embedded' or HOST:PORT,HOST:PORT");
        } else if (*bootstrap != "embedded") {
          std::istringstream in(*bootstrap);
          for (std::string one; std::getline(in, one, ',');) {
            if (const auto problem = addressProblem(trimmed(one))) {
              error(m, "kafka bootstrap '" + trimmed(one) + "': " + *problem);
            }
          }
          out.kafka_bootstrap = *bootstrap;
        } else {
          out.kafka_bootstrap = *bootstrap;
        }
      }
    }
    for (AgentEntry& a : out.agents) {
      if (!a.tls && out.tls) a.tls = out.tls;
    }
  }

 private:
  std::string file_;
  const ClusterLoadOptions& options_;
  std::vector<Diagnostic> errors_;
  std::map<std::string, Mark> names_;
};

}  // namespace

std::vector<std::string> ClusterFile::agentNames() const {
  std::vector<std::string> names;
  names.reserve(agents.size());
  for (const AgentEntry& a : agents) names.push_back(a.name);
  return names;
}

const AgentEntry* ClusterFile::agent(std::string_view name) const {
  for (const AgentEntry& a : agents) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::string expandHome(std::string_view path) {
  if (path != "~" && !path.starts_with("~/")) return std::string(path);
  const char* home = std::getenv("HOME");
  if (!home || !*home) return std::string(path);
  return std::string(home) + std::string(path.substr(1));
}

ClusterLoadResult parseCluster(std::string_view yaml_text, std::string_view file_name,
                               const ClusterLoadOptions& options) {
  ClusterLoadResult result;
  Reader reader(file_name, options);
  ClusterFile cluster;
  cluster.path = std::string(file_name);
  try {
    // Load() reads one document; yaml-cpp 0.7's LoadAll() can loop forever.
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    reader.root(root, cluster);
  } catch (const YAML::Exception& e) {
    reader.error(toMark(e.mark), "YAML syntax error: " + e.msg);
  }
  result.errors = std::move(reader.errors());
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     const int la = a.mark.line > 0 ? a.mark.line : INT32_MAX;
                     const int lb = b.mark.line > 0 ? b.mark.line : INT32_MAX;
                     return std::pair(la, a.mark.col) < std::pair(lb, b.mark.col);
                   });
  if (result.errors.empty()) result.cluster = std::move(cluster);
  return result;
}

ClusterLoadResult loadClusterFile(const std::string& path, ClusterLoadOptions options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ClusterLoadResult r;
    r.errors.push_back(
        Diagnostic{path, {}, std::string("cannot read the cluster file: ") + std::strerror(errno)});
    return r;
  }
  std::string text;
  text.resize(kMaxClusterFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxClusterFileBytes) {
    ClusterLoadResult r;
    r.errors.push_back(Diagnostic{path, {}, "the cluster file is larger than 1 MiB"});
    return r;
  }
  if (options.base_dir.empty()) {
    options.base_dir = std::filesystem::path(path).parent_path().string();
    if (options.base_dir.empty()) options.base_dir = ".";
  }
  return parseCluster(text, path, options);
}

}  // namespace topolab::control
