// The agent's audit log: one JSON line per deploy, stop and fault, and per
// refused attempt, so an operator can tell afterwards who did what from where.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "security.h"

namespace topolab::agent {

class AuditLog;
using AuditLogPtr = std::unique_ptr<AuditLog>;

// "2026-11-25T20:55:01.123Z": UTC with milliseconds.
std::string formatAuditTime(std::chrono::system_clock::time_point t);

class AuditLog {
 public:
  // Opens <state_dir>/audit.log for appending (created 0600, the state dir 0700
  // if absent; a looser existing file is tightened to 0600). Null and a message
  // naming the file when it cannot be opened.
  [[nodiscard]] static AuditLogPtr open(const std::string& state_dir, std::string* error);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one line and hands it to the kernel before returning:
  // {"ts":…,"action":…,"allowed":…,"role":…,"peer":…,"deployment":…,"detail":…}.
  // Thread-safe. A failed write is logged to stderr, never thrown.
  void record(std::string_view action, Role role, std::string_view peer,
              std::string_view deployment, std::string_view detail, bool allowed);

  std::string path() const { return path_; }

 private:
  AuditLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  const std::string path_;
  std::mutex mutex_;
  int fd_;  // O_APPEND: each line is one write, whole even with other writers
};

}  // namespace topolab::agent
