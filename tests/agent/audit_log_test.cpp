// The audit log: one valid JSON line per record, owner-only, whole lines under
// concurrent writers; python3's json module is the judge of "valid".
#include "audit_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sstream>
#include <thread>
#include <vector>
#include "test_files.h"

namespace topolab::agent {
namespace {

namespace fs = std::filesystem;

using topolab::testing::modeOf;

// A temporary directory named after this suite.
struct TempDir : topolab::testing::TempDir {
  TempDir() : topolab::testing::TempDir("topolab-audit") {}
};

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Runs a python3 check over the log: every line parses as a JSON object with
// the expected keys and a UTC millisecond timestamp; then `extra` (Python,
// with `rows` the parsed lines) asserts more. Returns python's output on failure.
std::string checkWithPython(const std::string& log, const std::string& extra, const TempDir& tmp) {
  const std::string script = tmp.file("check.py");
  std::ofstream(script) << "import json, re, sys\n"
                           "rows = []\n"
                           "with open(sys.argv[1], 'rb') as f:\n"
                           "    for raw in f:\n"
                           "        assert raw.endswith(b'\\n'), raw\n"
                           "        row = json.loads(raw.decode('utf-8'))\n"
                           "        assert list(row) == ['ts', 'action', 'allowed', 'role', "
                           "'peer', 'deployment', 'detail'], list(row)\n"
                           "        assert re.fullmatch(r'\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:"
                           "\\d\\d\\.\\d{3}Z', row['ts']), row['ts']\n"
                           "        assert isinstance(row['allowed'], bool)\n"
                           "        rows.append(row)\n"
                        << extra << "\n";
  const std::string out = tmp.file("check.out");
  std::string cmd = "python3 '" + script + "' '" + log + "' >'" + out + "' 2>&1";
  int rc = std::system(cmd.c_str());
  if (rc == 0) return "";
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return "python3 exit " + std::to_string(rc) + ": " + ss.str();
}

TEST(AuditLog, LinesAreValidJsonAndTheFileIsOwnerOnly) {
  TempDir tmp;
  std::string state = tmp.file("state");
  std::string error;
  auto log = AuditLog::open(state, &error);
  ASSERT_TRUE(log) << error;
  EXPECT_EQ(log->path(), state + "/audit.log");
  EXPECT_EQ(modeOf(state), 0700u);
  EXPECT_EQ(modeOf(log->path()), 0600u);

  log->record("deploy", Role::Operator, "ipv4:10.0.0.7:51234", "wordcount", "prepared 3 instances",
              true);
  log->record("stop", Role::Viewer, "ipv6:[::1]:40000", "word\"count\"",
              "the viewer token may not call Stop;\nuse the operator token", false);
  log->record("fault", Role::None, "", "a\\b\tc\x01", "latency enrich=50ms \xff\xfe bad utf-8",
              false);
  log->record("deploy", Role::Operator, "ipv4:10.0.0.7:51234", "d\xc3\xa9ploiement",
              std::string(10000, 'x'), true);

  EXPECT_EQ(readLines(log->path()).size(), 4u);
  std::string failure = checkWithPython(
      log->path(),
      "assert len(rows) == 4\n"
      "assert rows[0]['action'] == 'deploy' and rows[0]['allowed'] is True\n"
      "assert rows[0]['role'] == 'operator' and rows[0]['peer'] == 'ipv4:10.0.0.7:51234'\n"
      "assert rows[0]['deployment'] == 'wordcount'\n"
      "assert rows[0]['detail'] == 'prepared 3 instances'\n"
      "assert rows[1]['role'] == 'viewer' and rows[1]['allowed'] is False\n"
      "assert rows[1]['deployment'] == 'word\"count\"'\n"
      "assert rows[1]['detail'].endswith('Stop;\\nuse the operator token')\n"
      "assert rows[2]['role'] == 'none' and rows[2]['peer'] == ''\n"
      "assert rows[2]['deployment'] == 'a\\\\b\\tc\\x01', rows[2]['deployment']\n"
      "assert '\\ufffd\\ufffd bad utf-8' in rows[2]['detail'], rows[2]['detail']\n"
      "assert rows[3]['deployment'] == 'd\\u00e9ploiement'\n"
      "assert 4000 <= len(rows[3]['detail']) < 5000, len(rows[3]['detail'])\n",
      tmp);
  EXPECT_TRUE(failure.empty()) << failure;
}

TEST(AuditLog, AppendsAcrossReopen) {
  TempDir tmp;
  std::string error;
  {
    auto log = AuditLog::open(tmp.path(), &error);
    ASSERT_TRUE(log) << error;
    log->record("deploy", Role::Operator, "peer-1", "one", "", true);
  }
  auto log = AuditLog::open(tmp.path(), &error);
  ASSERT_TRUE(log) << error;
  log->record("stop", Role::Operator, "peer-1", "one", "", true);
  auto lines = readLines(log->path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"action\":\"deploy\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"action\":\"stop\""), std::string::npos) << lines[1];
}

TEST(AuditLog, RecordIsOnDiskWhenItReturns) {
  TempDir tmp;
  std::string error;
  auto log = AuditLog::open(tmp.path(), &error);
  ASSERT_TRUE(log) << error;
  log->record("fault", Role::Operator, "peer", "dep", "kill enrich#1", true);
  // Read by another handle while the log is still open: nothing is buffered.
  auto lines = readLines(log->path());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("kill enrich#1"), std::string::npos);
}

