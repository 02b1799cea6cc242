// shell-spout and shell-bolt with real python3 and node programs
// (tests/data/multilang): every protocol message, at-least-once through
// failures and a killed process, dead instances with their reasons, back
// pressure, and no process left behind.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "runtime_test_util.h"

namespace topolab::testing {
namespace {

const std::string kPrograms = std::string(TOPOLAB_TESTDATA_DIR) + "/multilang";

// Children of this process right now (programs still running or unreaped).
int childProcesses() {
  int n = 0;
  const std::string self = std::to_string(::getpid());
  DIR* d = ::opendir("/proc");
  if (!d) return -1;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state, ppid;
    rest >> state >> ppid;
    if (ppid == self) ++n;
  }
  ::closedir(d);
  return n;
}

std::vector<std::string> linesOf(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Collects what a run logs and reports.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> lines;
  void log(const std::string& instance, int level, const std::string& line) {
    std::lock_guard lock(mu);
    lines.push_back(instance + " " + std::to_string(level) + " " + line);
  }
  bool contains(const std::string& text) {
    std::lock_guard lock(mu);
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

RunOptions optionsFor(Recorder* recorder = nullptr) {
  RunOptions o;
  o.resources_base = kPrograms;
  if (recorder) {
    o.log = [recorder](const std::string& i, int level, const std::string& line) {
      recorder->log(i, level, line);
    };
  }
  return o;
}

std::string header(const std::string& delivery, const std::string& extra = "") {
  return "topolab: 1\nname: shell\ndefaults: {delivery: " + delivery + extra + "}\ncomponents:\n";
}

TEST(ShellBolt, EchoPassesEveryTupleOnAndAcksIt) {
  const Topology t = parseOrDie(header("at-least-once") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 3000, keys: 50}}
  - {id: echo, type: shell-bolt, parallelism: 2, params: {command: [python3, echo_bolt.py], fields: [key, n], env: {NEED_TASK_IDS: "0"}}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: echo}
  - {from: echo, to: sink}
)");
  {
    auto rt = makeRuntime(t, optionsFor());
    auto stats = runToCompletion(*rt);
    EXPECT_EQ(stats["gen"].counters.acked, 3000u);
    EXPECT_EQ(stats["echo"].counters.received, 3000u);
    EXPECT_EQ(stats["echo"].counters.acked, 3000u);
    EXPECT_EQ(stats["echo"].counters.errors, 0u);
    EXPECT_EQ(stats["sink"].counters.received, 3000u);
    // The processing latency is measured from sending to the program until its ack.
    EXPECT_GT(stats["echo"].latency.count(), 0u);
    EXPECT_GT(stats["sink"].e2e.count(), 0u);
  }
  EXPECT_EQ(childProcesses(), 0) << "a program outlived its run";
}

TEST(ShellBolt, NodeProgramRunsLikePython) {
  const Topology t = parseOrDie(header("at-least-once") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 1000}}
  - {id: echo, type: shell-bolt, params: {command: [node, echo_bolt.js], fields: [key, n]}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: echo}
  - {from: echo, to: sink}
)");
  auto rt = makeRuntime(t, optionsFor());
  auto stats = runToCompletion(*rt);
  EXPECT_EQ(stats["gen"].counters.acked, 1000u);
  EXPECT_EQ(stats["sink"].counters.received, 1000u);
}

TEST(ShellBolt, ValuesReachTheNextProgramUnchanged) {
  TempDir dir;
  const std::string record = dir.file("record.jsonl");
  const Topology t = parseOrDie(header("at-most-once") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 20, keys: 5, distribution: sequential}}
  - {id: shape, type: shell-bolt, params: {command: [python3, values_bolt.py], fields: [k, v, extra]}}
  - {id: rec, type: shell-bolt, params: {command: [python3, record_bolt.py], env: {RECORD_FILE: ")" +
                                record + R"("}}}
