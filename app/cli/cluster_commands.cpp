// `topolab stop`, `topolab fault`, `topolab agents` and `topolab errors`: one
// call to the agents of a cluster, its outcome printed.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "inputs.h"
#include "topolab/control/cluster_client.h"
#include "topolab/engine/report.h"

namespace topolab::cli {
namespace {

control::ClusterClientPtr connect(const control::ClusterFile& cluster) {
  std::string error;
  auto client = control::ClusterClient::create(cluster, &error);
  if (!client) std::cerr << cluster.path << ": error: " << error << '\n';
  return client;
}

std::string memoryText(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  return buf;
}

std::string padded(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

int stopCommand(const StopOptions& options) {
  const auto cluster = loadCluster(options.cluster);
  if (!cluster) return kInvalidInput;
  const auto client = connect(*cluster);
  if (!client) return kFailure;
  const auto drain = std::chrono::milliseconds(static_cast<int64_t>(options.drain_s * 1000));
  const control::StopOutcome outcome = client->stop(options.name, drain);
  for (const control::AgentStopped& s : outcome.stopped) {
    std::cout << "stopped " << options.name << " on " << s.agent;
    if (s.drained) {
      std::cout << " (drained)\n";
    } else {
      std::cout << " (drain deadline passed with " << s.abandoned << " tuples still queued)\n";
    }
  }
  if (!outcome.ok) {
    std::cerr << "error: " << outcome.message << '\n';
    return kFailure;
  }
  return kOk;
}

int faultCommand(const FaultOptions& options) {
  std::optional<control::FaultSpec> fault;
  std::string error;
  if (!options.kill.empty()) {
    fault = control::parseKill(options.kill, &error);
  } else if (!options.revive.empty()) {
    fault = control::parseRevive(options.revive, &error);
  } else if (!options.latency.empty()) {
    fault = control::parseLatency(options.latency, &error);
  } else if (!options.fail.empty()) {
    fault = control::parseFail(options.fail, &error);
  } else if (!options.partition.empty()) {
    fault = control::parsePartition(options.partition, &error);
  } else {
    error =
        "name a fault: --kill ID[#N], --revive ID[#N], --latency ID=MS, --fail ID=RATIO or "
        "--partition AGENT=SECONDS";
  }
  if (!fault) {
    std::cerr << "error: " << error << '\n';
    return kInvalidInput;
  }
  const auto cluster = loadCluster(options.cluster);
  if (!cluster) return kInvalidInput;
  if (fault->kind == control::FaultSpec::Kind::Partition && !cluster->agent(fault->agent)) {
    std::cerr << "error: --partition: no agent '" << fault->agent << "' in " << options.cluster
              << '\n';
    return kInvalidInput;
  }
  const auto client = connect(*cluster);
  if (!client) return kFailure;
  const control::FaultOutcome outcome = client->fault(options.name, *fault);
  for (const auto& [agent, detail] : outcome.details) std::cout << detail << '\n';
  if (!outcome.ok) {
    std::cerr << "error: " << outcome.message << '\n';
    return kFailure;
  }
  return kOk;
}

int errorsCommand(const ErrorsOptions& options) {
  const auto cluster = loadCluster(options.cluster);
  if (!cluster) return kInvalidInput;
  const auto client = connect(*cluster);
  if (!client) return kFailure;
  const control::ErrorsOutcome outcome = client->errors(options.name);
  for (const InstanceError& e : outcome.samples) {
    std::cout << (options.json ? errorSampleLine(e) : errorSampleText(e)) << '\n';
  }
  if (!outcome.ok) {
    std::cerr << "error: " << outcome.message << '\n';
    return kFailure;
  }
  if (outcome.samples.empty() && !options.json) {
    std::cout << options.name << " has counted no errors\n";
  }
  return kOk;
}

int agentsCommand(const std::string& cluster_file) {
  const auto cluster = loadCluster(cluster_file);
  if (!cluster) return kInvalidInput;
  const auto client = connect(*cluster);
  if (!client) return kFailure;
  const std::vector<control::AgentHello> hellos = client->hello();

  std::vector<std::vector<std::string>> rows = {
      {"AGENT", "ADDRESS", "VERSION", "CORES", "MEMORY", "ROLE", "DEPLOYMENTS"}};
  for (const control::AgentHello& h : hellos) {
    if (!h.ok()) {
      rows.push_back({h.agent, h.address, "error: " + h.error});
      continue;
    }
    std::string deployments;
    for (const std::string& d : h.deployments) deployments += (deployments.empty() ? "" : ", ") + d;
    rows.push_back({h.agent, h.address, h.version, std::to_string(h.cores),
                    memoryText(h.memory_bytes), h.role, deployments.empty() ? "-" : deployments});
  }
  std::vector<size_t> width(7, 0);
  for (const auto& row : rows) {
    // An error row's message runs to the end of the line and sets no width.
    const size_t cells = row.size() < width.size() ? row.size() - 1 : row.size();
    for (size_t c = 0; c < cells; ++c) width[c] = std::max(width[c], row[c].size());
  }
  int code = kOk;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += c + 1 == row.size() ? row[c] : padded(row[c], width[c] + 2);
    }
    std::cout << line << '\n';
    if (row.size() < width.size()) code = kFailure;
  }
  for (const control::AgentHello& h : hellos) {
    if (h.ok() && !h.kafka_bootstrap.empty()) {
      std::cout << "kafka: " << h.kafka_bootstrap << " (embedded in " << h.agent << ")\n";
    }
    if (h.ok() && !h.plugin_types.empty()) {
      std::string types;
      for (const std::string& t : h.plugin_types) types += (types.empty() ? "" : ", ") + t;
      std::cout << "plugin types on " << h.agent << ": " << types << '\n';
    }
  }
  return code;
}

}  // namespace topolab::cli