TEST(AuditLog, ConcurrentRecordsStayWholeLines) {
  TempDir tmp;
  std::string error;
  auto log = AuditLog::open(tmp.path(), &error);
  ASSERT_TRUE(log) << error;
  constexpr int kThreads = 8;
  constexpr int kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        log->record("deploy", Role::Operator, "thread-" + std::to_string(t),
                    "dep-" + std::to_string(i), std::string(300, static_cast<char>('a' + t)), true);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string failure =
      checkWithPython(log->path(),
                      "assert len(rows) == " + std::to_string(kThreads * kEach) +
                          "\n"
                          "from collections import Counter\n"
                          "c = Counter(r['peer'] for r in rows)\n"
                          "assert all(v == " +
                          std::to_string(kEach) +
                          " for v in c.values()) and len(c) == " + std::to_string(kThreads) +
                          ", c\n"
                          "assert all(len(set(r['detail'])) == 1 for r in rows)\n",
                      tmp);
  EXPECT_TRUE(failure.empty()) << failure;
}

TEST(AuditLog, LooseExistingFileIsTightenedToOwnerOnly) {
  TempDir tmp;
  std::string path = tmp.file("audit.log");
  std::ofstream(path) << "";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  std::string error;
  auto log = AuditLog::open(tmp.path(), &error);
  ASSERT_TRUE(log) << error;
  EXPECT_EQ(modeOf(path), 0600u);
}

TEST(AuditLog, StateDirThatIsAFileIsRefusedWithItsName) {
  TempDir tmp;
  std::string state = tmp.file("not-a-dir");
  std::ofstream(state) << "x";
  std::string error;
  EXPECT_FALSE(AuditLog::open(state, &error));
  EXPECT_NE(error.find(state), std::string::npos) << error;
}

TEST(AuditLog, TimestampIsUtcWithMilliseconds) {
  using namespace std::chrono;
  sys_time<milliseconds> t =
      sys_days{year{2026} / 11 / 25} + hours{20} + minutes{55} + seconds{1} + milliseconds{123};
  EXPECT_EQ(formatAuditTime(t), "2026-11-25T20:55:01.123Z");
  EXPECT_EQ(formatAuditTime(sys_days{year{2027} / 1 / 1} + milliseconds{7}),
            "2027-01-01T00:00:00.007Z");
}

}  // namespace
}  // namespace topolab::agent
