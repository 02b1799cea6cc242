// Channels, credentials and status messages shared by the client and the watcher.
#include "client_shared.h"

#include <sstream>

namespace topolab::control {
namespace {

std::string seconds(std::chrono::milliseconds ms) {
  std::ostringstream out;
  out << static_cast<double>(ms.count()) / 1000.0;
  return out.str();
}

const char* codeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "cancelled";
    case grpc::StatusCode::UNKNOWN:
      return "unknown error";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out of range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "not implemented by this agent";
    case grpc::StatusCode::INTERNAL:
      return "internal error";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "error";
  }
}

}  // namespace

const AgentChannel* ClusterClient::Shared::find(std::string_view name) const {
  for (const AgentChannel& a : agents) {
    if (a.entry.name == name) return &a;
  }
  return nullptr;
}

void ClusterClient::Shared::prepare(grpc::ClientContext& context, const AgentChannel& agent,
                                    std::chrono::milliseconds deadline) const {
  context.AddMetadata("authorization", "Bearer " + agent.entry.token);
  if (deadline.count() > 0) context.set_deadline(std::chrono::system_clock::now() + deadline);
}

std::shared_ptr<grpc::ChannelCredentials> credentialsFor(const AgentEntry& agent) {
  if (!agent.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = agent.tls->ca_pem;
  options.pem_private_key = agent.tls->key_pem;
  options.pem_cert_chain = agent.tls->cert_pem;
  return grpc::SslCredentials(options);
}

grpc::ChannelArguments channelArguments() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  // A restarted agent is found again within about 2 s, not gRPC's default of
  // up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return args;
}

std::string describeStatus(const grpc::Status& status, const AgentEntry& agent,
                           std::chrono::milliseconds deadline) {
  const std::string& msg = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return "unreachable at " + agent.address + (msg.empty() ? "" : " (" + msg + ")");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "no answer from " + agent.address + " within " + seconds(deadline) + " s";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "refused the token in " + agent.token_file + (msg.empty() ? "" : ": " + msg);
    case grpc::StatusCode::PERMISSION_DENIED:
      // The agent's own message says which token is needed.
      return msg.empty() ? "permission denied: the token in " + agent.token_file +
                               " may not do this; use the agent's operator.token"
                         : msg;
    default:
      return msg.empty() ? std::string(codeName(status.error_code())) : msg;
  }
}

}  // namespace topolab::control
