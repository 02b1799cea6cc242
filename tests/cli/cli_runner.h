// Runs the `topolab` command as a user or a CI job does, for the CLI tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// In its own namespace, not `topolab`: a test that also includes the
// project's headers (namespace topolab) calls cli_runner::topolab.
namespace cli_runner {

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `topolab ARGS`, capturing stdout and stderr.
inline Result topolab(const std::vector<std::string>& args, const std::string& stdin_file = "") {
  static int n = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string err_file =
      (dir / ("topolab-cli-" + std::to_string(getpid()) + "-" + std::to_string(n++))).string();
  std::string cmd = quote(TOPOLAB_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " 2>" + quote(err_file);
  if (!stdin_file.empty()) cmd += " <" + quote(stdin_file);
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t got;
  while ((got = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), got);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::filesystem::remove(err_file);
  return r;
}

inline std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

inline std::string example(const std::string& name) {
  return std::string(TOPOLAB_EXAMPLES_DIR) + "/" + name + ".yaml";
}

}  // namespace cli_runner
