// The `topolab` subcommands: each takes its parsed options and returns the
// process exit code (0 ok, 1 failure, 2 invalid input, 3 SLO violated).
#pragma once

#include <string>
#include <vector>

namespace topolab::cli {

enum ExitCode { kOk = 0, kFailure = 1, kInvalidInput = 2, kSloViolated = 3 };

struct RunOptions {
  std::string file;
  double duration_s = 0;  // 0: until every finite producer is done, or Ctrl-C
  bool json = false;
  bool check_slo = false;
  std::vector<std::string> overrides;  // ID.PARAM=VALUE
  int threads = 0;
  bool no_latency = false;
  double drain_s = 5;
};

struct ExportOptions {
  std::string file;
  std::string to = "dot";
  std::string out;  // empty: stdout (dot) or FILE with the format's extension
};

int validateCommand(const std::vector<std::string>& files);
int runCommand(const RunOptions& options);
int exportCommand(const ExportOptions& options);
int catalogueCommand(bool json);

}  // namespace topolab::cli
