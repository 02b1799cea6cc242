// The agent's locks: tokens, roles, the listen policy and TLS credentials.
#include "security.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>

namespace topolab::agent {
namespace {

constexpr std::string_view kOperatorTokenFile = "operator.token";
constexpr std::string_view kViewerTokenFile = "viewer.token";
constexpr size_t kTokenBytes = 32;
constexpr size_t kMaxTokenFileBytes = 4096;
constexpr size_t kMaxPemFileBytes = 1 << 20;

void setError(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

std::string errnoText(int err) { return std::strerror(err); }

std::string joinPath(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

// Closes a file descriptor on every return path.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads a whole regular file of at most `limit` bytes; errno-style failures
// become a message "<what> '<path>': <reason>".
std::optional<std::string> readSmallFile(const std::string& path, std::string_view what,
                                         size_t limit, struct stat* st_out, std::string* error) {
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    setError(error, std::string("cannot read ") + std::string(what) + " '" + path +
                        "': " + errnoText(errno));
    return std::nullopt;
  }
  FdGuard fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    setError(error, std::string("cannot read ") + std::string(what) + " '" + path +
                        "': " + errnoText(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    setError(error, std::string(what) + " '" + path + "' is not a regular file");
    return std::nullopt;
  }
  if (static_cast<size_t>(st.st_size) > limit) {
    setError(error, std::string(what) + " '" + path + "' is too large (" +
                        std::to_string(st.st_size) + " bytes, at most " + std::to_string(limit) +
                        ")");
    return std::nullopt;
  }
  std::string data;
  std::array<char, 4096> buf{};
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      setError(error, std::string("cannot read ") + std::string(what) + " '" + path +
                          "': " + errnoText(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buf.data(), static_cast<size_t>(n));
    if (data.size() > limit) {
      setError(error, std::string(what) + " '" + path + "' is too large (more than " +
                          std::to_string(limit) + " bytes)");
      return std::nullopt;
    }
  }
  if (st_out) *st_out = st;
  return data;
}

std::string modeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::optional<std::string> randomHex(size_t bytes, std::string* error) {
  int raw = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    setError(error, "cannot open /dev/urandom: " + errnoText(errno));
    return std::nullopt;
  }
  FdGuard fd(raw);
  std::string random(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::read(fd.get(), random.data() + got, bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      setError(error, "cannot read /dev/urandom: " +
                          (n < 0 ? errnoText(errno) : std::string("unexpected end of file")));
      return std::nullopt;
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char c : random) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

// Creates the token file if it does not exist. Returns true with `created`
// telling whether this call made it; O_EXCL keeps an existing file untouched.
bool createTokenFileIfAbsent(const std::string& path, bool* created, std::string* error) {
  *created = false;
  int raw = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (raw < 0) {
    if (errno == EEXIST) return true;
    setError(error, "cannot create token file '" + path + "': " + errnoText(errno));
    return false;
  }
  FdGuard fd(raw);
  auto token = randomHex(kTokenBytes, error);
  // The umask can only clear bits, but be explicit: the mode is the lock.
  bool ok = token && ::fchmod(fd.get(), 0600) == 0 && writeAll(fd.get(), *token) &&
            ::fsync(fd.get()) == 0;
  if (!ok) {
    if (token) setError(error, "cannot write token file '" + path + "': " + errnoText(errno));
    ::unlink(path.c_str());
    return false;
  }
  *created = true;
  return true;
}

std::optional<std::string> loadTokenFile(const std::string& path, std::string* error) {
  struct stat st {};
  auto data = readSmallFile(path, "token file", kMaxTokenFileBytes, &st, error);
  if (!data) return std::nullopt;
  if ((st.st_mode & 077) != 0) {
    setError(error, "token file '" + path + "' has mode " + modeText(st.st_mode) +
                        ", so group or others can use it; run 'chmod 600 " + path +
                        "' (or delete it to get a new token)");
    return std::nullopt;
  }
  // Editors and `echo` add a newline; it is not part of the token.
  while (!data->empty() && std::isspace(static_cast<unsigned char>(data->back()))) {
    data->pop_back();
  }
  if (data->empty()) {
    setError(error, "token file '" + path + "' is empty; delete it to get a new token");
    return std::nullopt;
  }
  for (unsigned char c : *data) {
    if (c <= 0x20 || c >= 0x7f) {
      setError(error, "token file '" + path +
                          "' holds spaces or control characters; a token is one word of "
                          "printable ASCII (delete the file to get a new token)");
      return std::nullopt;
    }
  }
  return data;
}

std::optional<std::string> openToken(const std::string& path, std::string* error) {
  bool created = false;
  if (!createTokenFileIfAbsent(path, &created, error)) return std::nullopt;
  return loadTokenFile(path, error);
}

// Time depends on the lengths only, never on where the strings differ.
bool constantTimeEquals(std::string_view a, std::string_view b) {
  size_t n = std::max(a.size(), b.size());
  volatile unsigned char diff = a.size() != b.size() ? 1 : 0;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view shortMethod(std::string_view method) {
  auto slash = method.rfind('/');
  return slash == std::string_view::npos ? method : method.substr(slash + 1);
}

bool viewerMayCall(std::string_view method) {
  static constexpr std::array<std::string_view, 4> kViewerMethods = {"Hello", "List",
                                                                     "WatchMetrics", "Health"};
  return std::find(kViewerMethods.begin(), kViewerMethods.end(), method) != kViewerMethods.end();
}

bool isLoopbackV4(const in_addr& a) { return (ntohl(a.s_addr) >> 24) == 127; }

bool isLoopbackV6(const in6_addr& a) {
  if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
  if (IN6_IS_ADDR_V4MAPPED(&a)) return a.s6_addr[12] == 127;
  return false;
}

bool validHostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool looksLikeIpv4(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

std::optional<std::string> readPem(const std::string& path, std::string_view what, bool is_key,
                                   std::string* error) {
  auto data = readSmallFile(path, what, kMaxPemFileBytes, nullptr, error);
  if (!data) return std::nullopt;
  if (data->empty()) {
    setError(error, std::string(what) + " '" + path + "' is empty");
    return std::nullopt;
  }
  if (!is_key) {
    if (data->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      setError(error, std::string(what) + " '" + path +
                          "' is not a PEM certificate (no '-----BEGIN CERTIFICATE-----' "
                          "line); convert DER with 'openssl x509 -inform der -in FILE -out "
                          "FILE.pem'");
      return std::nullopt;
    }
    return data;
  }
  if (data->find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
      data->find("Proc-Type: 4,ENCRYPTED") != std::string::npos) {
    setError(error, std::string(what) + " '" + path +
                        "' is encrypted; the agent needs an unencrypted key ('openssl pkey -in " +
                        path + " -out KEY.pem')");
    return std::nullopt;
  }
  auto begin = data->find("-----BEGIN ");
  if (begin == std::string::npos || data->find("PRIVATE KEY-----", begin) == std::string::npos) {
    setError(error, std::string(what) + " '" + path +
                        "' is not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)");
    return std::nullopt;
  }
  return data;
}

}  // namespace

std::string_view toString(Role role) {
  switch (role) {
    case Role::None:
      return "none";
    case Role::Viewer:
      return "viewer";
    case Role::Operator:
      return "operator";
  }
  return "none";
}

bool ensureStateDir(const std::string& dir, std::string* error) {
  if (dir.empty()) {
    setError(error, "the state directory is empty; pass --state-dir DIR");
    return false;
  }
  // Create each missing component, like mkdir -p, but 0700 rather than umask's default.
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    std::string part = dir.substr(0, pos);
    if (part.empty() || part == "/") continue;
    if (::mkdir(part.c_str(), 0700) == 0) {
      ::chmod(part.c_str(), 0700);
      continue;
    }
    int err = errno;
    struct stat st {};
    if (err == EEXIST && ::stat(part.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    setError(error, "cannot create state directory '" + dir + "': " +
                        (err == EEXIST ? "'" + part + "' is not a directory" : errnoText(err)));
    return false;
  }
  return true;
}

std::optional<TokenStore> TokenStore::open(const std::string& state_dir, std::string* error) {
  if (!ensureStateDir(state_dir, error)) return std::nullopt;
  auto op = openToken(joinPath(state_dir, kOperatorTokenFile), error);
  if (!op) return std::nullopt;
  auto viewer = openToken(joinPath(state_dir, kViewerTokenFile), error);
  if (!viewer) return std::nullopt;
  if (*op == *viewer) {
    setError(error, "token files '" + joinPath(state_dir, kOperatorTokenFile) + "' and '" +
                        joinPath(state_dir, kViewerTokenFile) +
                        "' hold the same token, so a viewer would be an operator; delete "
                        "one to get a new token");
    return std::nullopt;
  }
  return TokenStore(state_dir, std::move(*op), std::move(*viewer));
}

Role TokenStore::roleOf(std::string_view presented) const {
  if (presented.empty()) return Role::None;
  // Compare with both, always, so the time does not tell which one is near.
  bool is_operator = constantTimeEquals(presented, operator_);
  bool is_viewer = constantTimeEquals(presented, viewer_);
  if (is_operator) return Role::Operator;
  if (is_viewer) return Role::Viewer;
  return Role::None;
}

std::string TokenStore::operatorTokenPath() const { return joinPath(dir_, kOperatorTokenFile); }

std::string TokenStore::viewerTokenPath() const { return joinPath(dir_, kViewerTokenFile); }

Role authenticate(const grpc::ServerContextBase& ctx, const TokenStore& tokens) {
  const auto& metadata = ctx.client_metadata();
  auto [first, last] = metadata.equal_range("authorization");
  // Absent, or repeated (which one would count?): no role.
  if (first == last || std::next(first) != last) return Role::None;
  std::string_view value(first->second.data(), first->second.size());
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() ||
      !equalsIgnoreCase(value.substr(0, kScheme.size()), kScheme) || value[kScheme.size()] != ' ') {
    return Role::None;
  }
  std::string_view token = value.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.find(' ') != std::string_view::npos) return Role::None;
  return tokens.roleOf(token);
}

grpc::Status authorize(Role role, std::string_view method, const TokenStore& tokens) {
  std::string_view name = shortMethod(method);
  switch (role) {
    case Role::Operator:
      return grpc::Status::OK;
    case Role::Viewer:
      if (viewerMayCall(name)) return grpc::Status::OK;
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "the viewer token may not call " + std::string(name) +
                              "; use the operator token from " + tokens.operatorTokenPath());
    case Role::None:
      break;
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "missing or unknown bearer token for " + std::string(name) +
                          "; send the metadata 'authorization: Bearer TOKEN' with the operator "
                          "token from " +
                          tokens.operatorTokenPath() + " or the viewer token from " +
                          tokens.viewerTokenPath() + " on the agent's host");
}

std::string ListenAddress::text() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out = "[" + host + "]";
  } else {
    out = host;
  }
  return out + ":" + std::to_string(port);
}

std::optional<ListenAddress> parseListenAddress(std::string_view s, std::string* error) {
  const std::string quoted = "listen address '" + std::string(s) + "': ";
  auto fail = [&](const std::string& why) -> std::optional<ListenAddress> {
    setError(error, quoted + why);
    return std::nullopt;
  };
  if (s.empty()) return fail("empty; expected HOST:PORT such as 127.0.0.1:7701");
  if (s.find("://") != std::string_view::npos) {
    return fail("is a URL; give HOST:PORT such as 127.0.0.1:7701, without a scheme");
  }

  ListenAddress a;
  std::string_view port_text;
  bool bracketed = false;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
    a.host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (rest.empty()) return fail("missing port; expected [IPV6]:PORT such as [::1]:7701");
    if (rest.front() != ':') return fail("expected ':PORT' after ']'");
    port_text = rest.substr(1);
    bracketed = true;
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) {
      return fail("missing port; expected HOST:PORT such as 127.0.0.1:7701");
    }
    std::string_view host = s.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return fail("an IPv6 address needs brackets, as in [::1]:7701");
    }
    a.host = std::string(host);
    port_text = s.substr(colon + 1);
  }

  if (port_text.empty()) return fail("missing port; expected HOST:PORT such as 127.0.0.1:7701");
  if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return fail("port '" + std::string(port_text) + "' is not a number from 0 to 65535");
  }
  int port = std::stoi(std::string(port_text));
  if (port > 65535) {
    return fail("port " + std::to_string(port) + " is out of range (0 to 65535)");
  }
  a.port = port;

  if (bracketed) {
    in6_addr v6{};
    if (a.host.empty() || ::inet_pton(AF_INET6, a.host.c_str(), &v6) != 1) {
      return fail("'" + a.host + "' is not an IPv6 address");
    }
    a.loopback = isLoopbackV6(v6);
  } else if (a.host.empty()) {
    a.host = "0.0.0.0";  // ":7701" means every interface
    a.loopback = false;
  } else if (looksLikeIpv4(a.host)) {
    in_addr v4{};
    if (::inet_pton(AF_INET, a.host.c_str(), &v4) != 1) {
      return fail("'" + a.host + "' is not an IPv4 address");
    }
    a.loopback = isLoopbackV4(v4);
  } else if (validHostname(a.host)) {
    // Only the name itself is known to stay on this machine; any other name could
    // resolve anywhere, so it counts as reachable from outside.
    a.loopback = equalsIgnoreCase(a.host, "localhost");
  } else {
    return fail("'" + a.host + "' is not a host name or IP address");
  }
  return a;
}

