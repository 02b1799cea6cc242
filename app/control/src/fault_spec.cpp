// Parsing and describing the faults `topolab fault` can inject.
#include "topolab/control/fault_spec.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace topolab::control {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

template <typename T>
bool parseInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  try {
    size_t used = 0;
    *out = std::stod(std::string(s), &used);
    return used == s.size() && std::isfinite(*out);
  } catch (...) {
    return false;
  }
}

// Splits "ID=VALUE"; false when there is no '=' or either side is empty.
bool splitAssignment(std::string_view value, std::string_view* left, std::string_view* right) {
  const size_t eq = value.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == value.size()) return false;
  *left = value.substr(0, eq);
  *right = value.substr(eq + 1);
  return true;
}

// `option`'s "NAME=NUMBER" with NUMBER from `low` to `high`: the name and the
// number, or nothing with an error that quotes the value and `expected`.
template <typename T>
std::optional<std::pair<std::string, T>> parseAssignment(std::string_view option,
                                                         std::string_view value, T low, T high,
                                                         const char* expected, std::string* error) {
  std::string_view name, number;
  T parsed = 0;
  bool ok = splitAssignment(value, &name, &number);
  if constexpr (std::is_floating_point_v<T>) {
    ok = ok && parseDouble(number, &parsed);
  } else {
    ok = ok && parseInt(number, &parsed);
  }
  if (!ok || parsed < low || parsed > high) {
    fail(error, std::string(option) + " '" + std::string(value) + "': expected " + expected);
    return std::nullopt;
  }
  return std::pair{std::string(name), parsed};
}

}  // namespace

std::string FaultSpec::describe() const {
  switch (kind) {
    case Kind::KillInstance:
      return index < 0 ? "kill every instance of " + component
                       : "kill " + component + "#" + std::to_string(index);
    case Kind::KillDeployment:
      return "kill the deployment on " + agent;
    case Kind::Revive:
      return index < 0 ? "revive every killed instance of " + component
                       : "revive " + component + "#" + std::to_string(index);
    case Kind::Latency:
      return "add " + std::to_string(latency_ms) + " ms latency into " + component;
    case Kind::Fail: {
      std::string r = std::to_string(ratio);
      while (r.size() > 1 && r.back() == '0') r.pop_back();
      if (r.back() == '.') r.pop_back();
      return "fail " + r + " of the tuples into " + component;
    }
    case Kind::Partition:
      return "cut " + agent + " off from its peers for " + std::to_string(seconds) + " s";
  }
  return {};
}

// ID or ID#N, for `option`.
std::optional<FaultSpec> parseInstance(std::string_view option, FaultSpec::Kind kind,
                                       std::string_view value, std::string* error) {
  FaultSpec f;
  f.kind = kind;
  const size_t hash = value.find('#');
  f.component = std::string(value.substr(0, hash));
  const std::string quoted = std::string(option) + " '" + std::string(value) + "'";
  if (f.component.empty()) {
    fail(error, quoted + ": expected ID or ID#N, e.g. enrich#1");
    return std::nullopt;
  }
  if (hash != std::string_view::npos) {
    int index = -1;
    if (!parseInt(value.substr(hash + 1), &index) || index < 0) {
      fail(error, quoted + ": the instance after '#' must be a number from 0, e.g. enrich#1");
      return std::nullopt;
    }
    f.index = index;
  }
  return f;
}

std::optional<FaultSpec> parseKill(std::string_view value, std::string* error) {
  return parseInstance("--kill", FaultSpec::Kind::KillInstance, value, error);
}

std::optional<FaultSpec> parseRevive(std::string_view value, std::string* error) {
  return parseInstance("--revive", FaultSpec::Kind::Revive, value, error);
}

std::optional<FaultSpec> parseLatency(std::string_view value, std::string* error) {
  const auto a = parseAssignment<unsigned>(
      "--latency", value, 0, 3'600'000, "ID=MS with MS from 0 to 3600000, e.g. enrich=50", error);
  if (!a) return std::nullopt;
  FaultSpec f;
  f.kind = FaultSpec::Kind::Latency;
  f.component = a->first;
  f.latency_ms = a->second;
  return f;
}

std::optional<FaultSpec> parseFail(std::string_view value, std::string* error) {
  const auto a = parseAssignment<double>("--fail", value, 0, 1,
                                         "ID=RATIO with RATIO from 0 to 1, e.g. enrich=0.1", error);
  if (!a) return std::nullopt;
  FaultSpec f;
  f.kind = FaultSpec::Kind::Fail;
  f.component = a->first;
  f.ratio = a->second;
  return f;
}

std::optional<FaultSpec> parsePartition(std::string_view value, std::string* error) {
  const auto a = parseAssignment<unsigned>(
      "--partition", value, 1, 86'400, "AGENT=SECONDS with SECONDS from 1 to 86400, e.g. node-b=10",
      error);
  if (!a) return std::nullopt;
  FaultSpec f;
  f.kind = FaultSpec::Kind::Partition;
  f.agent = a->first;
  f.seconds = a->second;
  return f;
}

}  // namespace topolab::control
