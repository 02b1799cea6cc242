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
  std::string kafka;  // bootstrap of a Kafka cluster; empty: embedded when the file needs one
};

struct ExportOptions {
  std::string file;
  std::string to = "dot";
  std::string out;      // empty: stdout (dot, haproxy) or FILE with the format's extension
  std::string cluster;  // haproxy: place members on these agents' hosts
};

// `import FLUX.yaml`: a Storm Flux file to a topology file.
struct ImportOptions {
  std::string file;
  std::string out;          // empty: stdout
  std::string resources;    // every shell component's `resources`; empty: the Flux file's folder
  std::string filter;       // a properties file for ${…}
  bool env_filter = false;  // ${ENV-NAME} from the environment
};

// `deploy FILE --cluster C`: plan, deploy all-or-nothing, then follow like `run`.
struct DeployOptions {
  std::string file;
  std::string cluster;
  double duration_s = 0;  // 0: until every agent's part finished, or Ctrl-C
  bool json = false;
  bool check_slo = false;
  bool detach = false;     // deploy and return at once
  bool plan_only = false;  // print the plan; contact no agent
  std::vector<std::string> overrides;
  double drain_s = 5;
};

struct WatchOptions {  // `watch NAME --cluster C`
  std::string name;
  std::string cluster;
  bool json = false;
};

struct StopOptions {  // `stop NAME --cluster C`
  std::string name;
  std::string cluster;
  double drain_s = 5;
};

struct FaultOptions {  // `fault NAME --cluster C` and exactly one fault
  std::string name;
  std::string cluster;
  std::string kill;       // ID[#N]
  std::string revive;     // ID[#N]
  std::string latency;    // ID=MS
  std::string fail;       // ID=RATIO
  std::string partition;  // AGENT=SECONDS
};

struct ErrorsOptions {  // `errors NAME --cluster C`
  std::string name;
  std::string cluster;
  bool json = false;
};

// `diff A B`: what changed between two topology files (exit 0 the same, 1 different).
struct DiffOptions {
  std::string a;
  std::string b;
  bool json = false;
};

int validateCommand(const std::vector<std::string>& files);
int runCommand(const RunOptions& options);
int exportCommand(const ExportOptions& options);
int importCommand(const ImportOptions& options);
int catalogueCommand(bool json);
int deployCommand(const DeployOptions& options);
int watchCommand(const WatchOptions& options);
int stopCommand(const StopOptions& options);
int faultCommand(const FaultOptions& options);
int agentsCommand(const std::string& cluster);
int errorsCommand(const ErrorsOptions& options);
int diffCommand(const DiffOptions& options);

}  // namespace topolab::cli
