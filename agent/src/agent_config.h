// The agent's settings, parsed from its flags (DESIGN.md §7).
#pragma once

#include <string>

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
  bool insecure = false;
  // Caps on what a request may carry.
  int max_message_bytes = 16 << 20;
  int max_components = 1000;
  int max_streams = 10000;
};

}  // namespace topolab::agent
