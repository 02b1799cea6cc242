#include "connectors/multilang_link.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "topolab/engine/tuple.h"

namespace topolab {
namespace {

constexpr size_t kMaxMessageBytes = 64u << 20;
constexpr size_t kMaxStderrLine = 2000;

std::string excerpt(std::string_view text) {
  constexpr size_t kMax = 120;
  std::string out(text.substr(0, kMax));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kMax) out += "...";
  return "'" + out + "'";
}

std::string secondsText(int64_t ns) {
  const int64_t ms = ns / 1'000'000;
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// An id as the program wrote it, as text ("a1" for a string, 17 for a number).
std::string idText(const nlohmann::json& id) {
  return id.is_string() ? id.get<std::string>() : id.dump();
}

}  // namespace

std::unique_ptr<MultilangLink> MultilangLink::start(MultilangConfig config, std::string* error) {
  std::optional<ChildProcess> child = ChildProcess::start(config.child, error);
  if (!child) return nullptr;
  const int flags = ::fcntl(child->stdinFd(), F_GETFL);
  ::fcntl(child->stdinFd(), F_SETFL, flags | O_NONBLOCK);
  std::unique_ptr<MultilangLink> link(new MultilangLink(std::move(config), std::move(*child)));
  link->event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (link->event_fd_ < 0) {
    *error = std::string("eventfd: ") + strerror(errno);
    return nullptr;
  }
  link->last_heard_ns_ = monoNowNs();
  link->send(link->config_.setup);
  MultilangLink* raw = link.get();
  link->io_ = std::thread([raw] { raw->run(); });
  return link;
}

MultilangLink::MultilangLink(MultilangConfig config, ChildProcess child)
    : config_(std::move(config)), child_(std::move(child)) {}

MultilangLink::~MultilangLink() {
  stopping_.store(true, std::memory_order_release);
  wakeIo();
  if (io_.joinable()) io_.join();
  child_.stop(ChildProcess::kGrace);
  if (event_fd_ >= 0) ::close(event_fd_);
}

void MultilangLink::wakeIo() {
  if (event_fd_ < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);
}

void MultilangLink::send(std::string_view json) {
  std::lock_guard lock(out_mu_);
  const bool was_empty = out_buf_.empty();
  out_buf_.append(json);
  out_buf_ += "\nend\n";
  if (was_empty && !dead()) {
    flushLocked();
    if (!out_buf_.empty()) wakeIo();  // the I/O thread writes the rest when the pipe drains
  }
}

void MultilangLink::command(std::string json) {
  std::unique_lock lock(out_mu_);
  if (command_out_) {
    commands_.push_back(std::move(json));
    return;
  }
  command_out_ = true;
  command_sent_ns_ = monoNowNs();
  lock.unlock();
  send(json);
}

bool MultilangLink::commandsIdle() const {
  std::lock_guard lock(out_mu_);
  return !command_out_ && commands_.empty();
}

bool MultilangLink::waitCommandsIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(out_mu_);
  return commands_idle_.wait_for(lock, timeout, [&] {
    return dead() || (!command_out_ && commands_.empty());
  }) && !dead();
}

bool MultilangLink::flushLocked() {
  size_t done = 0;
  while (done < out_buf_.size()) {
    const ssize_t n = ::write(child_.stdinFd(), out_buf_.data() + done, out_buf_.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      out_buf_.clear();  // the program is gone; its stdout's end says why
      return false;
    }
  }
  out_buf_.erase(0, done);
  return true;
}

void MultilangLink::take(std::vector<MultilangMessage>& out) {
  out.clear();
  std::lock_guard lock(in_mu_);
  out.swap(inbox_);
}

std::string MultilangLink::deathReason() const {
  std::lock_guard lock(tail_mu_);
  return death_;
}

std::string MultilangLink::stderrTail() const {
  std::lock_guard lock(tail_mu_);
  std::string out;
  for (const std::string& line : stderr_tail_) out += "\n  " + line;
  return out;
}

void MultilangLink::fail(std::string reason) {
  if (dead()) return;
  // Whatever it wrote to stderr last says most about why.
  readStderr();
  const std::string tail = stderrTail();
  {
    std::lock_guard lock(tail_mu_);
    death_ = std::move(reason);
    if (!tail.empty()) death_ += "; its stderr ended with:" + tail;
  }
  dead_.store(true, std::memory_order_release);
  {
    std::lock_guard lock(out_mu_);  // a waiter between its check and its wait sees it
  }
  commands_idle_.notify_all();
  if (config_.wake) config_.wake();
}