streams:
  - {from: gen, to: shape}
  - {from: shape, to: rec}
)");
  auto rt = makeRuntime(t, optionsFor());
  runToCompletion(*rt);
  const auto lines = linesOf(record);
  ASSERT_EQ(lines.size(), 20u);
  // values_bolt emits [values[0], values[1], {"nested": values, "list": [1, 2.5, "x"]}];
  // a generator's tuple reaches a program as [key, value].
  const nlohmann::json first = nlohmann::json::parse(lines.front());
  ASSERT_TRUE(first.is_array());
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(first[0].is_string());
  EXPECT_TRUE(first[1].is_number());
  EXPECT_EQ(first[2]["list"], nlohmann::json::parse(R"([1, 2.5, "x"])"));
  EXPECT_EQ(first[2]["nested"][0], first[0]);
  EXPECT_EQ(first[2]["nested"][1], first[1]);
}

// The handshake as Storm's 0.10+ protocol describes it: conf, pidDir and the
// context (task ids from 1, every task's component, this component's output
// streams and fields, its targets' and sources' groupings and fields).
TEST(ShellBolt, TheHandshakeCarriesConfPidDirAndTheContext) {
  TempDir dir;
  const std::string setup = dir.file("setup.json");
  const Topology t = parseOrDie(
      "topolab: 1\nname: hs\ndefaults: {delivery: at-least-once, ack_timeout_ms: 7000, "
      "max_pending: 321}\ncomponents:\n" +
      std::string(R"(
  - {id: gen, type: generator, params: {rate: 0, count: 10}}
  - {id: shape, type: shell-bolt, parallelism: 2, params: {command: [python3, values_bolt.py], fields: [k, v, extra]}}
  - {id: rec, type: shell-bolt, params: {command: [python3, record_bolt.py], env: {SETUP_FILE: ")") +
      setup + R"("}}}
streams:
  - {from: gen, to: shape}
  - {from: shape, to: rec, grouping: {type: fields, fields: [k]}}
)");
  auto rt = makeRuntime(t, optionsFor());
  runToCompletion(*rt);
  rt.reset();
  std::ifstream in(setup);
  const nlohmann::json hs = nlohmann::json::parse(in);
  EXPECT_EQ(hs["conf"]["topology.name"], "hs");
  EXPECT_EQ(hs["conf"]["topology.message.timeout.secs"], 7);
  EXPECT_EQ(hs["conf"]["topology.max.spout.pending"], 321);
  EXPECT_TRUE(hs["pidDir"].is_string());
  const nlohmann::json& ctx = hs["context"];
  EXPECT_EQ(ctx["componentid"], "rec");
  // Four tasks: gen, shape ×2, rec; ids from 1.
  ASSERT_EQ(ctx["task->component"].size(), 4u);
  EXPECT_EQ(ctx["task->component"][std::to_string(ctx["taskid"].get<int>())], "rec");
  int shapes = 0;
  for (const auto& [task, component] : ctx["task->component"].items()) {
    EXPECT_GE(std::stoi(task), 1);
    shapes += component == "shape";
  }
  EXPECT_EQ(shapes, 2);
  EXPECT_EQ(ctx["streams"], nlohmann::json::parse(R"(["default"])"));
  EXPECT_EQ(ctx["source->stream->grouping"]["shape"]["default"]["type"], "FIELDS");
  EXPECT_EQ(ctx["source->stream->fields"]["shape"]["default"],
            nlohmann::json::parse(R"(["k", "v", "extra"])"));
}

