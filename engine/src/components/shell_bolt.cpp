// shell-bolt: a program speaking Storm's multilang protocol as a bolt. The
// protocol is asynchronous: tuples go to the program as they come, at most
// max_pending of them unacked (back pressure: the task stops taking input),
// and what the program writes (emits, acks, fails, logs) is handed over in
// poll(). Each input is held until the program acks or fails it, so its
// at-least-once tree completes only then; its processing latency is the time
// from sending it to that ack.
#include <charconv>
#include <stdexcept>
#include <unordered_map>

#include "components/shell_program.h"

namespace topolab {
namespace {

class ShellBolt final : public Operator {
 public:
  ShellBolt(const Params& p, const OperatorContext& ctx)
      : supervisor_(p, ctx, true), max_pending_(static_cast<size_t>(p.getInt("max_pending"))) {
    std::string error;
    if (!supervisor_.start(&error)) throw std::runtime_error(error);
  }

  void setWaker(std::function<void()> wake) override { supervisor_.setWaker(std::move(wake)); }

  bool accepting() const override {
    return !failed_ && !supervisor_.restarting() && held_.size() < max_pending_;
  }
  bool idle() const override { return held_.empty() || failed_; }
  int64_t nextTimerMonoNs() const override { return supervisor_.restartDueNs(); }

  ProcessResult process(Tuple& in, Emitter& out, int64_t now) override {
    MultilangLink* link = supervisor_.link();
    if (link == nullptr) return {.ok = false, .error = "its program is not running"};
    const uint64_t id = ++sequence_;
    held_.emplace(id, Held{out.holdInput(), now, in.ts});
    const int64_t source = out.inputSource();
    message_.clear();
    message_ += R"({"id":")";
    message_ += std::to_string(id);
    message_ += R"(","comp":")";
    message_ += supervisor_.componentOf(source);
    message_ += R"(","stream":")";
    message_ += supervisor_.inputStream(source);
    message_ += R"(","task":)";
    message_ += std::to_string(source >= 0 ? shell::stormTaskId(static_cast<uint32_t>(source)) : 0);
    message_ += R"(,"tuple":)";
    message_ += shell::valuesOf(in);
    message_ += '}';
    link->send(message_);
    return {.ok = true, .latency_later = true};
  }

  void poll(Emitter& out, int64_t now) override {
    if (failed_) return;
    if (supervisor_.restarting()) {
      if (now < supervisor_.restartDueNs()) return;
      std::string error;
      if (!supervisor_.start(&error)) {
        supervisor_.log(4, error);
        died(out, now);
        return;
      }
      supervisor_.restarted(now);
    }
    MultilangLink* link = supervisor_.link();
    if (link == nullptr) return;
    link->take(messages_);
    for (MultilangMessage& m : messages_) handle(m, out, now);
    if (link->dead()) died(out, now);
  }

 private:
  struct Held {
    AckOp op;         // the input's at-least-once update, with its outputs' edges
    int64_t sent_ns;  // monotonic, when it went to the program
    int64_t ts;       // its origin time, carried by what is anchored to it
  };

  Held* find(const std::string& id) {
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
    if (ec != std::errc() || end != id.data() + id.size()) return nullptr;
    auto it = held_.find(n);
    return it == held_.end() ? nullptr : &it->second;
  }

  void handle(MultilangMessage& m, Emitter& out, int64_t now) {
    switch (m.kind) {
      case MultilangMessage::Kind::Emit:
        emit(m, out);
        break;
      case MultilangMessage::Kind::Ack:
      case MultilangMessage::Kind::Fail: {
        const bool ok = m.kind == MultilangMessage::Kind::Ack;
        Held* h = find(m.id);
        if (h == nullptr) {
          out.reportError("the program acked or failed an unknown tuple id " + m.id);
          supervisor_.log(3, (ok ? "ack" : "fail") + std::string(" of unknown tuple id ") + m.id);
          break;
        }
        if (ok) out.recordLatency(now - h->sent_ns);
        out.complete(h->op, ok, "the program failed the tuple");
        held_.erase(std::stoull(m.id));
        break;
      }
      case MultilangMessage::Kind::Log:
      case MultilangMessage::Kind::Error:
      case MultilangMessage::Kind::Metrics:
        supervisor_.report(m, out);
        break;
      case MultilangMessage::Kind::Sync:
        break;  // a heartbeat's answer: the link saw it
    }
  }

  void emit(MultilangMessage& m, Emitter& out) {
    Held* anchor = nullptr;
    for (const std::string& a : m.anchors) {
      if ((anchor = find(a)) != nullptr) break;
    }
    const std::string stream = m.stream;
    const int64_t direct = m.task > 0 ? m.task - 1 : -1;
    const bool need_ids = m.need_task_ids && direct < 0;
    EmitTarget target{stream, direct, anchor ? &anchor->op : nullptr,
                      need_ids ? &task_ids_ : nullptr};
    Tuple t = shell::tupleOf(std::move(m), anchor ? anchor->ts : wallNowNs());
    if (!out.emitTo(std::move(t), target)) {
      out.reportError("the program emitted directly to task " + std::to_string(direct + 1) +
                          ", which is not downstream on stream " +
                          (stream.empty() ? "default" : stream),
                      t.key);
    }
    if (need_ids) sendTaskIds();
  }

  void sendTaskIds() {
    std::string ids = "[";
    for (size_t i = 0; i < task_ids_.size(); ++i) {
      if (i > 0) ids += ',';
      ids += std::to_string(shell::stormTaskId(task_ids_[i]));
    }
    ids += ']';
    supervisor_.link()->send(ids);
  }

  // The program is gone: what it held fails now (its producers replay it),
  // then it is restarted or the instance is dead.
  void died(Emitter& out, int64_t now) {
    for (auto& [id, h] : held_) out.complete(h.op, false, "its program died holding the tuple");
    held_.clear();
    if (!supervisor_.onDeath(now)) {
      failed_ = true;
      out.die();
    }
  }

  shell::Supervisor supervisor_;
  size_t max_pending_;
  uint64_t sequence_ = 0;
  std::unordered_map<uint64_t, Held> held_;
  std::vector<MultilangMessage> messages_;
  std::vector<uint32_t> task_ids_;
  std::string message_;
  bool failed_ = false;
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "shell-bolt",
    .role = Role::Bolt,
    .doc = "your own program as a bolt, speaking Storm's multilang protocol",
    .params = shell::paramSchemas(true),
    .factory = [](const Params& p, const OperatorContext& ctx) -> OperatorPtr {
      return std::make_unique<ShellBolt>(p, ctx);
    },
    .traits = shell::traits(),
}};

}  // namespace
}  // namespace topolab
