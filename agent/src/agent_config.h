// The agent's settings, parsed from its flags (DESIGN.md §7).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace topolab::agent {

struct AgentConfig {
  std::string listen = "127.0.0.1:7701";
  std::string name;  // default: the listen address
  std::string state_dir = "./topolab-agent-state";
  bool embedded_kafka = false;
  int metrics_port = -1;  // -1: no Prometheus endpoint; 0: any free port
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // Verifies other agents' certificates (PEM); empty: the client CA, else this
  // agent's own certificate (a lab that shares one).
  std::string tls_peer_ca;
  bool insecure = false;
  // Caps on what a request may carry.
  int max_message_bytes = 16 << 20;
  int max_components = 1000;
  int max_streams = 10000;
  // Resources bundles: the most bytes and files one bundle may hold here.
  uint64_t max_bundle_bytes = uint64_t{64} << 20;
  uint64_t max_bundle_files = 10000;
  // What a multilang component's program may be (--allow-exec, repeatable):
  // a name ("python3") or a path ("./bin/split"); empty: no programs at all.
  std::vector<std::string> allow_exec;
  // Folders of plugins (--plugin-dir, repeatable) whose component types this
  // agent runs, loaded at start; a refused plugin stops the start.
  std::vector<std::string> plugin_dirs;
};

}  // namespace topolab::agent
