// The cluster file (DESIGN.md §2): which agents exist, where they listen, the
// token each is called with, optional TLS files and the Kafka cluster. Every
// problem is reported as FILE:LINE:COL, like a topology file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/spec.h"

namespace topolab::control {

// PEM files for TLS; `ca` verifies the agents, `cert` and `key` (both or
// neither) identify this client to agents that require mutual TLS.
struct TlsFiles {
  std::string ca;
  std::string cert;
  std::string key;
  // Their contents, read by loadClusterFile (when secrets are read).
  std::string ca_pem, cert_pem, key_pem;
  Mark mark;
};

struct AgentEntry {
  std::string name;
  std::string address;          // host:port or [v6-host]:port
  std::string token_file;       // as written
  std::string token;            // its content without surrounding whitespace
  std::optional<TlsFiles> tls;  // this agent's own, or the cluster's
  Mark mark;
  Mark name_mark;
  Mark address_mark;
  Mark token_file_mark;
};

struct ClusterFile {
  std::string path;
  std::vector<AgentEntry> agents;  // in file order
  std::optional<TlsFiles> tls;     // for every agent without its own
  std::string kafka_bootstrap;     // "embedded", "host:port,…" or empty

  std::vector<std::string> agentNames() const;
  const AgentEntry* agent(std::string_view name) const;
};

struct ClusterLoadResult {
  std::optional<ClusterFile> cluster;  // set only when there is no error
  std::vector<Diagnostic> errors;      // sorted by position

  bool ok() const { return cluster.has_value() && errors.empty(); }
};

struct ClusterLoadOptions {
  // Read token and TLS files (and report missing ones). Off for work that
  // only needs agent names, such as `deploy --plan-only`.
  bool read_secrets = true;
  // Relative token and TLS paths are taken from here; `~/` is always the
  // home directory. loadClusterFile sets it to the file's directory.
  std::string base_dir;
};

// Parses a cluster file's text; never throws.
[[nodiscard]] ClusterLoadResult parseCluster(std::string_view yaml_text, std::string_view file_name,
                                             const ClusterLoadOptions& options = {});
// Reads and parses `path`; relative paths inside are relative to its directory.
[[nodiscard]] ClusterLoadResult loadClusterFile(const std::string& path,
                                                ClusterLoadOptions options = {});

// "~" or "~/x" with the home directory; anything else unchanged.
std::string expandHome(std::string_view path);

}  // namespace topolab::control