bool checkListenPolicy(const ListenAddress& a, bool tls, bool insecure, std::string* error) {
  if (a.loopback || tls || insecure) return true;
  setError(error, "refusing to listen on " + a.text() +
                      " without TLS: anyone who can reach it could deploy and run code on "
                      "this machine, and tokens would cross the network in clear text. Give "
                      "--tls-cert and --tls-key (and --tls-client-ca to require client "
                      "certificates), listen on 127.0.0.1, or pass --insecure on a network "
                      "you trust");
  return false;
}

std::shared_ptr<grpc::ServerCredentials> serverCredentials(const TlsFiles& files,
                                                           std::string* error) {
  if (files.cert.empty() && files.key.empty()) {
    if (!files.client_ca.empty()) {
      setError(error, "client CA '" + files.client_ca +
                          "' given without a server certificate; mutual TLS needs "
                          "--tls-cert and --tls-key too");
      return nullptr;
    }
    return grpc::InsecureServerCredentials();
  }
  if (files.key.empty()) {
    setError(error, "TLS certificate '" + files.cert + "' given without a key; pass --tls-key");
    return nullptr;
  }
  if (files.cert.empty()) {
    setError(error, "TLS key '" + files.key + "' given without a certificate; pass --tls-cert");
    return nullptr;
  }
  auto cert = readPem(files.cert, "TLS certificate", false, error);
  if (!cert) return nullptr;
  auto key = readPem(files.key, "TLS key", true, error);
  if (!key) return nullptr;

  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!files.client_ca.empty()) {
    auto ca = readPem(files.client_ca, "TLS client CA", false, error);
    if (!ca) return nullptr;
    // Verified or refused: a client without a good certificate never gets in.
    options = grpc::SslServerCredentialsOptions(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = std::move(*ca);
  }
  options.pem_key_cert_pairs.push_back({std::move(*key), std::move(*cert)});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> channelCredentials(const ClientTls& tls,
                                                             std::string* error) {
  if (tls.ca.empty() && tls.cert.empty() && tls.key.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  if (tls.cert.empty() != tls.key.empty()) {
    setError(error, tls.cert.empty()
                        ? "client key '" + tls.key + "' given without a client certificate"
                        : "client certificate '" + tls.cert + "' given without its key");
    return nullptr;
  }
  grpc::SslCredentialsOptions options;
  if (!tls.ca.empty()) {
    auto ca = readPem(tls.ca, "TLS CA", false, error);
    if (!ca) return nullptr;
    options.pem_root_certs = std::move(*ca);
  }
  if (!tls.cert.empty()) {
    auto cert = readPem(tls.cert, "client certificate", false, error);
    if (!cert) return nullptr;
    auto key = readPem(tls.key, "client key", true, error);
    if (!key) return nullptr;
    options.pem_cert_chain = std::move(*cert);
    options.pem_private_key = std::move(*key);
  }
  return grpc::SslCredentials(options);
}

}  // namespace topolab::agent