TEST(ShellBolt, TaskIdsAnswerEachEmitAndHeartbeatsAreAnswered) {
  TempDir dir;
  const std::string ids = dir.file("ids.jsonl"), beats = dir.file("beats.log");
  const Topology t = parseOrDie(header("at-least-once") + R"(
  - {id: gen, type: generator, params: {rate: 200, count: 200}}
  - {id: echo, type: shell-bolt, params: {command: [python3, echo_bolt.py], heartbeat_ms: 40, env: {TASK_IDS_LOG: ")" +
                                ids + R"(", HEARTBEAT_LOG: ")" + beats + R"("}}}
  - {id: sink, type: counter, parallelism: 2}
streams:
  - {from: gen, to: echo}
  - {from: echo, to: sink}
)");
  auto rt = makeRuntime(t, optionsFor());
  auto stats = runToCompletion(*rt);
  EXPECT_EQ(stats["sink"].counters.received, 200u);
  // Plan tasks: gen 0, echo 1, sink 2 and 3 -> Storm ids 1..4; each emit went to one sink.
  const auto lines = linesOf(ids);
  ASSERT_EQ(lines.size(), 200u);
  std::set<int> seen;
  for (const auto& l : lines) {
    const auto list = nlohmann::json::parse(l);
    ASSERT_EQ(list.size(), 1u) << l;
    seen.insert(list[0].get<int>());
  }
  EXPECT_EQ(seen, (std::set<int>{3, 4}));
  // About one second at 40 ms per heartbeat (about 25; fewer on a busy machine,
  // where the program starts late).
  EXPECT_GE(linesOf(beats).size(), 5u);
}

TEST(ShellBolt, DirectEmitGoesOnlyToTheNamedTask) {
  const Topology t = parseOrDie(header("at-least-once") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 300}}
  - {id: direct, type: shell-bolt, params: {command: [python3, direct_bolt.py]}}
  - {id: sink, type: counter, parallelism: 3}
streams:
  - {from: gen, to: direct}
  - {from: direct, to: sink}
)");
  auto rt = makeRuntime(t, optionsFor());
  rt->start();
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(60)));
  uint64_t first = 0, others = 0;
  for (const InstanceSnapshot& i : rt->snapshot().instances) {
    if (i.component != "sink") continue;
    (i.index == 0 ? first : others) += i.counters.received;
  }
  EXPECT_EQ(first, 300u);  // the smallest task of the downstream component
  EXPECT_EQ(others, 0u);
}

TEST(ShellBolt, LogsErrorsAndMetricsReachTheRun) {
  Recorder recorder;
  const Topology t = parseOrDie(header("at-most-once") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 100}}
  - {id: noisy, type: shell-bolt, params: {command: [python3, log_error_metrics_bolt.py]}}
streams:
  - {from: gen, to: noisy}
)");
  auto rt = makeRuntime(t, optionsFor(&recorder));
  auto stats = runToCompletion(*rt);
  EXPECT_EQ(stats["noisy"].counters.errors, 10u);  // an error for every 10th tuple
  EXPECT_TRUE(recorder.contains("noisy#0 3 saw"));
  EXPECT_TRUE(recorder.contains("noisy#0 4 error: bad value"));
  EXPECT_TRUE(recorder.contains("noisy#0 1 metrics"));
}

TEST(ShellBolt, FailedTuplesReplayUntilEveryTreeCompletes) {
  const Topology t = parseOrDie(header("at-least-once", ", ack_timeout_ms: 5000") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 2000, keys: 2000, distribution: sequential}}
  - {id: flaky, type: shell-bolt, parallelism: 2, params: {command: [python3, fail_some_bolt.py], env: {FAIL_PERCENT: "5"}}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: flaky, grouping: {type: fields, fields: [key]}}
  - {from: flaky, to: sink}
)");
  auto rt = makeRuntime(t, optionsFor());
  auto stats = runToCompletion(*rt);
  EXPECT_EQ(stats["gen"].counters.acked, 2000u);
  EXPECT_GT(stats["gen"].counters.replayed, 40u);  // about 5 % failed once
  EXPECT_GT(stats["flaky"].counters.failed, 40u);
  EXPECT_GE(stats["sink"].counters.received, 2000u);
}

