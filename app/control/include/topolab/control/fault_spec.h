// A fault to inject into a running deployment (DESIGN.md §4), as the CLI's
// `topolab fault` options or a studio context menu describe it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace topolab::control {

struct FaultSpec {
  enum class Kind { KillInstance, KillDeployment, Latency, Fail, Partition, Revive };
  Kind kind = Kind::KillInstance;
  std::string component;  // KillInstance, Revive, Latency, Fail
  int index = -1;         // KillInstance, Revive: -1 is every instance of the component
  unsigned latency_ms = 0;
  double ratio = 0;
  std::string agent;     // Partition and KillDeployment: the agent it concerns
  unsigned seconds = 0;  // Partition

  // e.g. "kill enrich#1", "latency 50 ms into enrich", "partition node-b for 10 s".
  std::string describe() const;
};

// Parses the value of `--kill ID[#N]`, `--latency ID=MS`, `--fail ID=RATIO`
// or `--partition AGENT=SECONDS`; nullopt with `error` set (naming the option
// and the expected form) when it is malformed.
[[nodiscard]] std::optional<FaultSpec> parseKill(std::string_view value, std::string* error);
// `--revive ID[#N]`: bring killed instances back (see Runtime::reviveInstance).
[[nodiscard]] std::optional<FaultSpec> parseRevive(std::string_view value, std::string* error);
[[nodiscard]] std::optional<FaultSpec> parseLatency(std::string_view value, std::string* error);
[[nodiscard]] std::optional<FaultSpec> parseFail(std::string_view value, std::string* error);
[[nodiscard]] std::optional<FaultSpec> parsePartition(std::string_view value, std::string* error);

}  // namespace topolab::control
