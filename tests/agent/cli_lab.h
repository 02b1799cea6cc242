// A lab of real agents with a cluster file, and the `topolab` CLI run as a
// user runs it, for the tests that drive deployments end to end.
#pragma once

#include <stdio.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent_process.h"

namespace topolab::testing {

using Clock = std::chrono::steady_clock;

struct Lab {
  std::vector<std::unique_ptr<AgentProcess>> agents;
  std::vector<std::vector<std::string>> extra;  // each agent's flags
  std::string cluster_file;
  std::string cluster_extra;  // appended to the cluster file (e.g. a kafka block)

  // `in_child(i)`, when given, runs in agent `i`'s process before the exec.
  Lab(int n, std::vector<std::vector<std::string>> agent_flags = {},
      const std::function<void(int)>& in_child = {})
      : extra(std::move(agent_flags)) {
    extra.resize(n);
    for (int i = 0; i < n; ++i) {
      std::function<void()> hook;
      if (in_child) hook = [in_child, i] { in_child(i); };
      agents.push_back(
          std::make_unique<AgentProcess>("node-" + std::string(1, char('a' + i)), extra[i], hook));
    }
    static int counter = 0;
    cluster_file =
        (std::filesystem::temp_directory_path() /
         ("cluster-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".yaml"))
            .string();
    writeClusterFile();
  }
  ~Lab() { std::filesystem::remove(cluster_file); }

  void writeClusterFile() const {
    std::string yaml = "agents:\n";
    for (const auto& a : agents) {
      yaml += "  - {name: " + a->name() + ", address: \"" + a->address() + "\", token_file: \"" +
              a->operatorTokenFile() + "\"}\n";
    }
    std::ofstream(cluster_file) << yaml << cluster_extra;
  }
  // Starts agent `i` again on the same port (with a fresh state dir, so new
  // tokens: the cluster file is rewritten), after it was killed.
  bool restart(size_t i) {
    const int port = agents[i]->port();
    const std::string name = agents[i]->name();
    agents[i]->stop(SIGKILL);
    std::vector<std::string> flags = extra[i];
    flags.insert(flags.end(), {"--listen", "127.0.0.1:" + std::to_string(port)});
    for (int attempt = 0; attempt < 50; ++attempt) {  // the port may linger a moment
      agents[i] = std::make_unique<AgentProcess>(name, flags);
      if (agents[i]->started()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    writeClusterFile();
    return agents[i]->started();
  }
  bool started() const {
    for (const auto& a : agents) {
      if (!a->started()) return false;
    }
    return true;
  }
};

// Runs the CLI; each output line is kept with the time it was read.
struct CliRun {
  std::vector<std::pair<Clock::time_point, std::string>> lines;
  int code = -1;
};

// Runs a shell command line, stderr with stdout, as runCli does.
inline CliRun runCommand(const std::string& command, std::atomic<bool>* started = nullptr,
                         std::mutex* mu = nullptr,
                         std::vector<std::pair<Clock::time_point, std::string>>* live = nullptr) {
  CliRun r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (started) *started = true;
  char buf[1 << 16];
  while (fgets(buf, sizeof buf, p)) {
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    r.lines.emplace_back(Clock::now(), line);
    if (live) {
      std::lock_guard lock(*mu);
      live->emplace_back(Clock::now(), line);
    }
  }
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline CliRun runCli(const std::string& args, std::atomic<bool>* started = nullptr,
                     std::mutex* mu = nullptr,
                     std::vector<std::pair<Clock::time_point, std::string>>* live = nullptr) {
  return runCommand(std::string(TOPOLAB_CLI) + " " + args, started, mu, live);
}

// Every line a `topolab` run printed, joined.
inline std::string allLines(const CliRun& r) {
  std::string all;
  for (const auto& [t, l] : r.lines) all += l + "\n";
  return all;
}

// The object `"id":{…}` of a JSON line, up to its closing brace; empty when absent.
inline std::string componentOf(const std::string& line, const std::string& id) {
  const auto start = line.find("\"" + id + "\":{");
  if (start == std::string::npos) return {};
  int depth = 0;
  for (size_t i = line.find('{', start); i < line.size(); ++i) {
    if (line[i] == '{') ++depth;
    if (line[i] == '}' && --depth == 0) return line.substr(start, i - start + 1);
  }
  return {};
}

}  // namespace topolab::testing