TEST(ShellBolt, ProcessKilledMidwayIsRestartedAndNothingIsLost) {
  TempDir dir;
  RunOptions options = optionsFor();
  options.work_dir = dir.file("run");
  const Topology t = parseOrDie(header("at-least-once", ", ack_timeout_ms: 20000") + R"(
  - {id: gen, type: generator, params: {rate: 2000, count: 6000, keys: 6000, distribution: sequential}}
  - {id: echo, type: shell-bolt, parallelism: 2, params: {command: [python3, echo_bolt.py], env: {NEED_TASK_IDS: "0"}}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: echo}
  - {from: echo, to: sink}
)");
  auto rt = makeRuntime(t, options);
  rt->start();
  // Kill echo#1's program with SIGKILL once tuples flow; its pid file is in pidDir.
  const std::filesystem::path pids = std::filesystem::path(options.work_dir) / "pids" / "echo-1";
  pid_t victim = 0;
  ASSERT_TRUE(eventually([&] {
    if (!std::filesystem::exists(pids)) return false;
    for (const auto& e : std::filesystem::directory_iterator(pids)) {
      victim = std::stoi(e.path().filename().string());
    }
    return victim > 0 && totalStats(rt->snapshot())["sink"].counters.received > 1000;
  }));
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(60)));
  auto stats = totalStats(rt->snapshot());
  EXPECT_EQ(stats["gen"].counters.acked, 6000u) << "a tree was lost";
  EXPECT_GE(stats["sink"].counters.received, 6000u);
  std::vector<RuntimeEvent> events;
  drainEvents(*rt, events);
  EXPECT_TRUE(hasEvent(events, "process-died", "echo#1: python3 killed by signal 9"));
  EXPECT_TRUE(hasEvent(events, "restart", "echo#1 restarted"));
  rt.reset();
  EXPECT_EQ(childProcesses(), 0);
}

struct DeadCase {
  const char* program;
  const char* params;
  const char* reason;  // part of the process-died event
};

class ShellBoltDeath : public ::testing::TestWithParam<DeadCase> {};

TEST_P(ShellBoltDeath, IsADeadInstanceWithAClearReasonAndNoProcessLeft) {
  const DeadCase c = GetParam();
  const Topology t = parseOrDie(header("at-most-once", ", restart: never") + R"(
  - {id: gen, type: generator, params: {rate: 100, count: 50}}
  - {id: bad, type: shell-bolt, params: {command: [python3, )" +
                                std::string(c.program) + "]" + c.params + R"(}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: bad}
  - {from: bad, to: sink}
)");
  auto rt = makeRuntime(t, optionsFor());
  rt->start();
  std::vector<RuntimeEvent> events;
  ASSERT_TRUE(eventually([&] {
    drainEvents(*rt, events);
    return hasEvent(events, "instance-failed", "bad#0 is dead (restart: never)");
  })) << "no instance-failed event";
  EXPECT_TRUE(hasEvent(events, "process-died", c.reason)) << events.front().detail;
  // The dead instance drops what reaches it: the run still ends.
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(30)));
  auto snap = rt->snapshot();
  for (const auto& i : snap.instances) {
    if (i.component == "bad") {
      EXPECT_FALSE(i.alive);
    }
  }
  EXPECT_EQ(childProcesses(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Programs, ShellBoltDeath,
    ::testing::Values(
        DeadCase{
            "malformed_bolt.py", "",
            "not the multilang protocol (a JSON object, then a line 'end'): 'this is not json'"},
        DeadCase{"silent_bolt.py", ", heartbeat_ms: 100, timeout_ms: 2000", "sent nothing for"},
        DeadCase{"exit_at_start.py", "",
                 "exited with status 3; its stderr ended with:\n  starting"}),
    [](const auto& info) {
      std::string name = info.param.program;
      return name.substr(0, name.find('.'));
    });

TEST(ShellBolt, StderrNeverBlocksTheEngine) {
  const Topology t = parseOrDie(header("at-least-once") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 1000}}
  - {id: spam, type: shell-bolt, params: {command: [python3, stderr_spam_bolt.py]}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: spam}
  - {from: spam, to: sink}
)");
  auto rt = makeRuntime(t, optionsFor());
  auto stats = runToCompletion(*rt, std::chrono::seconds(60));
  EXPECT_EQ(stats["sink"].counters.received, 1000u);
}

