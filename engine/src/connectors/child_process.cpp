#include "connectors/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace topolab {
namespace {

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// The PATH of the child's environment, for finding argv[0].
std::string pathOf(const ChildSpec& spec) {
  for (const auto& [name, value] : spec.env) {
    if (name == "PATH") return value;
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

// argv[0] resolved against the child's PATH (posix_spawnp would use ours).
std::optional<std::string> resolveProgram(const ChildSpec& spec) {
  const std::string& prog = spec.argv.front();
  if (prog.find('/') != std::string::npos) {
    const std::string full = prog.front() == '/' ? prog : spec.cwd + "/" + prog;
    if (::access(full.c_str(), X_OK) == 0) return full;
    return std::nullopt;
  }
  const std::string path = pathOf(spec);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + prog;
    if (::access(full.c_str(), X_OK) == 0) return full;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string programName(const std::string& argv0) {
  const size_t slash = argv0.rfind('/');
  return slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
}

std::optional<ChildProcess> ChildProcess::start(const ChildSpec& spec, std::string* error) {
  if (spec.argv.empty() || spec.argv.front().empty()) {
    *error = "empty command";
    return std::nullopt;
  }
  std::optional<std::string> program = resolveProgram(spec);
  if (!program) {
    *error = spec.argv.front() + ": not found" +
             (spec.argv.front().find('/') == std::string::npos ? " on PATH (" + pathOf(spec) + ")"
                                                               : std::string()) +
             " or not executable";
    return std::nullopt;
  }
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    return std::nullopt;
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    ::close(in[0]);
    ::close(in[1]);
    return std::nullopt;
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + strerror(errno);
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return std::nullopt;
  }
  // Larger pipes: fewer wake-ups at high tuple rates (best effort).
  ::fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
  ::fcntl(out[1], F_SETPIPE_SZ, 1 << 20);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // glibc 2.29+: the child's working folder, set between fork and exec.
  posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a stop reaches whatever it started too; default
  // signal handling and an empty mask whatever this process has set.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (const auto& [name, value] : spec.env) env_text.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program->c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    *error = spec.argv.front() + ": " + strerror(rc) +
             (rc == ENOENT ? " (or its folder " + spec.cwd + " is missing)" : std::string());
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    return std::nullopt;
  }
  ChildProcess p;
  p.pid_ = pid;
  p.in_ = in[1];
  p.out_ = out[0];
  p.err_ = err[0];
  // A program that dies must not take this process with it through SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  return p;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      in_(std::exchange(other.in_, -1)),
      out_(std::exchange(other.out_, -1)),
      err_(std::exchange(other.err_, -1)),
      exited_(other.exited_),
      status_(other.status_) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) stop(kGrace);
  closeAll();
}

void ChildProcess::closeAll() {
  closeFd(in_);
  closeFd(out_);
  closeFd(err_);
}

void ChildProcess::closeStdin() { closeFd(in_); }

void ChildProcess::reap(int status) {
  exited_ = true;
  status_ = status;
}

bool ChildProcess::poll() {
  if (exited_ || pid_ <= 0) return exited_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) reap(status);
  return exited_;
}

bool ChildProcess::waitFor(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto step = std::chrono::microseconds(200);
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
    step = std::min<std::chrono::microseconds>(step * 2, std::chrono::milliseconds(20));
  }
  return true;
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (!poll()) {
    closeFd(in_);  // a well-behaved program ends at the end of its input too
    ::kill(-pid_, SIGTERM);
    if (!waitFor(grace)) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      if (::waitpid(pid_, &status, 0) == pid_) reap(status);
    }
  }
  // Whatever the program started in its group goes with it.
  ::kill(-pid_, SIGKILL);
}

std::string ChildProcess::exitReason() const {
  if (!exited_) return "";
  if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) {
    const int sig = WTERMSIG(status_);
    const char* name = strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended (status " + std::to_string(status_) + ")";
}

}  // namespace topolab
