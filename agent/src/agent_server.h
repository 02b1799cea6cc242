// Assembles the agent: state dir and tokens, the listen policy and TLS, the
// gRPC server with the Agent and DataPlane services, the Prometheus endpoint.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "agent_config.h"

namespace topolab::agent {

class AgentServer {
 public:
  // Starts serving; nullptr with `error` set (what and how to fix it) when the
  // configuration is refused or the address cannot be bound.
  [[nodiscard]] static std::unique_ptr<AgentServer> start(const AgentConfig& config,
                                                          std::string* error);
  ~AgentServer();

  int port() const;
  int metricsPort() const;
  // bootstrap.servers of the embedded Kafka cluster; empty without --embedded-kafka.
  std::string kafkaBootstrap() const;  // -1 when there is no Prometheus endpoint
  const std::string& name() const;
  // Stops every deployment (draining until the deadline) and the server.
  void shutdown(std::chrono::milliseconds drain);

  struct Parts;

 private:
  explicit AgentServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace topolab::agent
