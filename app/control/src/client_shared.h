// What ClusterClient and MetricsWatcher share: one channel and stub per agent,
// the bearer token on every call, and gRPC statuses turned into sentences.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "topolab/control/cluster_client.h"
#include "topolab/v1/agent.grpc.pb.h"

namespace topolab::control {

struct AgentChannel {
  AgentEntry entry;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Agent::StubInterface> stub;
};

struct ClusterClient::Shared {
  ClusterFile cluster;
  ClientOptions options;
  std::vector<AgentChannel> agents;  // cluster order

  const AgentChannel* find(std::string_view name) const;
  // Sets the bearer token and the deadline (none when `deadline` is zero).
  void prepare(grpc::ClientContext& context, const AgentChannel& agent,
               std::chrono::milliseconds deadline) const;
};

// The channel credentials for an agent: TLS from its PEM contents, or insecure.
std::shared_ptr<grpc::ChannelCredentials> credentialsFor(const AgentEntry& agent);
// Channel arguments every control channel uses (message size, reconnect backoff).
grpc::ChannelArguments channelArguments();

// e.g. "unreachable at 127.0.0.1:7702 (failed to connect to all addresses)",
// "no answer within 2 s", "refused the token (check token_file ...): ...".
std::string describeStatus(const grpc::Status& status, const AgentEntry& agent,
                           std::chrono::milliseconds deadline);

}  // namespace topolab::control
