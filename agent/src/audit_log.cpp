// The agent's audit log: JSON lines appended to <state_dir>/audit.log.
#include "audit_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "topolab/engine/json.h"

namespace topolab::agent {
namespace {

constexpr std::string_view kAuditFile = "audit.log";
// Request fields reach the log; a huge one must not make a huge line.
constexpr size_t kMaxFieldBytes = 512;
constexpr size_t kMaxDetailBytes = 4096;

// Length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t utf8SequenceLength(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// A JSON string of `s` cut to `limit` bytes, with bytes that are not UTF-8
// replaced by U+FFFD, so every line stays valid JSON whatever a request held.
void appendJsonText(std::string& out, std::string_view s, size_t limit) {
  bool cut = s.size() > limit;
  if (cut) s = s.substr(0, limit);
  std::string clean;
  clean.reserve(s.size());
  while (!s.empty()) {
    size_t n = utf8SequenceLength(s);
    if (n == 0) {
      clean += "\xEF\xBF\xBD";
      n = 1;
    } else {
      clean.append(s.data(), n);
    }
    s.remove_prefix(n);
  }
  if (cut) clean += "\xE2\x80\xA6";  // …
  appendJsonString(out, clean);
}

}  // namespace

std::string formatAuditTime(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long millis = static_cast<long>(ms % 1000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

AuditLogPtr AuditLog::open(const std::string& state_dir, std::string* error) {
  if (!ensureStateDir(state_dir, error)) return nullptr;
  std::string path = state_dir;
  if (path.back() != '/') path += '/';
  path += kAuditFile;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (error) *error = "cannot open audit log '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  const char* problem = nullptr;
  if (::fstat(fd, &st) != 0) {
    problem = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "not a regular file";
  } else if ((st.st_mode & 077) != 0 && ::fchmod(fd, 0600) != 0) {
    problem = "it is readable by others and cannot be made 0600";
  }
  if (problem) {
    ::close(fd);
    if (error) *error = "cannot use audit log '" + path + "': " + problem;
    return nullptr;
  }
  return AuditLogPtr(new AuditLog(std::move(path), fd));
}

AuditLog::~AuditLog() { ::close(fd_); }

void AuditLog::record(std::string_view action, Role role, std::string_view peer,
                      std::string_view deployment, std::string_view detail, bool allowed) {
  std::string line;
  line.reserve(160 + detail.size());
  line += "{\"ts\":";
  appendJsonString(line, formatAuditTime(std::chrono::system_clock::now()));
  line += ",\"action\":";
  appendJsonText(line, action, kMaxFieldBytes);
  line += ",\"allowed\":";
  line += allowed ? "true" : "false";
  line += ",\"role\":";
  appendJsonString(line, toString(role));
  line += ",\"peer\":";
  appendJsonText(line, peer, kMaxFieldBytes);
  line += ",\"deployment\":";
  appendJsonText(line, deployment, kMaxFieldBytes);
  line += ",\"detail\":";
  appendJsonText(line, detail, kMaxDetailBytes);
  line += "}\n";

  std::lock_guard lock(mutex_);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      spdlog::error("audit log {}: cannot write: {}; lost line: {}", path_,
                    n < 0 ? std::strerror(errno) : "no progress", line.substr(0, line.size() - 1));
      return;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace topolab::agent
