#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "commands.h"
#include "inputs.h"
#include "topolab/engine/flux.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"

namespace topolab::cli {
namespace {

// Renders DOT text with Graphviz's `dot`, fed on stdin, without a shell.
int renderWithDot(const std::string& dot, const std::string& format, const std::string& out) {
  int in[2];
  if (pipe(in) != 0) return kFailure;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    close(in[0]);
    close(in[1]);
    const std::string fmt = "-T" + format;
    const std::string o = "-o" + out;
    execlp("dot", "dot", fmt.c_str(), o.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  size_t off = 0;
  while (off < dot.size()) {
    const ssize_t n = write(in[1], dot.data() + off, dot.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "topolab: error: rendering " << format << " needs Graphviz's `dot` "
              << (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "(not found on PATH)"
                                                                  : "(it failed)")
              << '\n';
    return kFailure;
  }
  return kOk;
}

// The host part of "host:port" or "[v6-host]:port".
std::string hostOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

// With a cluster file, members are placed as `deploy` would place them and
// served on their agent's host; without one, on loopback.
int exportHaproxyCommand(const Topology& topology, const ExportOptions& options) {
  std::map<std::string, std::string> hosts;
  if (!options.cluster.empty()) {
    const auto cluster = loadCluster(options.cluster, false);
    if (!cluster) return kInvalidInput;
    std::string error;
    const auto plan = planDeployment(topology, cluster->agentNames(), &error);
    if (!plan) {
      std::cerr << options.file << ": error: " << error << '\n';
      return kInvalidInput;
    }
    for (const PlacedInstance& p : plan->instances) {
      hosts[p.component + "#" + std::to_string(p.index)] = hostOf(cluster->agent(p.agent)->address);
    }
  }
  std::string error;
  const std::optional<std::string> cfg = exportHaproxy(topology, hosts, &error);
  if (!cfg) {
    std::cerr << options.file << ": error: " << error << '\n';
    return kInvalidInput;
  }
  if (options.out.empty()) {
    std::cout << *cfg;
    return kOk;
  }
  std::ofstream f(options.out, std::ios::binary);
  f << *cfg;
  if (!f) {
    std::cerr << "topolab: error: cannot write " << options.out << '\n';
    return kFailure;
  }
  return kOk;
}

// Storm's Flux: each component Storm lacks is a warning, not a failure.
int exportFluxCommand(const Topology& topology, const ExportOptions& options) {
  std::vector<std::string> warnings;
  const std::string flux = exportFlux(topology, Catalogue::instance(), &warnings);
  for (const std::string& w : warnings) std::cerr << options.file << ": warning: " << w << '\n';
  if (options.out.empty()) {
    std::cout << flux;
    return kOk;
  }
  std::ofstream f(options.out, std::ios::binary);
  f << flux;
  if (!f) {
    std::cerr << "topolab: error: cannot write " << options.out << '\n';
    return kFailure;
  }
  return kOk;
}

}  // namespace

int exportCommand(const ExportOptions& options) {
  const LoadResult r = loadTopologyFile(options.file);
  if (!r.ok()) {
    for (const Diagnostic& d : r.errors) std::cerr << d.format() << '\n';
    return kInvalidInput;
  }
  if (options.to == "haproxy") return exportHaproxyCommand(*r.topology, options);
  if (options.to == "flux") return exportFluxCommand(*r.topology, options);
  const std::string dot = exportDot(*r.topology);
  if (options.to == "dot") {
    if (options.out.empty()) {
      std::cout << dot;
      return kOk;
    }
    std::ofstream f(options.out, std::ios::binary);
    f << dot;
    if (!f) {
      std::cerr << "topolab: error: cannot write " << options.out << '\n';
      return kFailure;
    }
    return kOk;
  }
  std::string out = options.out;
  if (out.empty()) {
    const auto dot_pos = options.file.rfind('.');
    out = options.file.substr(0, dot_pos) + "." + options.to;
  }
  return renderWithDot(dot, options.to, out);
}

}  // namespace topolab::cli
