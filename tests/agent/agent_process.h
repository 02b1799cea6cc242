// Starts real topolab-agent processes on free loopback ports for integration
// tests, and talks to them through the generated stubs.
#pragma once

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "topolab/v1/agent.grpc.pb.h"

namespace topolab::testing {

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class AgentProcess {
 public:
  // Starts `topolab-agent --listen 127.0.0.1:0 --name NAME --state-dir DIR EXTRA…`
  // and waits until it says where it listens. `in_child` runs in the agent's
  // process before the exec (e.g. to enter a network namespace).
  AgentProcess(const std::string& name, const std::vector<std::string>& extra = {},
               const std::function<void()>& in_child = {})
      : name_(name) {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("topolab-agent-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    log_ = (dir_ / "agent.log").string();
    std::vector<std::string> args = {TOPOLAB_AGENT, "--name", name, "--state-dir",
                                     (dir_ / "state").string()};
    if (std::find(extra.begin(), extra.end(), "--listen") == extra.end()) {
      args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = spawn(args, log_, in_child);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    const std::regex listening("listening on ([0-9.]+):([0-9]+)");
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      const std::string log = readFile(log_);
      if (std::regex_search(log, m, listening)) {
        if (m[1] != "0.0.0.0") host_ = m[1];  // all interfaces: reach it on loopback
        port_ = std::stoi(m[2]);
        break;
      }
      if (exited()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~AgentProcess() {
    stop(SIGKILL);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Runs a command with stdout and stderr into `log`; returns its pid.
  // `in_child` runs in the new process just before the exec (e.g. to set its
  // environment, which may name its own pid).
  static pid_t spawn(const std::vector<std::string>& args, const std::string& log,
                     const std::function<void()>& in_child = {}) {
    const pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // no agent outlives a test that crashed
      if (in_child) in_child();
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }

  bool started() const { return port_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string address() const { return host_ + ":" + std::to_string(port_); }
  const std::string& name() const { return name_; }
  std::string stateDir() const { return (dir_ / "state").string(); }
  std::string log() const { return readFile(log_); }
  std::string operatorToken() const { return trim(readFile(stateDir() + "/operator.token")); }
  std::string viewerToken() const { return trim(readFile(stateDir() + "/viewer.token")); }
  std::string operatorTokenFile() const { return stateDir() + "/operator.token"; }

  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = status;
      pid_ = -1;
      return true;
    }
    return false;
  }
  // Sends `sig` and waits (up to 10 s) for the exit; returns the wait status.
  int stop(int sig) {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, sig);
    for (int i = 0; i < 1000 && !exited(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &exit_status_, 0);
      pid_ = -1;
    }
    return exit_status_;
  }

  // A stub on a connected channel when the agent answers within 2 s. A first
  // connect can fail spuriously on gRPC 1.51 (a call between connect(2) and
  // its errno check may overwrite errno, grpc/grpc#35064); the channel tries
  // again, as the CLI does.
  std::unique_ptr<v1::Agent::Stub> stub() const {
    auto channel = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(2));
    return v1::Agent::NewStub(channel);
  }

 private:
  static std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
  }

  std::string name_;
  std::filesystem::path dir_;
  std::string log_;
  std::string host_ = "127.0.0.1";
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_status_ = 0;
};

// A client context with a bearer token and a deadline.
inline std::unique_ptr<grpc::ClientContext> callContext(
    const std::string& token, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  return ctx;
}

// The deployments an agent lists.
inline std::vector<std::string> listOn(const AgentProcess& a) {
  auto ctx = callContext(a.viewerToken());
  v1::ListReply reply;
  std::vector<std::string> names;
  if (!a.stub()->List(ctx.get(), v1::ListRequest(), &reply).ok()) names.push_back("<List failed>");
  for (const auto& d : reply.deployments()) names.push_back(d.name());
  return names;
}

}  // namespace topolab::testing
