// shell-spout: a program speaking Storm's multilang protocol as a spout. The
// protocol is synchronous: one command (next, ack, fail, activate,
// deactivate) is with the program at a time and ends with its sync; the link
// queues the rest. Its emits are handed to the task as at-least-once slots
// allow (max_pending trees in flight), and an emit with an id has its ack or
// fail (also on timeout) sent back; the program decides what to send again
// after a fail, so the task does not replay for it.
#include <stdexcept>
#include <unordered_map>

#include "components/shell_program.h"

namespace topolab {
namespace {

// After a `next` that emitted nothing, wait this long before the next one
// (Storm's default spout wait strategy sleeps 1 ms too).
constexpr int64_t kIdleNs = 1'000'000;
// A spout waiting for its program wakes at least this often.
constexpr int64_t kPollNs = 100'000'000;
// How long a stopping spout waits for its program to answer what is queued.
constexpr std::chrono::milliseconds kDeactivateGrace{2000};

class ShellSpout final : public Operator {
 public:
  ShellSpout(const Params& p, const OperatorContext& ctx)
      : supervisor_(p, ctx, false), at_least_once_(ctx.at_least_once) {
    std::string error;
    if (!supervisor_.start(&error)) throw std::runtime_error(error);
    command("activate");
  }

  // Storm deactivates a spout before it goes (here when the run is asked to
  // stop, so its trees still drain); the acks and fails queued for the
  // program get a moment to be answered before it is stopped.
  ~ShellSpout() override {
    MultilangLink* link = supervisor_.link();
    if (link == nullptr || link->dead() || failed_) return;
    deactivate();
    link->waitCommandsIdle(kDeactivateGrace);
  }

  void onProducerDone() override { deactivate(); }

  void setWaker(std::function<void()> wake) override { supervisor_.setWaker(std::move(wake)); }
  bool replaysItself() const override { return true; }

  ProduceResult produce(Emitter& out, size_t budget, int64_t now) override {
    if (failed_) return {ProduceResult::State::Done, 0};
    if (supervisor_.restarting()) {
      if (now < supervisor_.restartDueNs()) {
        return {ProduceResult::State::SleepUntil, supervisor_.restartDueNs()};
      }
      std::string error;
      if (!supervisor_.start(&error)) {
        supervisor_.log(4, error);
        return died(out, now);
      }
      supervisor_.restarted(now);
      next_out_ = false;
      command("activate");
    }
    MultilangLink* link = supervisor_.link();
    link->take(incoming_);
    for (MultilangMessage& m : incoming_) staged_.push_back(std::move(m));
    while (!staged_.empty()) {
      MultilangMessage& m = staged_.front();
      if (m.kind == MultilangMessage::Kind::Emit) {
        if (budget == 0) break;  // max_pending trees in flight: wait for completions
        emit(m, out);
        --budget;
        ++emitted_since_next_;
      } else {
        handle(m, out, now);
      }
      staged_.pop_front();
    }
    if (link->dead()) return died(out, now);
    if (!staged_.empty()) return {ProduceResult::State::More, 0};
    if (!next_out_ && budget > 0 && now >= idle_until_) {
      command("next");
      next_out_ = true;
      emitted_since_next_ = 0;
    }
    // The link wakes the task as soon as the program writes.
    return {ProduceResult::State::SleepUntil, next_out_ ? now + kPollNs : idle_until_};
  }

  void onComplete(uint64_t token, bool ok) override {
    auto it = ids_.find(token);
    if (it == ids_.end() || supervisor_.link() == nullptr) return;
    supervisor_.link()->command(std::string(R"({"command":")") + (ok ? "ack" : "fail") +
                                R"(","id":)" + it->second + "}");
    ids_.erase(it);
  }

 private:
  void deactivate() {
    if (deactivated_ || supervisor_.link() == nullptr || failed_) return;
    deactivated_ = true;
    command("deactivate");
  }

  void command(const char* name) {
    supervisor_.link()->command(std::string(R"({"command":")") + name + "\"}");
    sent_.push_back(name[0] == 'n');
  }

  void handle(MultilangMessage& m, Emitter& out, int64_t now) {
    switch (m.kind) {
      case MultilangMessage::Kind::Sync:
        // The oldest command is done; a `next` that emitted nothing waits a little.
        if (!sent_.empty()) {
          if (sent_.front()) {
            next_out_ = false;
            if (emitted_since_next_ == 0) idle_until_ = now + kIdleNs;
          }
          sent_.pop_front();
        }
        break;
      case MultilangMessage::Kind::Log:
      case MultilangMessage::Kind::Error:
      case MultilangMessage::Kind::Metrics:
        supervisor_.report(m, out);
        break;
      case MultilangMessage::Kind::Ack:
      case MultilangMessage::Kind::Fail:
        out.reportError("the program sent " +
                        std::string(m.kind == MultilangMessage::Kind::Ack ? "ack" : "fail") +
                        ", which only bolts send");
        break;
      case MultilangMessage::Kind::Emit:
        break;
    }
  }

  void emit(MultilangMessage& m, Emitter& out) {
    uint64_t token = 0;
    if (at_least_once_ && !m.id.empty()) {
      token = ++sequence_;
      ids_.emplace(token, m.id);
    }
    const std::string stream = m.stream;
    const int64_t direct = m.task > 0 ? m.task - 1 : -1;
    const bool need_ids = m.need_task_ids && direct < 0;
    EmitTarget target{stream, direct, nullptr, need_ids ? &task_ids_ : nullptr};
    Tuple t = shell::tupleOf(std::move(m), wallNowNs());
    if (!out.emitTo(std::move(t), target, token)) {
      out.reportError("the program emitted directly to task " + std::to_string(direct + 1) +
                          ", which is not downstream on stream " +
                          (stream.empty() ? "default" : stream),
                      t.key);
    }
    if (need_ids) {
      std::string ids = "[";
      for (size_t i = 0; i < task_ids_.size(); ++i) {
        if (i > 0) ids += ',';
        ids += std::to_string(shell::stormTaskId(task_ids_[i]));
      }
      supervisor_.link()->send(ids + "]");
    }
  }

  ProduceResult died(Emitter& out, int64_t now) {
    staged_.clear();
    sent_.clear();
    next_out_ = false;
    if (supervisor_.onDeath(now)) {
      return {ProduceResult::State::SleepUntil, supervisor_.restartDueNs()};
    }
    failed_ = true;
    out.die();
    return {ProduceResult::State::Done, 0};
  }

  shell::Supervisor supervisor_;
  bool at_least_once_;
  bool failed_ = false;
  bool deactivated_ = false;
  bool next_out_ = false;
  int64_t idle_until_ = 0;
  uint64_t emitted_since_next_ = 0;
  uint64_t sequence_ = 0;
  std::unordered_map<uint64_t, std::string> ids_;  // token → the program's message id
  std::deque<bool> sent_;                          // commands with the program: is it a next?
  std::vector<MultilangMessage> incoming_;
  std::deque<MultilangMessage> staged_;
  std::vector<uint32_t> task_ids_;
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "shell-spout",
    .role = Role::Producer,
    .doc = "your own program as a spout, speaking Storm's multilang protocol",
    .params = shell::paramSchemas(false),
    .factory = [](const Params& p, const OperatorContext& ctx) -> OperatorPtr {
      return std::make_unique<ShellSpout>(p, ctx);
    },
    .traits = shell::traits(),
}};

}  // namespace
}  // namespace topolab
