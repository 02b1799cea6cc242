// Network namespaces for a lab on real links: a hub namespace with a bridge
// (and an address on it for the client), and one namespace per agent joined
// to the bridge by a veth pair. Every link lives inside these namespaces, so
// deleting them removes it all; a guardian process deletes them even when
// the test is killed, and a new lab first removes what a crashed run left.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace topolab::testing {

class NetworkLab {
 public:
  // Namespaces are named kPrefix + the test's pid + a role, so parallel runs
  // never clash and a dead run's are recognised by their pid.
  static constexpr const char* kPrefix = "topolab-netns-";

  // Makes the hub and `agents` agent namespaces. When that cannot be done
  // here (not root, no `ip netns`), ok() is false and error() says why.
  explicit NetworkLab(int agents) {
    removeLeftovers();
    if (geteuid() != 0) {
      error_ =
          "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN); run as root to use this "
          "lab";
      return;
    }
    const std::string own = kPrefix + std::to_string(getpid()) + "-";
    hub_ = own + "hub";
    for (int i = 0; i < agents; ++i) {
      const std::string letter(1, char('a' + i));
      names_.push_back(own + letter);
      paths_.push_back("/run/netns/" + names_.back());
      ports_.push_back("port-" + letter);
    }
    startGuardian(own);
    if (!run("ip netns add " + hub_)) {
      error_ =
          "cannot make a network namespace (" + error_ + "); this lab needs `ip netns add` to work";
      return;
    }
    bool ok = run("ip -n " + hub_ + " link add br0 type bridge") &&
              run("ip -n " + hub_ + " addr add " + hubAddress() + "/24 dev br0") &&
              run("ip -n " + hub_ + " link set br0 up") && run("ip -n " + hub_ + " link set lo up");
    for (int i = 0; ok && i < agents; ++i) {
      const std::string ns = names_[i];
      ok = run("ip netns add " + ns) &&
           run("ip link add eth0 netns " + ns + " type veth peer name " + ports_[i] + " netns " +
               hub_) &&
           run("ip -n " + hub_ + " link set " + ports_[i] + " master br0") &&
           run("ip -n " + hub_ + " link set " + ports_[i] + " up") &&
           run("ip -n " + ns + " addr add " + address(i) + "/24 dev eth0") &&
           run("ip -n " + ns + " link set eth0 up") && run("ip -n " + ns + " link set lo up");
    }
    if (!ok) {
      error_ = "cannot build the lab's network: " + error_;
      return;
    }
    ok_ = true;
  }

  ~NetworkLab() {
    for (const std::string& ns : names_) run("ip netns del " + ns + " 2>/dev/null");
    if (!hub_.empty()) run("ip netns del " + hub_ + " 2>/dev/null");
    if (guardian_fd_ >= 0) close(guardian_fd_);  // the guardian finds nothing left
  }

  NetworkLab(const NetworkLab&) = delete;
  NetworkLab& operator=(const NetworkLab&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  // The subnet is the same in every run: it exists only inside the lab's
  // namespaces, so it never meets the host's networks or another run's.
  static std::string hubAddress() { return "10.77.0.1"; }
  static std::string address(int agent) { return "10.77.0." + std::to_string(11 + agent); }
  const std::string& hub() const { return hub_; }
  const std::string& agentNamespace(int agent) const { return names_.at(agent); }

  // `command` run in the hub namespace, where the client reaches every agent.
  std::string inHub(const std::string& command) const {
    return "ip netns exec " + hub_ + " " + command;
  }

  // Moves the calling process into agent `agent`'s namespace; for a forked
  // child before its exec (async-signal-safe: no allocation).
  void enter(int agent) const {
    const int fd = open(paths_.at(agent).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(126);
    close(fd);
  }

  // Takes agent `agent`'s link down or up at the bridge.
  bool setLink(int agent, bool up) {
    return run("ip -n " + hub_ + " link set " + ports_.at(agent) + (up ? " up" : " down"));
  }

  // The lab namespaces that exist, all runs'.
  static std::vector<std::string> existing() {
    std::vector<std::string> out;
    FILE* p = popen("ip netns list 2>/dev/null", "r");
    if (!p) return out;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) {
      std::string name(buf);
      name = name.substr(0, name.find_first_of(" \n"));
      if (name.rfind(kPrefix, 0) == 0) out.push_back(name);
    }
    pclose(p);
    return out;
  }

 private:
  // Deletes the namespaces of runs whose process is gone.
  static void removeLeftovers() {
    for (const std::string& name : existing()) {
      const std::string rest = name.substr(std::string(kPrefix).size());
      const pid_t pid = static_cast<pid_t>(std::atol(rest.c_str()));
      if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
        std::system(("ip netns del " + name + " 2>/dev/null").c_str());
      }
    }
  }

  // A detached shell that waits for this process to end, however it ends
  // (its stdin is a pipe only this process writes to), then deletes every
  // namespace named `own`*. Detached, so a test runner that kills the test's
  // process tree does not take it along.
  void startGuardian(const std::string& own) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    const std::string script =
        "cat >/dev/null; for n in $(ip netns list | cut -d' ' -f1 | grep '^" + own +
        "'); do ip netns del \"$n\"; done";
    const char* argv[] = {"/bin/sh", "-c", script.c_str(), nullptr};
    const pid_t child = fork();
    if (child == 0) {
      setsid();
      if (fork() != 0) _exit(0);
      dup2(fds[0], STDIN_FILENO);  // dup2 clears close-on-exec on stdin
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      execv(argv[0], const_cast<char* const*>(argv));
      _exit(127);
    }
    close(fds[0]);
    if (child < 0) {
      close(fds[1]);
      return;
    }
    waitpid(child, nullptr, 0);
    guardian_fd_ = fds[1];
  }

  // Runs `command`; on failure keeps it and its output in error_.
  bool run(const std::string& command) {
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) return false;
    std::string out;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    const int status = pclose(p);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    error_ = command + ": " + out;
    return false;
  }

  std::string hub_;
  std::vector<std::string> names_;  // the agents' namespaces
  std::vector<std::string> paths_;  // their /run/netns files
  std::vector<std::string> ports_;  // the bridge's end of each agent's link
  int guardian_fd_ = -1;
  bool ok_ = false;
  std::string error_;
};

}  // namespace topolab::testing
