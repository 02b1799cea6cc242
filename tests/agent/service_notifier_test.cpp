// The agent as a systemd Type=notify service: a real topolab-agent started
// with NOTIFY_SOCKET pointing at a datagram socket this test owns, as systemd
// would start it, and what systemd would hear from it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <regex>

#include "agent_process.h"
#include "test_files.h"

namespace topolab {
namespace {

using testing::readFile;
using testing::TempDir;

// The service manager's end: a bound AF_UNIX datagram socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~NotifySocket() { close(fd_); }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The next datagram, or nothing within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }
  // The next datagram other than a watchdog ping.
  std::optional<std::string> receiveState(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (m && *m != "WATCHDOG=1") return m;
    }
    return std::nullopt;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

enum class Watchdog { Off, ForTheAgent, ForAnotherProcess };

// A topolab-agent on a free loopback port, started the way systemd starts a
// Type=notify service (NOTIFY_SOCKET, and WATCHDOG_USEC/WATCHDOG_PID when asked).
class NotifiedAgent {
 public:
  NotifiedAgent(const TempDir& dir, const NotifySocket& socket, Watchdog watchdog,
                std::chrono::microseconds interval = std::chrono::milliseconds(400))
      : log_(dir.file("agent.log")) {
    const std::vector<std::string> args = {TOPOLAB_AGENT,    "--name",      "node-n",
                                           "--listen",       "127.0.0.1:0", "--state-dir",
                                           dir.file("state")};
    const std::string notify_socket = socket.path();
    pid_ = testing::AgentProcess::spawn(args, log_, [&] {
      setenv("NOTIFY_SOCKET", notify_socket.c_str(), 1);
      unsetenv("WATCHDOG_USEC");
      unsetenv("WATCHDOG_PID");
      if (watchdog != Watchdog::Off) {
        setenv("WATCHDOG_USEC", std::to_string(interval.count()).c_str(), 1);
        // systemd names the main process; a watchdog for another pid is not ours to feed.
        const pid_t owner = watchdog == Watchdog::ForTheAgent ? getpid() : getppid();
        setenv("WATCHDOG_PID", std::to_string(owner).c_str(), 1);
      }
    });
  }
  ~NotifiedAgent() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  std::string log() const { return readFile(log_); }
  // Waits up to 10 s for the exit; the wait status, or -1 if it did not exit.
  int waitExit() {
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

bool acceptsConnections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

int portIn(const std::string& status) {
  std::smatch m;
  return std::regex_search(status, m, std::regex("STATUS=serving node-n on port ([0-9]+)"))
             ? std::stoi(m[1])
             : 0;
}

TEST(ServiceNotifier, ReadyOnlyOnceThePortAcceptsConnections) {
  TempDir dir("topolab-notify");
  NotifySocket socket(dir.file("notify"));
  ASSERT_TRUE(socket.bound());
  NotifiedAgent agent(dir, socket, Watchdog::Off);

  // The first thing systemd hears is READY=1, and the port named in the
  // status takes connections at that moment.
  const auto first = socket.receive(std::chrono::seconds(10));
  ASSERT_TRUE(first.has_value()) << agent.log();
  EXPECT_NE(first->find("READY=1"), std::string::npos) << *first;
  const int port = portIn(*first);
  ASSERT_GT(port, 0) << *first;
  EXPECT_TRUE(acceptsConnections(port));
  EXPECT_NE(agent.log().find("listening on 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << agent.log();
  // The tokens a client needs are in place by then, too.
  EXPECT_TRUE(std::filesystem::exists(dir.file("state/operator.token")));
  // Nothing more without a watchdog.
  EXPECT_FALSE(socket.receive(std::chrono::milliseconds(800)).has_value());
}

TEST(ServiceNotifier, PingsTheWatchdogAtHalfItsInterval) {
  TempDir dir("topolab-notify");
  NotifySocket socket(dir.file("notify"));
  ASSERT_TRUE(socket.bound());
  NotifiedAgent agent(dir, socket, Watchdog::ForTheAgent, std::chrono::milliseconds(400));
  const auto ready = socket.receive(std::chrono::seconds(10));
  ASSERT_TRUE(ready.has_value()) << agent.log();
  ASSERT_NE(ready->find("READY=1"), std::string::npos) << *ready;

  // Every 200 ms: about 8 pings in 1.6 s. Pinging only once per interval (4)
  // leaves systemd's 400 ms watchdog no slack; many more means a busy loop.
  int pings = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1600);
  while (std::chrono::steady_clock::now() < until) {
    auto m = socket.receive(std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now()));
    if (m) {
      EXPECT_EQ(*m, "WATCHDOG=1");
      ++pings;
    }
  }
  EXPECT_GE(pings, 6);
  EXPECT_LE(pings, 12);
}

TEST(ServiceNotifier, LeavesAWatchdogForAnotherProcessAlone) {
  TempDir dir("topolab-notify");
  NotifySocket socket(dir.file("notify"));
  ASSERT_TRUE(socket.bound());
  NotifiedAgent agent(dir, socket, Watchdog::ForAnotherProcess, std::chrono::milliseconds(200));
  const auto ready = socket.receive(std::chrono::seconds(10));
  ASSERT_TRUE(ready.has_value()) << agent.log();
  EXPECT_NE(ready->find("READY=1"), std::string::npos) << *ready;
  EXPECT_FALSE(socket.receive(std::chrono::milliseconds(800)).has_value());
}

TEST(ServiceNotifier, SaysStoppingOnSigtermThenExitsCleanly) {
  TempDir dir("topolab-notify");
  NotifySocket socket(dir.file("notify"));
  ASSERT_TRUE(socket.bound());
  NotifiedAgent agent(dir, socket, Watchdog::ForTheAgent, std::chrono::milliseconds(400));
  const auto ready = socket.receiveState(std::chrono::seconds(10));
  ASSERT_TRUE(ready.has_value()) << agent.log();
  ASSERT_NE(ready->find("READY=1"), std::string::npos) << *ready;

  kill(agent.pid(), SIGTERM);
  const auto stopping = socket.receiveState(std::chrono::seconds(10));
  ASSERT_TRUE(stopping.has_value()) << agent.log();
  EXPECT_NE(stopping->find("STOPPING=1"), std::string::npos) << *stopping;
  const int status = agent.waitExit();
  ASSERT_TRUE(WIFEXITED(status)) << status << "\n" << agent.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << agent.log();
}

TEST(AgentCommand, PrintsItsVersion) {
  TempDir dir("topolab-version");
  const pid_t pid = testing::AgentProcess::spawn({TOPOLAB_AGENT, "--version"}, dir.file("out"));
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(readFile(dir.file("out")), "topolab-agent " TOPOLAB_VERSION "\n");
}

}  // namespace
}  // namespace topolab
