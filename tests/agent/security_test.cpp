// The agent's locks: tokens, roles, the listen policy and TLS, down to a real
// gRPC server with certificates made by the openssl command.
#include "security.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <set>
#include <sstream>
#include "test_files.h"

#include "test_pki.h"
#include "topolab/v1/agent.grpc.pb.h"
#include "topolab/v1/dataplane.grpc.pb.h"

namespace topolab::agent {
namespace {

namespace fs = std::filesystem;

using topolab::testing::modeOf;

// A temporary directory named after this suite.
struct TempDir : topolab::testing::TempDir {
  TempDir() : topolab::testing::TempDir("topolab-sec") {}
};

void writeFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool isLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// ---------------------------------------------------------------- tokens

TEST(Tokens, CreatedOnFirstStartWithModeOwnerOnly) {
  TempDir tmp;
  std::string state = tmp.file("a/state");  // parents absent too
  std::string error;
  auto tokens = TokenStore::open(state, &error);
  ASSERT_TRUE(tokens) << error;

  EXPECT_EQ(modeOf(state), 0700u);
  EXPECT_EQ(tokens->operatorTokenPath(), state + "/operator.token");
  EXPECT_EQ(tokens->viewerTokenPath(), state + "/viewer.token");
  EXPECT_EQ(modeOf(tokens->operatorTokenPath()), 0600u);
  EXPECT_EQ(modeOf(tokens->viewerTokenPath()), 0600u);
  for (const std::string* t : {&tokens->operatorToken(), &tokens->viewerToken()}) {
    EXPECT_EQ(t->size(), 64u);
    EXPECT_TRUE(isLowerHex(*t)) << *t;
  }
  EXPECT_NE(tokens->operatorToken(), tokens->viewerToken());
  EXPECT_EQ(readFile(tokens->operatorTokenPath()), tokens->operatorToken());
  EXPECT_EQ(readFile(tokens->viewerTokenPath()), tokens->viewerToken());
}

TEST(Tokens, StableAcrossReopen) {
  TempDir tmp;
  std::string error;
  auto first = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(first) << error;
  auto second = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(first->operatorToken(), second->operatorToken());
  EXPECT_EQ(first->viewerToken(), second->viewerToken());
}

TEST(Tokens, DifferentStateDirsGetDifferentTokens) {
  TempDir a, b;
  std::string error;
  auto ta = TokenStore::open(a.path(), &error);
  auto tb = TokenStore::open(b.path(), &error);
  ASSERT_TRUE(ta && tb) << error;
  EXPECT_NE(ta->operatorToken(), tb->operatorToken());
}

TEST(Tokens, FileReadableByOthersIsRefused) {
  TempDir tmp;
  std::string error;
  ASSERT_TRUE(TokenStore::open(tmp.path(), &error)) << error;
  std::string path = tmp.file("operator.token");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_FALSE(TokenStore::open(tmp.path(), &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("0644"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
}

TEST(Tokens, FileWritableByGroupIsRefused) {
  TempDir tmp;
  writeFile(tmp.file("operator.token"), "operator-secret-1", 0600);
  writeFile(tmp.file("viewer.token"), "viewer-secret-1", 0620);
  std::string error;
  EXPECT_FALSE(TokenStore::open(tmp.path(), &error));
  EXPECT_NE(error.find(tmp.file("viewer.token")), std::string::npos) << error;
}

TEST(Tokens, EmptyFileIsRefused) {
  TempDir tmp;
  writeFile(tmp.file("operator.token"), "\n", 0600);
  std::string error;
  EXPECT_FALSE(TokenStore::open(tmp.path(), &error));
  EXPECT_NE(error.find(tmp.file("operator.token")), std::string::npos) << error;
  EXPECT_NE(error.find("empty"), std::string::npos) << error;
}

TEST(Tokens, UnreadableFileIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir tmp;
  writeFile(tmp.file("viewer.token"), "viewer-secret-1", 0200);
  std::string error;
  EXPECT_FALSE(TokenStore::open(tmp.path(), &error));
  EXPECT_NE(error.find(tmp.file("viewer.token")), std::string::npos) << error;
}

TEST(Tokens, TokenPathThatIsADirectoryIsRefused) {
  TempDir tmp;
  ASSERT_EQ(::mkdir(tmp.file("viewer.token").c_str(), 0700), 0);
  std::string error;
  EXPECT_FALSE(TokenStore::open(tmp.path(), &error));
  EXPECT_NE(error.find(tmp.file("viewer.token")), std::string::npos) << error;
}

TEST(Tokens, TokenWithSpacesIsRefused) {
  TempDir tmp;
  writeFile(tmp.file("operator.token"), "two words", 0600);
  std::string error;
  EXPECT_FALSE(TokenStore::open(tmp.path(), &error));
  EXPECT_NE(error.find(tmp.file("operator.token")), std::string::npos) << error;
}

TEST(Tokens, SameTokenForBothRolesIsRefused) {
  TempDir tmp;
  writeFile(tmp.file("operator.token"), "shared-secret", 0600);
  writeFile(tmp.file("viewer.token"), "shared-secret\n", 0600);
  std::string error;
  EXPECT_FALSE(TokenStore::open(tmp.path(), &error));
  EXPECT_NE(error.find("same token"), std::string::npos) << error;
}

TEST(Tokens, UserWrittenTokensAreLoadedAsTheyAre) {
  TempDir tmp;
  writeFile(tmp.file("operator.token"), "Op3rator-Secret_42\n", 0600);
  writeFile(tmp.file("viewer.token"), "v1ewer.secret", 0400);
  std::string error;
  auto tokens = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(tokens) << error;
  EXPECT_EQ(tokens->operatorToken(), "Op3rator-Secret_42");
  EXPECT_EQ(tokens->viewerToken(), "v1ewer.secret");
  EXPECT_EQ(readFile(tmp.file("operator.token")), "Op3rator-Secret_42\n");  // untouched
}

TEST(Tokens, OnlyTheMissingFileIsCreated) {
  TempDir tmp;
  writeFile(tmp.file("operator.token"), "my-operator-token", 0600);
  std::string error;
  auto tokens = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(tokens) << error;
  EXPECT_EQ(tokens->operatorToken(), "my-operator-token");
  EXPECT_EQ(tokens->viewerToken().size(), 64u);
  EXPECT_EQ(modeOf(tmp.file("viewer.token")), 0600u);
}

TEST(Tokens, StateDirThatIsAFileIsRefused) {
  TempDir tmp;
  writeFile(tmp.file("state"), "x", 0600);
  std::string error;
  EXPECT_FALSE(TokenStore::open(tmp.file("state"), &error));
  EXPECT_NE(error.find(tmp.file("state")), std::string::npos) << error;
}

TEST(Tokens, RoleOfMatchesOnlyTheWholeToken) {
  TempDir tmp;
  std::string error;
  auto tokens = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(tokens) << error;
  const std::string& op = tokens->operatorToken();
  const std::string& viewer = tokens->viewerToken();

  EXPECT_EQ(tokens->roleOf(op), Role::Operator);
  EXPECT_EQ(tokens->roleOf(viewer), Role::Viewer);
  EXPECT_EQ(tokens->roleOf(""), Role::None);
  EXPECT_EQ(tokens->roleOf("wrong"), Role::None);
  EXPECT_EQ(tokens->roleOf(op.substr(0, 63)), Role::None);
  EXPECT_EQ(tokens->roleOf(op.substr(0, 1)), Role::None);
  EXPECT_EQ(tokens->roleOf(op + "0"), Role::None);
  EXPECT_EQ(tokens->roleOf(viewer.substr(0, 32)), Role::None);
  std::string flipped = op;
  flipped.back() = flipped.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(tokens->roleOf(flipped), Role::None);
  std::string upper = op;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != op) {
    EXPECT_EQ(tokens->roleOf(upper), Role::None);
  }
  EXPECT_EQ(tokens->roleOf(std::string_view(op.data(), op.size())), Role::Operator);
}

TEST(Tokens, RoleNames) {
  EXPECT_EQ(toString(Role::None), "none");
  EXPECT_EQ(toString(Role::Viewer), "viewer");
  EXPECT_EQ(toString(Role::Operator), "operator");
}

// ---------------------------------------------------------------- authorize

TEST(Authorize, ViewerMayOnlyReadAndOperatorMayCallEverything) {
  TempDir tmp;
  std::string error;
  auto tokens = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(tokens) << error;

  // Every method the protos declare, so a new one is covered (and locked) at once.
  const std::set<std::string> kViewerMethods = {"Hello", "List", "WatchMetrics", "Health"};
  std::vector<const google::protobuf::ServiceDescriptor*> services = {
      v1::HealthRequest::descriptor()->file()->FindServiceByName("Agent"),
      v1::Frame::descriptor()->file()->FindServiceByName("DataPlane")};
  int checked = 0;
  for (const auto* service : services) {
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string name = service->method(i)->name();
      const std::string full = "/" + service->full_name() + "/" + name;
      const bool viewer_ok = service->name() == "Agent" && kViewerMethods.count(name) > 0;
      for (const std::string& method : {name, full}) {
        SCOPED_TRACE(method);
        EXPECT_TRUE(authorize(Role::Operator, method, *tokens).ok());

        grpc::Status viewer = authorize(Role::Viewer, method, *tokens);
        if (viewer_ok) {
          EXPECT_TRUE(viewer.ok()) << viewer.error_message();
        } else {
          EXPECT_EQ(viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
          EXPECT_EQ(viewer.error_message(), "the viewer token may not call " + name +
                                                "; use the operator token from " +
                                                tokens->operatorTokenPath());
        }

        grpc::Status none = authorize(Role::None, method, *tokens);
        EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        EXPECT_EQ(none.error_message().rfind("missing or unknown bearer token", 0), 0u)
            << none.error_message();
        EXPECT_NE(none.error_message().find(tokens->operatorTokenPath()), std::string::npos);
        EXPECT_NE(none.error_message().find(tokens->viewerTokenPath()), std::string::npos);
        ++checked;
      }
    }
  }
  // 10 Agent methods (CreateKafkaTopics, HasBundles and PutBundle included) and Exchange and
  // Probe, short and full names.
  EXPECT_EQ(checked, 2 * 12);
}

TEST(Authorize, ViewerIsDeniedUnknownMethods) {
  TempDir tmp;
  std::string error;
  auto tokens = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(tokens) << error;
  EXPECT_EQ(authorize(Role::Viewer, "DeleteEverything", *tokens).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(authorize(Role::Viewer, "", *tokens).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(authorize(Role::Viewer, "hello", *tokens).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// ---------------------------------------------------------------- listen address

TEST(ListenAddress, ParsesLoopbackAndWildcardForms) {
  struct Case {
    std::string in, host;
    int port;
    bool loopback;
    std::string text;
  };
  const Case cases[] = {
      {"127.0.0.1:7701", "127.0.0.1", 7701, true, "127.0.0.1:7701"},
      {"127.8.9.10:1", "127.8.9.10", 1, true, "127.8.9.10:1"},
      {"[::1]:7701", "::1", 7701, true, "[::1]:7701"},
      {"[::ffff:127.0.0.1]:7701", "::ffff:127.0.0.1", 7701, true, "[::ffff:127.0.0.1]:7701"},
      {"localhost:7701", "localhost", 7701, true, "localhost:7701"},
      {"LocalHost:7701", "LocalHost", 7701, true, "LocalHost:7701"},
      {"127.0.0.1:0", "127.0.0.1", 0, true, "127.0.0.1:0"},
      {"0.0.0.0:7701", "0.0.0.0", 7701, false, "0.0.0.0:7701"},
      {":7701", "0.0.0.0", 7701, false, "0.0.0.0:7701"},
      {"[::]:7701", "::", 7701, false, "[::]:7701"},
      {"10.1.2.3:65535", "10.1.2.3", 65535, false, "10.1.2.3:65535"},
      {"[fe80::1]:80", "fe80::1", 80, false, "[fe80::1]:80"},
      {"node-b.lab.example:7701", "node-b.lab.example", 7701, false, "node-b.lab.example:7701"},
      {"localhost.evil.example:7701", "localhost.evil.example", 7701, false,
       "localhost.evil.example:7701"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    std::string error;
    auto a = parseListenAddress(c.in, &error);
    ASSERT_TRUE(a) << error;
    EXPECT_EQ(a->host, c.host);
    EXPECT_EQ(a->port, c.port);
    EXPECT_EQ(a->loopback, c.loopback);
    EXPECT_EQ(a->text(), c.text);
  }
}

TEST(ListenAddress, RejectsBadInputWithAReason) {
  struct Case {
    std::string in, reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {"127.0.0.1", "missing port"},
      {"127.0.0.1:", "missing port"},
      {"localhost", "missing port"},
      {"[::1]", "missing port"},
      {"[::1]:", "missing port"},
      {"127.0.0.1:65536", "out of range"},
      {"127.0.0.1:99999", "out of range"},
      {"127.0.0.1:123456", "not a number"},
      {"127.0.0.1:-1", "not a number"},
      {"127.0.0.1:+80", "not a number"},
      {"127.0.0.1:77a", "not a number"},
      {"127.0.0.1: 7701", "not a number"},
      {"::1:7701", "brackets"},
      {"[::1:7701", "']'"},
      {"[::1]7701", "':PORT'"},
      {"[]:7701", "not an IPv6 address"},
      {"[127.0.0.1]:7701", "not an IPv6 address"},
      {"256.0.0.1:7701", "not an IPv4 address"},
      {"127.0.0:7701", "not an IPv4 address"},
      {"foo bar:7701", "not a host name"},
      {"-bad-.example:7701", "not a host name"},
      {"a..b:7701", "not a host name"},
      {"http://127.0.0.1:7701", "URL"},
      {"garbage!", "missing port"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    std::string error;
    EXPECT_FALSE(parseListenAddress(c.in, &error));
    EXPECT_NE(error.find("listen address '" + c.in + "'"), std::string::npos) << error;
    EXPECT_NE(error.find(c.reason), std::string::npos) << error;
  }
}

TEST(ListenPolicy, AllInterfacesWithoutTlsIsRefusedWithTheFlagsThatUnlockIt) {
  std::string error;
  auto all = parseListenAddress("0.0.0.0:7701", &error);
  ASSERT_TRUE(all) << error;
  EXPECT_FALSE(checkListenPolicy(*all, /*tls=*/false, /*insecure=*/false, &error));
  EXPECT_NE(error.find("0.0.0.0:7701"), std::string::npos) << error;
  EXPECT_NE(error.find("--insecure"), std::string::npos) << error;
  EXPECT_NE(error.find("--tls-cert"), std::string::npos) << error;
  EXPECT_NE(error.find("--tls-key"), std::string::npos) << error;

  EXPECT_TRUE(checkListenPolicy(*all, /*tls=*/true, /*insecure=*/false, &error));
  EXPECT_TRUE(checkListenPolicy(*all, /*tls=*/false, /*insecure=*/true, &error));
}

TEST(ListenPolicy, LoopbackNeedsNoTlsAndOtherAddressesDo) {
  for (const char* s : {"127.0.0.1:7701", "[::1]:7701", "localhost:7701"}) {
    std::string error;
    auto a = parseListenAddress(s, &error);
    ASSERT_TRUE(a) << error;
    EXPECT_TRUE(checkListenPolicy(*a, false, false, &error)) << s << ": " << error;
  }
  for (const char* s : {":7701", "[::]:7701", "10.0.0.5:7701", "node-b:7701"}) {
    std::string error;
    auto a = parseListenAddress(s, &error);
    ASSERT_TRUE(a) << error;
    EXPECT_FALSE(checkListenPolicy(*a, false, false, &error)) << s;
  }
}

// ---------------------------------------------------------------- credential files

class Certificates : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::string log;
    const bool ok = topolab::testing::makeTestPki(dir_->path(), &log);
    if (!ok) failed_ = log;
    if (!ok) failed_ += "\n" + readFile(dir_->file("openssl.out"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(failed_.empty()) << failed_; }

  static std::string path(const std::string& name) { return dir_->file(name); }

  static inline TempDir* dir_ = nullptr;
  static inline std::string failed_;
};

TEST_F(Certificates, NoFilesMeansInsecureServer) {
  std::string error;
  auto creds = serverCredentials({}, &error);
  ASSERT_TRUE(creds) << error;
}

TEST_F(Certificates, MissingServerFilesAreNamed) {
  struct Case {
    TlsFiles files;
    std::string named;
  };
  const std::string missing = path("no-such.pem");
  const Case cases[] = {
      {{missing, path("server.key"), ""}, missing},
      {{path("server.crt"), missing, ""}, missing},
      {{path("server.crt"), path("server.key"), missing}, missing},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(serverCredentials(c.files, &error));
    EXPECT_NE(error.find("'" + c.named + "'"), std::string::npos) << error;
    EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  }
}

TEST_F(Certificates, CertWithoutKeyAndKeyWithoutCertAreRefused) {
  std::string error;
  EXPECT_FALSE(serverCredentials({path("server.crt"), "", ""}, &error));
  EXPECT_NE(error.find(path("server.crt")), std::string::npos) << error;
  EXPECT_NE(error.find("--tls-key"), std::string::npos) << error;

  EXPECT_FALSE(serverCredentials({"", path("server.key"), ""}, &error));
  EXPECT_NE(error.find(path("server.key")), std::string::npos) << error;
  EXPECT_NE(error.find("--tls-cert"), std::string::npos) << error;

  EXPECT_FALSE(serverCredentials({"", "", path("ca.crt")}, &error));
  EXPECT_NE(error.find(path("ca.crt")), std::string::npos) << error;
}

TEST_F(Certificates, FilesThatAreNotPemAreRefused) {
  writeFile(path("garbage.pem"), "this is not a certificate\n", 0600);
  writeFile(path("empty.pem"), "", 0600);
  std::string error;
  EXPECT_FALSE(serverCredentials({path("garbage.pem"), path("server.key"), ""}, &error));
  EXPECT_NE(error.find(path("garbage.pem")), std::string::npos) << error;
  EXPECT_NE(error.find("not a PEM certificate"), std::string::npos) << error;

  // A certificate where the key should be.
  EXPECT_FALSE(serverCredentials({path("server.crt"), path("server.crt"), ""}, &error));
  EXPECT_NE(error.find("not a PEM private key"), std::string::npos) << error;

  EXPECT_FALSE(serverCredentials({path("server.crt"), path("empty.pem"), ""}, &error));
  EXPECT_NE(error.find(path("empty.pem")), std::string::npos) << error;

  EXPECT_FALSE(serverCredentials({path("server.crt"), path("server.key"), dir_->path()}, &error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
}

TEST_F(Certificates, ClientFilesAreCheckedToo) {
  std::string error;
  EXPECT_TRUE(channelCredentials({}, &error));
  EXPECT_TRUE(channelCredentials({path("ca.crt"), "", ""}, &error)) << error;
  EXPECT_TRUE(channelCredentials({path("ca.crt"), path("client.crt"), path("client.key")}, &error))
      << error;

  EXPECT_FALSE(channelCredentials({path("ca.crt"), path("client.crt"), ""}, &error));
  EXPECT_NE(error.find(path("client.crt")), std::string::npos) << error;
  EXPECT_FALSE(channelCredentials({path("missing-ca.crt"), "", ""}, &error));
  EXPECT_NE(error.find(path("missing-ca.crt")), std::string::npos) << error;
}

// ---------------------------------------------------------------- over the wire

// Implements Health only; with tokens it checks the caller's bearer token.
class HealthOnly final : public v1::Agent::CallbackService {
 public:
  explicit HealthOnly(const TokenStore* tokens) : tokens_(tokens) {}

  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* ctx, const v1::HealthRequest*,
                                   v1::HealthReply* reply) override {
    auto* reactor = ctx->DefaultReactor();
    if (tokens_) {
      Role role = authenticate(*ctx, *tokens_);
      last_role_ = role;
      grpc::Status status = authorize(role, "Health", *tokens_);
      if (!status.ok()) {
        reactor->Finish(status);
        return reactor;
      }
    }
    reply->set_serving(true);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  std::atomic<Role> last_role_{Role::None};

 private:
  const TokenStore* tokens_;
};

class TestServer {
 public:
  TestServer(const std::shared_ptr<grpc::ServerCredentials>& creds,
             const TokenStore* tokens = nullptr)
      : service_(tokens) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", creds, &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~TestServer() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  bool started() const { return server_ && port_ > 0; }
  int port() const { return port_; }
  HealthOnly& service() { return service_; }

 private:
  HealthOnly service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

grpc::Status callHealth(int port, const std::shared_ptr<grpc::ChannelCredentials>& creds,
                        const std::vector<std::string>& authorization = {}) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), creds);
  auto stub = v1::Agent::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  for (const std::string& value : authorization) ctx.AddMetadata("authorization", value);
  v1::HealthRequest request;
  v1::HealthReply reply;
  grpc::Status status = stub->Health(&ctx, request, &reply);
  if (status.ok() && !reply.serving())
    return grpc::Status(grpc::StatusCode::INTERNAL, "empty reply");
  return status;
}

std::shared_ptr<grpc::ChannelCredentials> clientCreds(const ClientTls& tls) {
  std::string error;
  auto creds = channelCredentials(tls, &error);
  EXPECT_TRUE(creds) << error;
  return creds;
}

TEST_F(Certificates, MutualTlsAcceptsOnlyClientsWithACertificateFromTheClientCa) {
  std::string error;
  auto creds = serverCredentials({path("server.crt"), path("server.key"), path("ca.crt")}, &error);
  ASSERT_TRUE(creds) << error;
  TestServer server(creds);
  ASSERT_TRUE(server.started());

  grpc::Status good = callHealth(
      server.port(), clientCreds({path("ca.crt"), path("client.crt"), path("client.key")}));
  EXPECT_TRUE(good.ok()) << good.error_code() << ": " << good.error_message();

  grpc::Status stranger = callHealth(
      server.port(), clientCreds({path("ca.crt"), path("stranger.crt"), path("stranger.key")}));
  EXPECT_FALSE(stranger.ok()) << "a certificate from another CA got in";

  grpc::Status no_cert = callHealth(server.port(), clientCreds({path("ca.crt"), "", ""}));
  EXPECT_FALSE(no_cert.ok()) << "a client without a certificate got in";

  grpc::Status plain = callHealth(server.port(), grpc::InsecureChannelCredentials());
  EXPECT_FALSE(plain.ok()) << "a plaintext client got in";

  // And the good client still works after the refusals.
  good = callHealth(server.port(),
                    clientCreds({path("ca.crt"), path("client.crt"), path("client.key")}));
  EXPECT_TRUE(good.ok()) << good.error_message();
}

// The files are each good PEM, so serverCredentials takes them; gRPC itself
// refuses the pair when the server starts, so the agent cannot run half-locked.
TEST_F(Certificates, KeyOfAnotherCertificateFailsAtStart) {
  std::string error;
  auto creds = serverCredentials({path("server.crt"), path("client.key"), ""}, &error);
  ASSERT_TRUE(creds) << error;
  TestServer server(creds);
  EXPECT_FALSE(server.started());
}

TEST_F(Certificates, PlainTlsAcceptsAClientWithoutACertificate) {
  std::string error;
  auto creds = serverCredentials({path("server.crt"), path("server.key"), ""}, &error);
  ASSERT_TRUE(creds) << error;
  TestServer server(creds);
  ASSERT_TRUE(server.started());

  grpc::Status status = callHealth(server.port(), clientCreds({path("ca.crt"), "", ""}));
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();

  // The client checks the server too: trusting only the other CA, it refuses this one.
  grpc::Status wrong_ca = callHealth(server.port(), clientCreds({path("other-ca.crt"), "", ""}));
  EXPECT_FALSE(wrong_ca.ok());

  grpc::Status plain = callHealth(server.port(), grpc::InsecureChannelCredentials());
  EXPECT_FALSE(plain.ok());
}

// ---------------------------------------------------------------- bearer tokens over the wire

TEST(Authenticate, BearerMetadataGivesTheTokensRole) {
  TempDir tmp;
  std::string error;
  auto tokens = TokenStore::open(tmp.path(), &error);
  ASSERT_TRUE(tokens) << error;
  auto creds = serverCredentials({}, &error);
  ASSERT_TRUE(creds) << error;
  TestServer server(creds, &*tokens);
  ASSERT_TRUE(server.started());
  auto insecure = grpc::InsecureChannelCredentials();
  const std::string& op = tokens->operatorToken();
  const std::string& viewer = tokens->viewerToken();

  struct Case {
    std::vector<std::string> authorization;
    Role role;
  };
  const Case cases[] = {
      {{"Bearer " + op}, Role::Operator},
      {{"Bearer " + viewer}, Role::Viewer},
      {{"bearer " + viewer}, Role::Viewer},
      {{}, Role::None},
      {{op}, Role::None},
      {{"Bearer"}, Role::None},
      {{"Bearer "}, Role::None},
      {{"Basic " + op}, Role::None},
      {{"Bearer" + op}, Role::None},
      {{"Bearer wrong"}, Role::None},
      {{"Bearer " + op.substr(0, 40)}, Role::None},
      {{"Bearer " + op + " " + op}, Role::None},
      {{"Bearer " + op, "Bearer " + viewer}, Role::None},
  };
  for (const Case& c : cases) {
    std::string trace;
    for (const auto& v : c.authorization) trace += "[" + v + "]";
    SCOPED_TRACE(trace);
    server.service().last_role_ = Role::Operator;  // anything but what is expected
    if (c.role == Role::Operator) server.service().last_role_ = Role::None;
    grpc::Status status = callHealth(server.port(), insecure, c.authorization);
    EXPECT_EQ(server.service().last_role_.load(), c.role);
    if (c.role == Role::None) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
      EXPECT_NE(status.error_message().find(tokens->operatorTokenPath()), std::string::npos)
          << status.error_message();
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
  }
}

}  // namespace
}  // namespace topolab::agent
