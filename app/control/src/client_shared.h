// What ClusterClient and MetricsWatcher share: one channel and stub per agent,
// the bearer token on every call, and gRPC statuses turned into sentences.
#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>
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
  // Runs `rpc` with a prepared context. A call that finds no connection
  // (UNAVAILABLE: the agent answers no call with it) is made once more,
  // waiting for the connection until the deadline but at most
  // kReconnectWait: the agent may be starting, or gRPC 1.51 failed a sound
  // connect(2) because a call in between overwrote errno (grpc/grpc#35064).
  // When that wait runs out, the first failure is returned: it says why.
  template <typename Rpc>
  grpc::Status call(const AgentChannel& agent, std::chrono::milliseconds deadline,
                    Rpc&& rpc) const {
    const auto start = std::chrono::system_clock::now();
    grpc::Status status;
    {
      grpc::ClientContext context;
      prepare(context, agent, std::chrono::milliseconds(0));
      if (deadline.count() > 0) context.set_deadline(start + deadline);
      status = rpc(context);
    }
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE || deadline.count() <= 0) {
      return status;
    }
    grpc::ClientContext context;
    prepare(context, agent, std::chrono::milliseconds(0));
    context.set_deadline(
        std::min(start + deadline, std::chrono::system_clock::now() + kReconnectWait));
    context.set_wait_for_ready(true);
    grpc::Status again = rpc(context);
    return again.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? status : again;
  }
  static constexpr std::chrono::milliseconds kReconnectWait{2000};
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