void MultilangLink::run() {
  const int64_t started = monoNowNs();
  bool stdout_open = true, stderr_open = true;
  while (!stopping_.load(std::memory_order_acquire) && !dead()) {
    pollfd fds[4];
    int n = 0;
    const int out_i = stdout_open ? n : -1;
    if (stdout_open) fds[n++] = {child_.stdoutFd(), POLLIN, 0};
    const int err_i = stderr_open ? n : -1;
    if (stderr_open) fds[n++] = {child_.stderrFd(), POLLIN, 0};
    int in_i = -1;
    {
      std::lock_guard lock(out_mu_);
      if (!out_buf_.empty() && child_.stdinFd() >= 0) {
        in_i = n;
        fds[n++] = {child_.stdinFd(), POLLOUT, 0};
      }
    }
    const int ev_i = n;
    fds[n++] = {event_fd_, POLLIN, 0};
    // Heartbeats and silence are checked at least every 100 ms.
    int timeout_ms = 100;
    if (config_.bolt && handshake_done_) {
      const int64_t until = (next_heartbeat_ns_ - monoNowNs()) / 1'000'000;
      timeout_ms = static_cast<int>(std::clamp<int64_t>(until, 0, 100));
    }
    const int rc = ::poll(fds, static_cast<nfds_t>(n), timeout_ms);
    if (rc < 0 && errno != EINTR) {
      fail(std::string("poll: ") + strerror(errno));
      break;
    }
    if (rc > 0 && (fds[ev_i].revents & POLLIN)) {
      uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(event_fd_, &v, sizeof v);
    }
    if (err_i >= 0 && (fds[err_i].revents & (POLLIN | POLLHUP | POLLERR))) {
      readStderr();
      if (fds[err_i].revents & (POLLHUP | POLLERR) && !(fds[err_i].revents & POLLIN)) {
        stderr_open = false;
      }
    }
    if (in_i >= 0 && (fds[in_i].revents & (POLLOUT | POLLERR | POLLHUP))) {
      std::lock_guard lock(out_mu_);
      flushLocked();
    }
    if (out_i >= 0 && (fds[out_i].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!readStdout()) {
        stdout_open = false;
        if (dead()) break;  // it broke the protocol
        // The end of its stdout: it exited, or is about to.
        child_.waitFor(std::chrono::milliseconds(1000));
        fail(child_.exited() ? child_.exitReason() : std::string("closed its stdout"));
        break;
      }
    }
    const int64_t now = monoNowNs();
    if (!handshake_done_) {
      if (now - started > config_.timeout_ns) {
        fail("did not answer the handshake with its pid within " + secondsText(config_.timeout_ns) +
             " (timeout_ms)");
      }
      continue;
    }
    if (config_.bolt) {
      if (now >= next_heartbeat_ns_) {
        // Storm's heartbeat: a tuple on __heartbeat from task -1, answered by sync.
        send(R"({"id":"hb)" + std::to_string(++heartbeat_seq_) +
             R"(","comp":"","stream":"__heartbeat","task":-1,"tuple":[]})");
        next_heartbeat_ns_ = now + config_.heartbeat_ns;
      }
      if (now - last_heard_ns_ > config_.timeout_ns) {
        fail("sent nothing for " + secondsText(now - last_heard_ns_) +
             ", not even a sync for a heartbeat (timeout_ms " +
             std::to_string(config_.timeout_ns / 1'000'000) + ")");
      }
    } else {
      std::lock_guard lock(out_mu_);
      if (command_out_ && now - command_sent_ns_ > config_.timeout_ns &&
          now - last_heard_ns_ > config_.timeout_ns) {
        fail("did not sync within " + secondsText(config_.timeout_ns) +
             " of a command (timeout_ms)");
      }
    }
  }
  if (dead()) child_.stop(std::chrono::milliseconds(200));
}

bool MultilangLink::readStdout() {
  char chunk[65536];
  bool open = true;
  for (;;) {
    const ssize_t n = ::read(child_.stdoutFd(), chunk, sizeof chunk);
    if (n > 0) {
      stdout_buf_.append(chunk, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof chunk) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) open = false;
    break;
  }
  // Split into messages: everything up to a line that is exactly "end".
  size_t pos = scan_from_;
  for (;;) {
    const size_t nl = stdout_buf_.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string_view line(stdout_buf_.data() + pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "end") {
      const size_t text_end = pos > message_start_ ? pos - 1 : message_start_;
      handleMessage(
          std::string_view(stdout_buf_).substr(message_start_, text_end - message_start_));
      if (dead()) return false;
      message_start_ = nl + 1;
    }
    pos = nl + 1;
  }
  stdout_buf_.erase(0, message_start_);
  scan_from_ = pos - message_start_;
  message_start_ = 0;
  if (stdout_buf_.size() > kMaxMessageBytes) {
    fail("wrote a message of more than " + std::to_string(kMaxMessageBytes >> 20) +
         " MiB without an 'end' line");
    return false;
  }
  return open;
}

