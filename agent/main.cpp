// topolab-agent: runs the TopoLab engine on one node of a lab cluster.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "agent_server.h"
#include "service_notifier.h"

int main(int argc, char** argv) {
  topolab::agent::AgentConfig config;
  double drain_s = 5;
  CLI::App app{"topolab-agent: runs TopoLab topologies on this node"};
  app.add_option("--listen", config.listen, "address to serve on (loopback by default)");
  app.add_option("--name", config.name, "this agent's name (default: the listen address)");
  app.add_option("--state-dir", config.state_dir, "tokens, audit log and file-sink output");
  app.add_flag("--embedded-kafka", config.embedded_kafka, "host an embedded Kafka cluster");
  app.add_option("--metrics-port", config.metrics_port,
                 "Prometheus endpoint on 127.0.0.1:PORT (0: any)");
  app.add_option("--tls-cert", config.tls_cert, "server certificate (PEM)");
  app.add_option("--tls-key", config.tls_key, "server private key (PEM)");
  app.add_option("--tls-client-ca", config.tls_client_ca,
                 "require client certificates from this CA (PEM)");
  app.add_option("--tls-peer-ca", config.tls_peer_ca,
                 "verify other agents' certificates with this CA (PEM; default: the client CA, "
                 "else this agent's own certificate)");
  app.add_flag("--insecure", config.insecure, "allow a non-loopback address without TLS");
  app.add_option("--max-message-bytes", config.max_message_bytes, "largest request accepted")
      ->check(CLI::Range(1024, 1 << 30));
  app.add_option("--max-components", config.max_components, "most components per topology")
      ->check(CLI::Range(1, 100000));
  app.add_option("--allow-exec", config.allow_exec,
                 "a program multilang components may run (repeatable): a name such as python3, "
                 "or a path")
      ->take_all()
      ->allow_extra_args(false);
  app.add_option("--plugin-dir", config.plugin_dirs,
                 "load the component types of the plugins (*.so) in DIR (repeatable); a "
                 "plugin runs inside the agent, so its crash stops the agent")
      ->allow_extra_args(false)
      ->type_name("DIR");
  app.add_option("--max-bundle-bytes", config.max_bundle_bytes,
                 "most bytes one resources bundle may hold")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--max-bundle-files", config.max_bundle_files,
                 "most files one resources bundle may hold")
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  app.add_option("--drain", drain_s, "seconds to drain deployments on SIGTERM");
  app.set_version_flag("--version", "topolab-agent " TOPOLAB_VERSION);
  CLI11_PARSE(app, argc, argv);

  // Signals are taken by this thread alone (every thread started later inherits the mask).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  std::string error;
  auto server = topolab::agent::AgentServer::start(config, &error);
  if (!server) {
    std::cerr << "topolab-agent: error: " << error << '\n';
    return 1;
  }
  if (const std::string kafka = server->kafkaBootstrap(); !kafka.empty()) {
    std::cerr << "kafka bootstrap: " << kafka << std::endl;
  }
  topolab::agent::ServiceNotifier notifier;
  notifier.ready("serving " + server->name() + " on port " + std::to_string(server->port()));
  int signal = 0;
  sigwait(&signals, &signal);
  notifier.stopping("draining");
  spdlog::info("{} received: draining (up to {} s) and stopping",
               signal == SIGTERM ? "SIGTERM" : "SIGINT", drain_s);
  server->shutdown(std::chrono::milliseconds(static_cast<int64_t>(drain_s * 1000)));
  spdlog::info("stopped");
  return 0;
}
