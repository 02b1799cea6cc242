#include "peer_link.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "topolab/engine/tuple.h"
#include "topolab/wire/convert.h"

namespace topolab::agent {
namespace {

// How long closing waits for what is pending to be written.
constexpr auto kCloseFlushWait = std::chrono::milliseconds(200);
// Pending tuples that make a full frame: it goes without waiting out the spacing.
constexpr int64_t kFullFrameTuples = 8192;
// Frames a link may start back to back after a quiet spell (see FramePacer).
constexpr int kFrameBurst = 3;

}  // namespace

// One attempt at the stream. Lives until gRPC calls OnDone; a hold keeps
// OnDone back until the link has stopped using it.
class PeerLink::Stream final : public grpc::ClientBidiReactor<v1::Frame, v1::Credit> {
 public:
  explicit Stream(PeerLink& link) : link_(link) {
    link_.stub_->async()->Exchange(&ctx_, this);
    AddHold();
    StartRead(&credit_);
    v1::Frame& hello = first_;
    hello.set_deployment(link_.config_.deployment);
    hello.set_plan_id(link_.config_.plan_id);
    hello.set_from_agent(link_.config_.self);
    StartWrite(&first_);
    StartCall();
  }

  // With link_.mu_ held, no write in flight and this the live stream: takes
  // what is pending as the next frame, and a hold so that the stream outlives
  // send() even if it ends meanwhile.
  void take(v1::Frame& pending) {
    writing_.Clear();
    writing_.Swap(&pending);
    write_in_flight_ = true;
    AddHold();
  }
  // Without the lock: a gRPC write runs the transport's write inline, which
  // must not hold up tasks adding to the next frame.
  void send() {
    StartWrite(&writing_);
    RemoveHold();
  }
  void cancel() { ctx_.TryCancel(); }

  void OnWriteDone(bool ok) override {
    bool closing;
    {
      std::lock_guard lock(link_.mu_);
      write_in_flight_ = false;
      closing = link_.closing_now_;
    }
    // Only close() waits for a write to end: waking anyone on every frame
    // would cost a thread switch per frame.
    if (closing) link_.close_cv_.notify_all();
    if (ok) link_.maybeStartWrite();
  }

  void OnReadDone(bool ok) override {
    if (ok) {
      link_.onCredit(credit_);
      StartRead(&credit_);
      return;
    }
    // The stream has ended: stop using it and let gRPC finish it.
    std::vector<std::function<void()>> wake;
    {
      std::lock_guard lock(link_.mu_);
      if (link_.stream_ == this) link_.stream_ = nullptr;
      link_.connected_ = false;
      for (auto& [target, fns] : link_.waiting_) {
        for (auto& f : fns) wake.push_back(std::move(f));
      }
      link_.waiting_.clear();
      for (const auto& [target, credit] : link_.credit_) {
        link_.unconfirmed_[target] += std::max<int64_t>(0, link_.config_.initial_credit - credit);
      }
      link_.credit_.clear();
    }
    link_.close_cv_.notify_all();
    for (auto& f : wake) f();  // blocked tasks look again (the peer may be unreachable now)
    RemoveHold();
  }

  void OnDone(const grpc::Status& status) override {
    link_.onStreamDone(status);
    delete this;
  }

  bool write_in_flight_ = true;  // the first frame

 private:
  PeerLink& link_;
  grpc::ClientContext ctx_;
  v1::Credit credit_;
  v1::Frame first_;
  v1::Frame writing_;
};

PeerLink::PeerLink(PeerLinkConfig config)
    : config_(std::move(config)), pacer_(config_.frame_spacing_ns, kFrameBurst) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetMaxSendMessageSize(64 << 20);
  channel_ = grpc::CreateCustomChannel(config_.address, config_.credentials, args);
  stub_ = v1::DataPlane::NewStub(channel_);
  prober_ =
      std::make_unique<HealthProber>(*stub_, config_.deployment, config_.plan_id, config_.peer);
}

