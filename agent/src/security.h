// The agent's locks (DESIGN.md §6): bearer tokens and roles, the listen-address
// policy and TLS credentials. The agent runs what it is told, so everything here
// fails closed: a missing, unknown or malformed credential gets no access.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace topolab::agent {

enum class Role { None, Viewer, Operator };

// "none", "viewer", "operator" (as HelloReply.role and the audit log spell them).
std::string_view toString(Role role);

// Creates `dir` (and missing parents) with mode 0700 if absent. False and a
// message naming the directory when it cannot be created or is not a directory.
[[nodiscard]] bool ensureStateDir(const std::string& dir, std::string* error);

// The two bearer tokens in <state_dir>/operator.token and viewer.token.
class TokenStore {
 public:
  // Creates missing token files (32 random bytes from /dev/urandom as 64 hex
  // characters, mode 0600; the state dir 0700 if absent) and loads existing ones
  // as they are (trailing whitespace aside). Refuses, with a message naming the
  // file, a token file that is empty, unreadable, not a regular file, accessible
  // by group or others, or holding spaces or control characters, and two equal tokens.
  [[nodiscard]] static std::optional<TokenStore> open(const std::string& state_dir,
                                                      std::string* error);

  // The role a presented token grants, compared in constant time; "" -> None.
  Role roleOf(std::string_view presented) const;

  const std::string& operatorToken() const { return operator_; }
  const std::string& viewerToken() const { return viewer_; }
  std::string operatorTokenPath() const;
  std::string viewerTokenPath() const;

 private:
  TokenStore(std::string dir, std::string operator_token, std::string viewer_token)
      : dir_(std::move(dir)),
        operator_(std::move(operator_token)),
        viewer_(std::move(viewer_token)) {}

  std::string dir_;
  std::string operator_;
  std::string viewer_;
};

// The role of the caller's "authorization: Bearer <token>" metadata; None when
// it is absent, repeated, malformed or unknown.
Role authenticate(const grpc::ServerContextBase& ctx, const TokenStore& tokens);

// Whether `role` may call `method` ("Deploy" or "/topolab.v1.Agent/Deploy").
// Viewer: Hello, List, WatchMetrics, Health; Operator: everything. OK,
// UNAUTHENTICATED for None, or PERMISSION_DENIED naming the operator token's file.
grpc::Status authorize(Role role, std::string_view method, const TokenStore& tokens);

struct ListenAddress {
  std::string host;  // without brackets; "0.0.0.0" for all interfaces
  int port = 0;      // 0: any free port
  bool loopback = false;
  // host:port for grpc::ServerBuilder::AddListeningPort ("[::1]:7701" for IPv6).
  std::string text() const;
};

// "127.0.0.1:7701", "[::1]:7701", "localhost:7701", "0.0.0.0:7701", ":7701"
// (all interfaces, not loopback). Loopback: 127.0.0.0/8, ::1 and "localhost";
// any other name counts as reachable from outside.
[[nodiscard]] std::optional<ListenAddress> parseListenAddress(std::string_view s,
                                                              std::string* error);

// Locked by default: a non-loopback address needs TLS unless `insecure`. The
// message says which flags unlock it.
[[nodiscard]] bool checkListenPolicy(const ListenAddress& a, bool tls, bool insecure,
                                     std::string* error);

struct TlsFiles {
  std::string cert, key, client_ca;  // PEM file paths
};

// Insecure credentials when cert and key are empty; TLS from the PEM files
// otherwise; with client_ca, mutual TLS that refuses any client without a
// certificate verified by that CA. Null and a message naming the file when a
// file is missing, unreadable or not PEM, or cert and key are not given together.
[[nodiscard]] std::shared_ptr<grpc::ServerCredentials> serverCredentials(const TlsFiles& files,
                                                                         std::string* error);

struct ClientTls {
  std::string ca, cert, key;  // PEM file paths; all empty: insecure
};

// The client side: insecure when all are empty; TLS trusting `ca` (the system
// roots when empty) with an optional client certificate (cert and key together).
[[nodiscard]] std::shared_ptr<grpc::ChannelCredentials> channelCredentials(const ClientTls& tls,
                                                                           std::string* error);

}  // namespace topolab::agent