TEST(ShellBolt, ASlowProgramHoldsTheProducerBackWithBoundedMemory) {
  const Topology t = parseOrDie(header("at-least-once", ", max_pending: 100000") + R"(
  - {id: gen, type: generator, params: {rate: 0, count: 0}}
  - {id: slow, type: shell-bolt, params: {command: [python3, slow_bolt.py], max_pending: 50, env: {SLEEP_MS: "2"}}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: slow}
  - {from: slow, to: sink}
)");
  RunOptions options = optionsFor();
  options.queue_capacity = 2048;
  options.batch_size = 256;
  auto rt = makeRuntime(t, options);
  rt->start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto stats = totalStats(rt->snapshot());
  rt->stop(std::chrono::milliseconds(0));
  // About 500 tuples/s get through; the generator, able to make millions, was
  // held to what fits in the bolt's queue, its outbox and max_pending.
  const uint64_t emitted = stats["gen"].counters.emitted;
  const uint64_t processed = stats["slow"].counters.acked;
  EXPECT_GT(processed, 100u);
  EXPECT_LE(emitted, processed + 2048 + 256 + 256 + 50 + 100);
  EXPECT_GT(stats["gen"].blocked_ns, 500'000'000u);
}

TEST(ShellSpout, EmitsAndGetsItsAcksAndFailsBack) {
  TempDir dir;
  const std::string log = dir.file("spout.log");
  const Topology t = parseOrDie(header("at-least-once", ", ack_timeout_ms: 5000") + R"(
  - {id: spout, type: shell-spout, params: {command: [python3, counting_spout.py], fields: [key, n], env: {COUNT: "500", BATCH: "10", SPOUT_LOG: ")" +
                                log + R"("}}}
  - {id: flaky, type: shell-bolt, params: {command: [python3, fail_some_bolt.py], env: {FAIL_PERCENT: "10"}}}
  - {id: sink, type: counter}
streams:
  - {from: spout, to: flaky}
  - {from: flaky, to: sink}
)");
  auto rt = makeRuntime(t, optionsFor());
  rt->start();
  // A spout never ends by itself: wait until every tuple was acked.
  ASSERT_TRUE(
      eventually([&] { return totalStats(rt->snapshot())["spout"].counters.acked >= 500; }));
  rt->stop(std::chrono::seconds(5));
  auto stats = totalStats(rt->snapshot());
  rt.reset();  // the program hears deactivate and what is queued for it, then goes
  EXPECT_EQ(stats["spout"].counters.acked, 500u);
  EXPECT_GT(stats["spout"].counters.failed, 10u);
  EXPECT_EQ(stats["spout"].counters.replayed, 0u);  // the program sends failed ids again itself
  std::set<std::string> acked;
  int fails = 0;
  bool activated = false, deactivated = false;
  for (const auto& l : linesOf(log)) {
    if (l.rfind("ack ", 0) == 0) acked.insert(l.substr(4));
    if (l.rfind("fail ", 0) == 0) ++fails;
    activated |= l == "activate";
    deactivated |= l == "deactivate";
  }
  EXPECT_EQ(acked.size(), 500u);
  EXPECT_EQ(static_cast<uint64_t>(fails), stats["spout"].counters.failed);
  EXPECT_TRUE(activated);
  EXPECT_TRUE(deactivated);
}

TEST(ShellComponents, FieldsGroupingOnADeclaredFieldKeepsEachValueOnOneTask) {
  // counting_spout emits ["k<i>", i]; grouping on `n` (field 1) sends equal n together.
  const Topology t = parseOrDie(header("at-most-once") + R"(
  - {id: spout, type: shell-spout, params: {command: [python3, counting_spout.py], fields: [key, n], env: {COUNT: "300", BATCH: "50", NEED_TASK_IDS: "0"}}}
  - {id: sink, type: counter, parallelism: 3}
streams:
  - {from: spout, to: sink, grouping: {type: fields, fields: [n]}}
)");
  auto rt = makeRuntime(t, optionsFor());
  rt->start();
  ASSERT_TRUE(
      eventually([&] { return totalStats(rt->snapshot())["sink"].counters.received >= 300; }));
  rt->stop(std::chrono::seconds(1));
  int busy = 0;
  for (const auto& i : rt->snapshot().instances) {
    if (i.component == "sink" && i.counters.received > 0) ++busy;
  }
  EXPECT_EQ(busy, 3);  // 300 distinct values spread over every task
}