PeerLink::~PeerLink() { close(); }

void PeerLink::start() {
  connector_ = std::thread([this] { connectLoop(); });
  prober_->start();
}

void PeerLink::close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && !connector_.joinable()) return;
    closing_now_ = true;
  }
  // What is pending (acks a peer's producers wait for) goes out first.
  maybeStartWrite();
  {
    std::unique_lock lock(mu_);
    close_cv_.wait_for(lock, kCloseFlushWait, [this] {
      return stream_ == nullptr || !connected_ || (pending_empty_ && !stream_->write_in_flight_);
    });
    closing_ = true;
    if (stream_ != nullptr) stream_->cancel();
  }
  spacing_timer_.detach();
  cv_.notify_all();
  if (connector_.joinable()) connector_.join();
  prober_->stop();
}

void PeerLink::connectLoop() {
  int64_t backoff_ms = 50;
  std::unique_lock lock(mu_);
  while (!closing_) {
    stream_ = new Stream(*this);
    live_streams_ += 1;
    // Wait for this attempt to end (or for close()).
    cv_.wait(lock, [this] { return closing_ || live_streams_ == 0; });
    if (closing_) break;
    if (connected_ever_in_attempt_) backoff_ms = 50;
    connected_ever_in_attempt_ = false;
    cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return closing_; });
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 1000);
  }
  if (stream_ != nullptr) stream_->cancel();
  cv_.wait(lock, [this] { return live_streams_ == 0; });
}

void PeerLink::onStreamDone(const grpc::Status& status) {
  std::vector<std::function<void()>> wake;
  std::string down;  // the event to report, if any
  {
    std::lock_guard lock(mu_);
    if (status.ok()) peer_closed_ = true;
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      if (last_error_ != status.error_message()) {
        spdlog::warn("data plane to {} ({}): {}", config_.peer, config_.address,
                     status.error_message());
      }
      last_error_ = status.error_message();
      ++failures_;
      if (!reported_down_ && !peer_closed_ && !closing_now_ && config_.event) {
        reported_down_ = true;
        down = config_.self + " cannot reach " + config_.peer + " at " + config_.address + ": " +
               status.error_message();
      }
    }
    live_streams_ -= 1;
    // Tasks waiting for credit look again: the peer may now count as unreachable.
    for (auto& [target, fns] : waiting_) {
      for (auto& f : fns) wake.push_back(std::move(f));
    }
    waiting_.clear();
  }
  cv_.notify_all();
  close_cv_.notify_all();
  for (auto& f : wake) f();
  if (!down.empty()) config_.event("peer-link-down", down);
}

void PeerLink::onCredit(const v1::Credit& credit) {
  std::vector<std::function<void()>> wake;
  bool up = false;
  {
    std::lock_guard lock(mu_);
    connected_ = true;
    connected_ever_in_attempt_ = true;
    failures_ = 0;
    up = std::exchange(reported_down_, false);
    auto add = [&](uint32_t target, int64_t tuples) {
      credit_[target] += tuples;
      auto it = waiting_.find(target);
      if (it == waiting_.end()) return;
      for (auto& f : it->second) wake.push_back(std::move(f));
      waiting_.erase(it);
    };
    add(credit.target(), credit.tuples());
    const int more = std::min(credit.more_targets_size(), credit.more_tuples_size());
    for (int i = 0; i < more; ++i) add(credit.more_targets(i), credit.more_tuples(i));
  }
  for (auto& f : wake) f();
  if (up) config_.event("peer-link-up", config_.self + " reaches " + config_.peer + " again");
  maybeStartWrite();
}

