// The engine's end of Storm's multilang protocol with one program: JSON
// messages each followed by a line "end", over the program's stdin and
// stdout. One I/O thread per program reads and parses what it writes, drains
// its stderr (keeping the last lines), sends heartbeats and watches for
// silence; the task's thread sends tuples and commands without blocking and
// takes the parsed messages in batches. Nothing the program does can block
// the engine: a full stdin pipe is buffered and written when it drains.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connectors/child_process.h"

namespace topolab {

// One message from the program, parsed.
struct MultilangMessage {
  enum class Kind { Emit, Ack, Fail, Sync, Log, Error, Metrics };
  Kind kind = Kind::Sync;
  // emit: the values as the program wrote them (a JSON array, compact text)
  // and the first two, read for the tuple's key and value.
  std::string values;
  std::string key;
  double value = 0;
  std::string stream;  // emit: empty for the default stream
  int64_t task = -1;   // emit: a direct emit's task
  bool need_task_ids = true;
  std::vector<std::string> anchors;  // bolt emit
  // ack, fail (bolt): the tuple id; spout emit: the message id, as JSON text
  // ("\"a1\"", "17"), so ack and fail can send it back exactly; empty: none.
  std::string id;
  std::string text;    // log, error: the message; metrics: the name
  int level = 2;       // log: 0 trace, 1 debug, 2 info, 3 warn, 4 error
  std::string params;  // metrics: the params as JSON text
};

struct MultilangConfig {
  ChildSpec child;
  std::string setup;  // the handshake message (conf, pidDir, context) as JSON text
  bool bolt = true;   // bolts get heartbeats; spouts are timed per command
  int64_t heartbeat_ns = 1'000'000'000;
  int64_t timeout_ns = 10'000'000'000;
  std::function<void()> wake;                                      // new messages, or death
  std::function<void(int level, const std::string&)> stderr_line;  // one line of its stderr
};

class MultilangLink {
 public:
  static constexpr size_t kStderrLines = 20;

  // Starts the program and sends the handshake; nullptr with `error` set
  // when it cannot be started.
  [[nodiscard]] static std::unique_ptr<MultilangLink> start(MultilangConfig config,
                                                            std::string* error);
  ~MultilangLink();  // stops the program (SIGTERM, then SIGKILL after a grace period)

  // Sends one message (JSON text without the "end" line), never blocking.
  void send(std::string_view json);
  // Spouts: a command (next, ack, fail, activate, deactivate). One is with the
  // program at a time; the rest wait for its sync, in order.
  void command(std::string json);
  // Whether no command is with the program or waiting.
  bool commandsIdle() const;
  // Waits until commandsIdle() or the program is dead, at most `timeout`;
  // whether the commands were all answered.
  bool waitCommandsIdle(std::chrono::milliseconds timeout);

  // Moves the messages that arrived since the last call into `out` (cleared first).
  void take(std::vector<MultilangMessage>& out);

  // Once the program is gone (it exited, broke the protocol or went silent):
  // why, with the tail of its stderr; empty while it runs.
  bool dead() const { return dead_.load(std::memory_order_acquire); }
  std::string deathReason() const;
  pid_t pid() const { return reported_pid_.load(std::memory_order_relaxed); }

 private:
  explicit MultilangLink(MultilangConfig config, ChildProcess child);
  void run();
  bool readStdout();
  void readStderr();
  void handleMessage(std::string_view text);
  bool flushLocked();  // writes what is buffered; false on a broken pipe
  void fail(std::string reason);
  void wakeIo();
  std::string stderrTail() const;

  MultilangConfig config_;
  ChildProcess child_;
  int event_fd_ = -1;
  std::thread io_;
  std::atomic<bool> stopping_{false};

  // Outgoing bytes the pipe did not take yet, and the spout's command queue.
  mutable std::mutex out_mu_;
  std::condition_variable
      commands_idle_;  // notified with out_mu_ when the queue empties, and at death
  std::string out_buf_;
  std::deque<std::string> commands_;
  bool command_out_ = false;
  int64_t command_sent_ns_ = 0;

  // Parsed messages for the task.
  std::mutex in_mu_;
  std::vector<MultilangMessage> inbox_;

  // I/O thread only.
  std::string stdout_buf_;
  size_t message_start_ = 0;  // where the message being read begins in stdout_buf_
  size_t scan_from_ = 0;      // where to look for the next line end
  std::string stderr_buf_;
  bool handshake_done_ = false;
  int64_t last_heard_ns_ = 0;
  int64_t next_heartbeat_ns_ = 0;
  uint64_t heartbeat_seq_ = 0;

  mutable std::mutex tail_mu_;
  std::deque<std::string> stderr_tail_;
  std::string death_;
  std::atomic<bool> dead_{false};
  std::atomic<pid_t> reported_pid_{0};
};

}  // namespace topolab
