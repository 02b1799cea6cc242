// A program the engine runs as a child process (a multilang component's
// instance): started with pipes on its stdin, stdout and stderr in a folder of
// its own with a scrubbed environment, in its own process group, and always
// reaped. Stopping it sends SIGTERM to the group, then SIGKILL after a grace
// period, so neither it nor anything it started outlives the instance.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace topolab {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  std::string cwd;
  // The whole environment of the child: nothing is inherited.
  std::vector<std::pair<std::string, std::string>> env;
};

class ChildProcess {
 public:
  // Starts `spec`; nullopt with `error` set ("python3: No such file or
  // directory") when it cannot be started.
  [[nodiscard]] static std::optional<ChildProcess> start(const ChildSpec& spec, std::string* error);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();  // stop(kGrace) when still running

  static constexpr std::chrono::milliseconds kGrace{2000};

  pid_t pid() const { return pid_; }
  // Pipe ends, owned by this object: write to stdin, read stdout and stderr.
  int stdinFd() const { return in_; }
  int stdoutFd() const { return out_; }
  int stderrFd() const { return err_; }
  // Closes our end of its stdin (the program sees end of input).
  void closeStdin();

  // Reaps the child if it has exited; true once it has (see exitReason()).
  bool poll();
  // Waits up to `timeout` for it to exit by itself.
  bool waitFor(std::chrono::milliseconds timeout);
  // SIGTERM to its process group, SIGKILL after `grace`, then reaps it.
  void stop(std::chrono::milliseconds grace);
  bool exited() const { return exited_; }
  // "exited with status 3", "killed by signal 9 (Killed)"; empty while it runs.
  std::string exitReason() const;

 private:
  ChildProcess() = default;
  void reap(int status);
  void closeAll();

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// A command line's program as the agent's --allow-exec list names it: the
// file name of argv[0] ("/usr/bin/python3" → "python3").
std::string programName(const std::string& argv0);

}  // namespace topolab