// Storm's storm-starter programs with Storm's own adapters (storm.py,
// storm.js), unchanged: a JavaScript spout that emits with ids and replays on
// fail, a Python split bolt and an asynchronous JavaScript one. Both adapters
// ask for task ids after each emit and answer heartbeats.
TEST(ShellComponents, StormsOwnAdaptersAndExamplesRunUnchanged) {
  Recorder recorder;
  const Topology t = parseOrDie(header("at-least-once") + R"(
  - {id: spout, type: shell-spout, params: {command: [node, randomsentence.js], fields: [sentence], resources: storm}}
  - {id: split, type: shell-bolt, parallelism: 2, params: {command: [python3, splitsentence.py], fields: [word], resources: storm, heartbeat_ms: 200}}
  - {id: async, type: shell-bolt, params: {command: [node, asyncSplitsentence.js], fields: [word], resources: storm}}
  - {id: words, type: counter}
  - {id: async-words, type: counter}
streams:
  - {from: spout, to: split}
  - {from: spout, to: async}
  - {from: split, to: words, grouping: {type: fields, fields: [word]}}
  - {from: async, to: async-words}
)");
  auto rt = makeRuntime(t, optionsFor(&recorder));
  rt->start();
  // randomsentence.js emits a sentence every 100 ms; wait for 20 acked trees
  // (and more than a heartbeat interval, so heartbeats were answered).
  ASSERT_TRUE(eventually([&] { return totalStats(rt->snapshot())["spout"].counters.acked >= 20; }));
  rt->stop(std::chrono::seconds(5));
  auto stats = totalStats(rt->snapshot());
  std::vector<RuntimeEvent> events;
  drainEvents(*rt, events);
  rt.reset();
  for (const RuntimeEvent& e : events) EXPECT_NE(e.kind, "process-died") << e.detail;
  for (const char* c : {"spout", "split", "async", "words", "async-words"}) {
    EXPECT_EQ(stats[c].counters.errors, 0u) << c;
  }
  // Every sentence has 5 to 9 words, and both bolts split every acked one.
  const uint64_t acked = stats["spout"].counters.acked;
  EXPECT_GE(stats["words"].counters.received, 5 * acked);
  EXPECT_GE(stats["async-words"].counters.received, 5 * acked);
  EXPECT_EQ(stats["spout"].counters.failed, 0u);
  // The spout's log lines (storm.js's log) reached the run with their task ids.
  EXPECT_TRUE(recorder.contains("sent to task ids - "));
  EXPECT_TRUE(recorder.contains("Received ack for - "));
  EXPECT_EQ(childProcesses(), 0);
}

TEST(ShellComponents, AMissingProgramOrFolderIsAClearErrorAtCreate) {
  const Topology t = parseOrDie(header("at-most-once") + R"(
  - {id: gen, type: generator}
  - {id: nope, type: shell-bolt, params: {command: [no-such-program-xyz, a.py]}}
streams:
  - {from: gen, to: nope}
)");
  std::string error;
  EXPECT_EQ(Runtime::create(t, Catalogue::instance(), optionsFor(), &error), nullptr);
  EXPECT_NE(error.find("component 'nope'"), std::string::npos) << error;
  EXPECT_NE(error.find("no-such-program-xyz: not found"), std::string::npos) << error;
  const Topology u = parseOrDie(header("at-most-once") + R"(
  - {id: gen, type: generator}
  - {id: nope, type: shell-bolt, params: {command: [python3, a.py], resources: missing-folder}}
streams:
  - {from: gen, to: nope}
)");
  EXPECT_EQ(Runtime::create(u, Catalogue::instance(), optionsFor(), &error), nullptr);
  EXPECT_NE(error.find("resources folder"), std::string::npos) << error;
  EXPECT_EQ(childProcesses(), 0);
}

}  // namespace
}  // namespace topolab::testing
