// Helpers for Kafka tests: an embedded cluster per test, and kcat (the
// standard Kafka command-line client) to write and read topics from outside.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "runtime_test_util.h"  // eventually()
#include "topolab/engine/kafka.h"

namespace topolab::testing {

inline std::unique_ptr<EmbeddedKafka> startKafka(int brokers = 3) {
  std::string error;
  auto kafka = EmbeddedKafka::start(brokers, &error);
  EXPECT_NE(kafka, nullptr) << error;
  return kafka;
}

inline void createTopic(EmbeddedKafka& kafka, const std::string& name, int partitions) {
  std::string error;
  ASSERT_TRUE(kafka.createTopic(name, partitions, &error)) << error;
}

// Runs a shell command; its exit code, and what it printed on `out`.
inline int shell(const std::string& command, std::string* out = nullptr) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    if (out != nullptr) out->append(buf, n);
  }
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Produces `lines` ("key:value") to `topic` with kcat; its exit code.
inline int kcatProduce(const std::string& bootstrap, const std::string& topic,
                       const std::function<void(FILE*)>& write_lines) {
  const std::string command = "kcat -q -b " + bootstrap + " -P -t " + topic + " -K:";
  FILE* p = ::popen(command.c_str(), "w");
  if (p == nullptr) return -1;
  write_lines(p);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Keys of every message in `topic`, read with kcat from the beginning to the end.
inline std::map<std::string, int> kcatKeys(const std::string& bootstrap, const std::string& topic) {
  std::string out;
  const int code =
      shell("kcat -q -b " + bootstrap + " -C -t " + topic + " -o beginning -e -f '%k\\n'", &out);
  EXPECT_EQ(code, 0) << "kcat could not read " << topic;
  std::map<std::string, int> keys;
  size_t start = 0;
  for (size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    ++keys[out.substr(start, nl - start)];
  }
  return keys;
}

}  // namespace topolab::testing