void PeerLink::maybeStartWrite() {
  Stream* stream;
  {
    std::lock_guard lock(mu_);
    if (stream_ == nullptr || stream_->write_in_flight_ || pending_empty_ || !connected_) return;
    const int64_t now = monoNowNs();
    const int64_t due = pacer_.readyAt(now);
    if (now < due) {
      if (!closing_now_ && pending_tuples_ < kFullFrameTuples) {
        const auto wait = std::chrono::nanoseconds(due - now);
        spacing_timer_.arm(std::chrono::system_clock::now() + wait, &PeerLink::onSpacingTimer);
        return;
      }
    } else {
      pacer_.started(now);  // a full frame or one at close goes out of turn, uncounted
    }
    stream = stream_;
    stream->take(pending_);
    pending_empty_ = true;
    pending_tuples_ = 0;
  }
  stream->send();
}

void PeerLink::onSpacingTimer() {
  {
    std::lock_guard lock(mu_);
    spacing_timer_.fired();
  }
  maybeStartWrite();
}

bool PeerLink::trySend(uint32_t target, uint32_t source, Batch& batch, const EmitSpan& span,
                       std::function<void()> on_credit) {
  {
    std::lock_guard lock(mu_);
    int64_t& credit = credit_[target];
    if (!connected_ || credit <= 0) {
      waiting_[target].push_back(std::move(on_credit));
      return false;
    }
    // A batch may overdraw the credit once; the next waits for the peer to catch up.
    credit -= static_cast<int64_t>(batch.size());
    v1::TupleBatch* tb = pending_.add_batches();
    tb->set_target(target);
    tb->set_source(source);
    tb->set_first_emit_ns(span.first_ns);
    tb->set_last_emit_ns(span.last_ns);
    wire::appendTuples(batch, tb);
    pending_empty_ = false;
    pending_tuples_ += static_cast<int64_t>(batch.size());
  }
  batch.clear();
  maybeStartWrite();
  return true;
}

void PeerLink::sendEndOfInput(uint32_t target, uint32_t source) {
  {
    std::lock_guard lock(mu_);
    v1::TupleBatch* tb = pending_.add_batches();
    tb->set_target(target);
    tb->set_source(source);
    tb->set_end_of_input(true);
    pending_empty_ = false;
  }
  maybeStartWrite();
}

void PeerLink::sendAcks(std::vector<AckOp> ops) {
  {
    std::lock_guard lock(mu_);
    v1::AckBatch* acks = pending_.mutable_acks();
    for (const AckOp& op : ops) {
      acks->add_roots(op.root);
      acks->add_values(op.value);
      acks->add_fails(op.fail);
    }
    pending_empty_ = false;
    pending_tuples_ += static_cast<int64_t>(ops.size());
  }
  maybeStartWrite();
}

void PeerLink::sendReplication(std::vector<ReplicationMessage> msgs) {
  {
    std::lock_guard lock(mu_);
    for (const ReplicationMessage& m : msgs) wire::toProto(m, pending_.add_replication());
    pending_empty_ = false;
  }
  maybeStartWrite();
}

int64_t PeerLink::inFlight(uint32_t target) const {
  std::lock_guard lock(mu_);
  auto it = credit_.find(target);
  return it == credit_.end() ? 0 : std::max<int64_t>(0, config_.initial_credit - it->second);
}

bool PeerLink::reachable() const {
  std::lock_guard lock(mu_);
  if (partitioned_until_ > monoNowNs()) return false;
  // Optimistic until the first failure, so a deployment can start while peers connect.
  return connected_ || failures_ == 0;
}

void PeerLink::checkHealth(uint32_t target, int64_t period_ns) { prober_->add(target, period_ns); }

bool PeerLink::healthy(uint32_t target) const { return reachable() && prober_->healthy(target); }

int64_t PeerLink::takeUnconfirmed(uint32_t target) {
  std::lock_guard lock(mu_);
  return std::exchange(unconfirmed_[target], 0);
}

void PeerLink::partitionUntil(int64_t until_mono_ns) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mu_);
    partitioned_until_ = until_mono_ns;
    for (auto& [target, fns] : waiting_) {
      for (auto& f : fns) wake.push_back(std::move(f));
    }
    waiting_.clear();
  }
  for (auto& f : wake) f();
}

std::string PeerLink::lastError() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace topolab::agent
