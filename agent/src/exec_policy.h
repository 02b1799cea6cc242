// Which programs this agent lets multilang components run (--allow-exec):
// the agent runs what it is told, so a program runs only when the operator
// who started the agent named it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace topolab::agent {

// Matching a command line's first word (argv0) against the list:
// - a name ("python3") allows argv0 "python3" (found on PATH) and an
//   absolute path whose file name it is ("/usr/bin/python3"), but not one
//   inside the agent's state dir (where shipped bundles are unpacked) and not
//   a relative path ("./python3", "bin/python3": a file shipped with the deploy);
// - an entry with a '/' allows exactly that path, compared after lexical
//   normalisation: "./bin/split" allows argv0 "bin/split" or "./bin/split"
//   (a program shipped in the bundle, run from its folder), "/opt/x/run"
//   allows "/opt/x/run".
class ExecPolicy {
 public:
  ExecPolicy(std::vector<std::string> allowed, std::string state_dir);

  // Empty when `command` may run for component `component`; otherwise the
  // refusal, naming the component, the program and the flag that allows it.
  std::string refusal(std::string_view component, const std::vector<std::string>& command) const;
  const std::vector<std::string>& allowed() const { return allowed_; }

  // Empty when `entry` may be given to --allow-exec; else why not.
  static std::string checkEntry(std::string_view entry);

 private:
  bool allows(const std::string& argv0) const;

  std::vector<std::string> allowed_;
  std::string state_dir_;  // absolute, lexically normal
};

}  // namespace topolab::agent