void MultilangLink::handleMessage(std::string_view text) {
  last_heard_ns_ = monoNowNs();
  nlohmann::json m = nlohmann::json::parse(text, nullptr, false);
  if (m.is_discarded() || !m.is_object()) {
    fail("wrote what is not the multilang protocol (a JSON object, then a line 'end'): " +
         excerpt(text));
    return;
  }
  if (!handshake_done_) {
    auto pid = m.find("pid");
    if (pid == m.end() || !pid->is_number_integer()) {
      fail("answered the handshake with " + excerpt(text) + " instead of {\"pid\": N}");
      return;
    }
    reported_pid_.store(pid->get<pid_t>(), std::memory_order_relaxed);
    handshake_done_ = true;
    next_heartbeat_ns_ = last_heard_ns_ + config_.heartbeat_ns;
    return;
  }
  auto command = m.find("command");
  if (command == m.end() || !command->is_string()) {
    fail("wrote a message without a \"command\": " + excerpt(text));
    return;
  }
  const std::string& name = command->get_ref<const std::string&>();
  MultilangMessage msg;
  if (name == "emit") {
    msg.kind = MultilangMessage::Kind::Emit;
    auto tuple = m.find("tuple");
    if (tuple == m.end() || !tuple->is_array()) {
      fail("emitted without a \"tuple\" list: " + excerpt(text));
      return;
    }
    msg.values = tuple->dump();
    if (!tuple->empty()) {
      const nlohmann::json& first = (*tuple)[0];
      msg.key = first.is_string() ? first.get<std::string>() : first.is_null() ? "" : first.dump();
    }
    if (tuple->size() > 1 && (*tuple)[1].is_number()) msg.value = (*tuple)[1].get<double>();
    if (auto s = m.find("stream"); s != m.end() && s->is_string()) {
      msg.stream = s->get<std::string>();
      if (msg.stream == "default") msg.stream.clear();
    }
    if (auto t = m.find("task"); t != m.end() && t->is_number_integer()) {
      msg.task = t->get<int64_t>();
    }
    if (auto need = m.find("need_task_ids"); need != m.end() && need->is_boolean()) {
      msg.need_task_ids = need->get<bool>();
    }
    if (auto anchors = m.find("anchors"); anchors != m.end()) {
      if (anchors->is_array()) {
        for (const auto& a : *anchors) msg.anchors.push_back(idText(a));
      } else if (!anchors->is_null()) {
        msg.anchors.push_back(idText(*anchors));
      }
    }
    if (auto id = m.find("id"); id != m.end() && !id->is_null()) msg.id = id->dump();
  } else if (name == "ack" || name == "fail") {
    msg.kind = name == "ack" ? MultilangMessage::Kind::Ack : MultilangMessage::Kind::Fail;
    auto id = m.find("id");
    if (id == m.end() || id->is_null()) {
      fail("sent " + name + " without an \"id\": " + excerpt(text));
      return;
    }
    msg.id = idText(*id);
  } else if (name == "sync") {
    msg.kind = MultilangMessage::Kind::Sync;
    if (!config_.bolt) {
      // The spout's command is done: the next one goes out now.
      std::lock_guard lock(out_mu_);
      command_out_ = false;
      if (!commands_.empty()) {
        std::string next = std::move(commands_.front());
        commands_.pop_front();
        command_out_ = true;
        command_sent_ns_ = last_heard_ns_;
        const bool was_empty = out_buf_.empty();
        out_buf_ += next;
        out_buf_ += "\nend\n";
        if (was_empty) flushLocked();
      } else {
        commands_idle_.notify_all();
      }
    }
  } else if (name == "log") {
    msg.kind = MultilangMessage::Kind::Log;
    if (auto t = m.find("msg"); t != m.end())
      msg.text = t->is_string() ? t->get<std::string>() : t->dump();
    if (auto l = m.find("level"); l != m.end() && l->is_number_integer()) {
      msg.level = std::clamp(l->get<int>(), 0, 4);
    }
  } else if (name == "error") {
    msg.kind = MultilangMessage::Kind::Error;
    if (auto t = m.find("msg"); t != m.end())
      msg.text = t->is_string() ? t->get<std::string>() : t->dump();
  } else if (name == "metrics") {
    msg.kind = MultilangMessage::Kind::Metrics;
    if (auto t = m.find("name"); t != m.end() && t->is_string()) msg.text = t->get<std::string>();
    if (auto p = m.find("params"); p != m.end()) msg.params = p->dump();
  } else {
    fail("sent an unknown command " + excerpt(name));
    return;
  }
  bool was_empty;
  {
    std::lock_guard lock(in_mu_);
    was_empty = inbox_.empty();
    inbox_.push_back(std::move(msg));
  }
  // The task takes the whole inbox when it runs: one wake-up per batch.
  if (was_empty && config_.wake) config_.wake();
}

void MultilangLink::readStderr() {
  if (child_.stderrFd() < 0) return;
  char chunk[16384];
  for (;;) {
    pollfd p{child_.stderrFd(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) return;
    const ssize_t n = ::read(child_.stderrFd(), chunk, sizeof chunk);
    if (n <= 0) return;
    stderr_buf_.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (;;) {
      const size_t nl = stderr_buf_.find('\n', start);
      if (nl == std::string::npos) break;
      std::string line = stderr_buf_.substr(start, std::min(nl - start, kMaxStderrLine));
      start = nl + 1;
      if (config_.stderr_line) config_.stderr_line(2, line);
      std::lock_guard lock(tail_mu_);
      stderr_tail_.push_back(std::move(line));
      if (stderr_tail_.size() > kStderrLines) stderr_tail_.pop_front();
    }
    stderr_buf_.erase(0, start);
    if (stderr_buf_.size() > kMaxStderrLine) stderr_buf_.resize(kMaxStderrLine);  // a runaway line
  }
}

}  // namespace topolab
