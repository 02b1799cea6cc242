#include "exec_policy.h"

#include <filesystem>

namespace topolab::agent {
namespace {

namespace fs = std::filesystem;

std::string normal(std::string_view path) { return fs::path(path).lexically_normal().string(); }

bool inside(const std::string& path, const std::string& dir) {
  return !dir.empty() && path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (dir.back() == '/' || path[dir.size()] == '/');
}

}  // namespace

ExecPolicy::ExecPolicy(std::vector<std::string> allowed, std::string state_dir)
    : allowed_(std::move(allowed)),
      state_dir_(state_dir.empty() ? std::string() : normal(fs::absolute(state_dir).string())) {}

std::string ExecPolicy::checkEntry(std::string_view entry) {
  if (entry.empty()) return "--allow-exec needs a program: a name like python3 or a path";
  if (entry.find('\0') != std::string_view::npos) return "--allow-exec: a NUL in the program";
  if (entry.back() == '/') {
    return "--allow-exec '" + std::string(entry) + "' names a folder, not a program";
  }
  return {};
}

bool ExecPolicy::allows(const std::string& argv0) const {
  const bool has_slash = argv0.find('/') != std::string::npos;
  const std::string argv0_normal = normal(argv0);
  for (const std::string& entry : allowed_) {
    if (entry.find('/') == std::string::npos) {
      if (!has_slash) {
        if (argv0 == entry) return true;
      } else if (argv0.front() == '/' && fs::path(argv0_normal).filename() == entry &&
                 !inside(argv0_normal, state_dir_)) {
        return true;
      }
    } else if (has_slash && normal(entry) == argv0_normal) {
      return true;
    }
  }
  return false;
}

std::string ExecPolicy::refusal(std::string_view component,
                                const std::vector<std::string>& command) const {
  const std::string who = "component '" + std::string(component) + "'";
  if (command.empty() || command.front().empty()) {
    return who + " names no program to run (its command is empty)";
  }
  const std::string& argv0 = command.front();
  if (allows(argv0)) return {};
  // The entry that would allow it: the name for a program found on PATH or
  // given by its absolute path, the path itself for one shipped in the bundle.
  std::string entry = argv0;
  if (argv0.find('/') != std::string::npos && argv0.front() == '/' &&
      !inside(normal(argv0), state_dir_)) {
    entry = fs::path(normal(argv0)).filename().string();
  }
  std::string allowed;
  for (const std::string& a : allowed_) allowed += (allowed.empty() ? "" : ", ") + a;
  return who + " runs '" + argv0 + "', which this agent does not allow" +
         (allowed_.empty() ? " (it runs no programs)" : " (it allows " + allowed + ")") +
         ": start topolab-agent with --allow-exec " + entry;
}

}  // namespace topolab::agent
