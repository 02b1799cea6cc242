// Helpers for runtime tests: build a topology from YAML text and run it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "topolab/engine/metrics.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab::testing {

inline Topology parseOrDie(const std::string& yaml) {
  LoadResult r = parseTopology(yaml, "test.yaml");
  std::string errors;
  for (const auto& d : r.errors) errors += d.format() + "\n";
  EXPECT_TRUE(r.ok()) << errors;
  return r.topology ? *r.topology : Topology{};
}

inline std::unique_ptr<Runtime> makeRuntime(const Topology& t, RunOptions options = {}) {
  std::string error;
  if (options.seed == 0) options.seed = 42;
  auto rt = Runtime::create(t, Catalogue::instance(), options, &error);
  EXPECT_NE(rt, nullptr) << error;
  return rt;
}

// Per-component totals of a finished run.
inline std::map<std::string, ComponentStats> runToCompletion(
    Runtime& rt, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  rt.start();
  EXPECT_TRUE(rt.waitFinished(timeout)) << "the run did not finish";
  const Snapshot last = rt.snapshot();
  // Every tuple emitted was received or counted as dropped.
  const Conservation balance = conservationOf(last);
  EXPECT_TRUE(balance.in_flight != 0 || balance.holds()) << balance.describe();
  return totalStats(last);
}

// Polls `done` every 10 ms until it holds or `timeout` passes; whether it held.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Adds the events `rt` reported since the last call to `all`; returns them all.
inline std::vector<RuntimeEvent> drainEvents(Runtime& rt, std::vector<RuntimeEvent>& all) {
  for (auto& e : rt.takeEvents()) all.push_back(std::move(e));
  return all;
}

// Whether `events` hold one of `kind` whose detail contains `text`.
inline bool hasEvent(const std::vector<RuntimeEvent>& events, const std::string& kind,
                     const std::string& text) {
  for (const auto& e : events) {
    if (e.kind == kind && e.detail.find(text) != std::string::npos) return true;
  }
  return false;
}

// A fresh temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("topolab-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path path_;
};

// Keys and their counts in a file-sink's JSON lines.
inline std::map<std::string, int> keysInJsonLines(const std::string& path) {
  std::map<std::string, int> keys;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find("\"key\":\"");
    if (a == std::string::npos) continue;
    const auto b = line.find('"', a + 7);
    ++keys[line.substr(a + 7, b - a - 7)];
  }
  return keys;
}

}  // namespace topolab::testing
