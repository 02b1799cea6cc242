#include "agent_server.h"

#include <spdlog/spdlog.h>

#include "agent_service.h"
#include "audit_log.h"
#include "bundle_store.h"
#include "deployment.h"
#include "prometheus_exporter.h"
#include "security.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/plugin_loader.h"

namespace topolab::agent {

struct AgentServer::Parts {
  AgentConfig config;
  std::string name;
  // Declared first so it goes last: deployments may still produce into it while they drain.
  std::unique_ptr<EmbeddedKafka> kafka;
  std::optional<TokenStore> tokens;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<BundleStore> bundles;  // before the deployments that use it
  std::unique_ptr<DeploymentManager> manager;
  std::unique_ptr<MetricsHub> hub;
  std::unique_ptr<AgentService> agent_service;
  std::unique_ptr<DataPlaneService> data_plane;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<PrometheusExporter> exporter;
  int port = 0;
  bool stopped = false;
};

AgentServer::AgentServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

AgentServer::~AgentServer() { shutdown(std::chrono::milliseconds(0)); }

std::unique_ptr<AgentServer> AgentServer::start(const AgentConfig& config, std::string* error) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  auto address = parseListenAddress(config.listen, error);
  if (!address) return nullptr;
  const bool tls = !config.tls_cert.empty() || !config.tls_key.empty();
  if (!checkListenPolicy(*address, tls, config.insecure, error)) return nullptr;
  for (const std::string& program : config.allow_exec) {
    if (std::string why = ExecPolicy::checkEntry(program); !why.empty()) {
      *error = why;
      return nullptr;
    }
  }
  if (config.max_bundle_bytes == 0 || config.max_bundle_files == 0) {
    *error = "--max-bundle-bytes and --max-bundle-files must be at least 1";
    return nullptr;
  }
  if (!config.tls_client_ca.empty() && !tls) {
    *error = "--tls-client-ca needs --tls-cert and --tls-key";
    return nullptr;
  }
  if (!config.tls_peer_ca.empty() && !tls) {
    *error = "--tls-peer-ca needs --tls-cert and --tls-key";
    return nullptr;
  }
  if (!config.plugin_dirs.empty()) {
    const PluginLoadReport plugins = loadPluginDirs(config.plugin_dirs);
    if (!plugins.ok()) {
      *error = "plugin " + plugins.errors.front();
      for (size_t i = 1; i < plugins.errors.size(); ++i) *error += "\nplugin " + plugins.errors[i];
      return nullptr;
    }
    for (const std::string& type : plugins.types) spdlog::info("plugin type {} loaded", type);
  }
  auto server_credentials =
      serverCredentials(TlsFiles{config.tls_cert, config.tls_key, config.tls_client_ca}, error);
  if (!server_credentials) return nullptr;
  // Agents reach each other with the same identity they serve with (under
  // mutual TLS), and trust peers signed by the peer CA, else the client CA,
  // else a certificate the lab shares.
  const bool mutual = !config.tls_client_ca.empty();
  const std::string& peer_ca = !config.tls_peer_ca.empty() ? config.tls_peer_ca
                               : mutual                    ? config.tls_client_ca
                                                           : config.tls_cert;
  auto peer_credentials = channelCredentials(
      tls ? ClientTls{peer_ca, mutual ? config.tls_cert : "", mutual ? config.tls_key : ""}
          : ClientTls{},
      error);
  if (!peer_credentials) return nullptr;
  if (!ensureStateDir(config.state_dir, error)) return nullptr;
  p->tokens = TokenStore::open(config.state_dir, error);
  if (!p->tokens) return nullptr;
  p->audit = AuditLog::open(config.state_dir, error);
  if (!p->audit) return nullptr;

  p->name = config.name.empty() ? address->text() : config.name;
  std::string kafka_bootstrap;
  if (config.embedded_kafka) {
    p->kafka = EmbeddedKafka::start(3, error);
    if (!p->kafka) {
      *error = "cannot start the embedded Kafka cluster: " + *error;
      return nullptr;
    }
    kafka_bootstrap = p->kafka->bootstrap();
  }
  p->bundles = std::make_unique<BundleStore>(config.state_dir, config.max_bundle_bytes,
                                             config.max_bundle_files);
  p->bundles->cleanUpAtStart();
  p->manager = std::make_unique<DeploymentManager>(config, p->name, peer_credentials, *p->bundles,
                                                   kafka_bootstrap);
  p->hub = std::make_unique<MetricsHub>(*p->manager, p->name);
  p->agent_service = std::make_unique<AgentService>(config, p->name, *p->tokens, *p->audit,
                                                    *p->manager, *p->hub, *p->bundles);
  p->agent_service->setEmbeddedKafka(p->kafka.get());
  p->data_plane = std::make_unique<DataPlaneService>(*p->manager);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(address->text(), server_credentials, &p->port);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(64 << 20);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 500);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.RegisterService(p->agent_service.get());
  builder.RegisterService(p->data_plane.get());
  p->server = builder.BuildAndStart();
  if (!p->server || p->port == 0) {
    *error = "cannot listen on " + address->text() +
             (tls ? " (is the port in use, or do --tls-cert and --tls-key not belong together?)"
                  : " (is the port in use?)");
    return nullptr;
  }
  if (config.metrics_port >= 0) {
    DeploymentManager* manager = p->manager.get();
    p->exporter = PrometheusExporter::start(
        "127.0.0.1:" + std::to_string(config.metrics_port), p->name,
        [manager] {
          std::vector<std::pair<std::string, Snapshot>> out;
          for (const DeploymentPtr& d : manager->all())
            out.emplace_back(d->name, d->runtime->snapshot());
          return out;
        },
        error);
    if (!p->exporter) return nullptr;
  }
  spdlog::info("topolab-agent {} listening on {}:{}{}", p->name, address->host, p->port,
               tls ? (config.tls_client_ca.empty() ? " (TLS)" : " (mutual TLS)") : "");
  spdlog::info("operator token: {}; viewer token: {}", p->tokens->operatorTokenPath(),
               p->tokens->viewerTokenPath());
  if (p->exporter)
    spdlog::info("Prometheus metrics on http://127.0.0.1:{}/metrics", p->exporter->port());
  if (config.allow_exec.empty()) {
    spdlog::info("runs no multilang programs (allow them with --allow-exec PROGRAM)");
  } else {
    std::string programs;
    for (const std::string& a : config.allow_exec) programs += (programs.empty() ? "" : ", ") + a;
    spdlog::info("multilang programs allowed: {}", programs);
  }
  return std::unique_ptr<AgentServer>(new AgentServer(std::move(p)));
}

int AgentServer::port() const { return parts_->port; }
std::string AgentServer::kafkaBootstrap() const {
  return parts_->kafka ? parts_->kafka->bootstrap() : std::string();
}
int AgentServer::metricsPort() const { return parts_->exporter ? parts_->exporter->port() : -1; }
const std::string& AgentServer::name() const { return parts_->name; }

void AgentServer::shutdown(std::chrono::milliseconds drain) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->manager->stopAll(drain);
  parts_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  parts_->server->Wait();
  parts_->exporter.reset();
  parts_->hub.reset();
  parts_->kafka.reset();
}

}  // namespace topolab::agent
