#include "runtime/task.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <utility>

#include "topolab/engine/database_sink_stats.h"
#include "topolab/engine/kafka.h"

namespace topolab {
namespace {

// A task yields after this long so others on the same worker get a turn.
constexpr int64_t kSliceNs = 2'000'000;
// Simulated service time is served in steps of about this: a step's outputs
// leave when it ends (at most this late; earlier only when an output batch
// fills), and a task wakes at most once a step rather than every few tuples.
constexpr int64_t kBusySlackNs = 1'000'000;

}  // namespace

Task::Task(TaskConfig config, Scheduler& scheduler, Acker& acker, std::function<void()> on_finished)
    : config_(std::move(config)),
      scheduler_(scheduler),
      acker_(acker),
      on_finished_(std::move(on_finished)),
      input_(scheduler, this, config_.queue_capacity),
      rng_(config_.seed),
      restarts_(config_.restart) {
  records_e2e_ = config_.op->recordsEndToEnd();
  config_.op->setWaker([this] { scheduler_.wake(this); });
  if (config_.role == Role::Producer && config_.at_least_once) {
    acker_id_ = acker_.addProducer(config_.task_id, config_.max_pending, this);
    pending_.resize(config_.max_pending);
    free_slots_.reserve(config_.max_pending);
    for (uint32_t s = config_.max_pending; s > 0; --s) free_slots_.push_back(s - 1);
  }
}

Task::~Task() = default;

void Task::addStream(const Grouping& grouping, const std::vector<Destination>& targets,
                     PartitionerPtr partitioner, std::string stream_id,
                     const std::vector<std::string>& declared_fields) {
  Stream s;
  s.id = std::move(stream_id);
  std::vector<bool> local;
  for (const Destination& t : targets) {
    auto it = std::find_if(outboxes_.begin(), outboxes_.end(),
                           [&t](const Outbox& o) { return o.target.task_id == t.task_id; });
    if (it == outboxes_.end()) {
      outboxes_.push_back(Outbox{t, {}, 0});
      it = outboxes_.end() - 1;
    }
    s.outboxes.push_back(static_cast<int>(it - outboxes_.begin()));
    local.push_back(t.local != nullptr);
  }
  // A writer's own partitioner (a replicated store's primary) decides alone.
  s.routes_around = !partitioner && (grouping.type == GroupingType::Shuffle ||
                                     grouping.type == GroupingType::LocalOrShuffle);
  routes_around_ = routes_around_ || s.routes_around;
  s.partitioner = partitioner ? std::move(partitioner)
                              : makePartitioner(grouping, static_cast<int>(targets.size()), local,
                                                rng_.next(), declared_fields);
  streams_.push_back(std::move(s));
}

void Task::expectInputFrom(const std::string& component, const std::vector<uint32_t>& task_ids) {
  expected_eos_ += static_cast<int>(task_ids.size());
  size_t slot = 0;
  while (slot < inputs_.size() && inputs_[slot]->from != component) ++slot;
  if (slot == inputs_.size()) {
    inputs_.push_back(std::make_unique<InputStream>());
    inputs_.back()->from = component;
  }
  for (uint32_t id : task_ids) {
    if (id >= input_of_task_.size()) input_of_task_.resize(id + 1, -1);
    input_of_task_[id] = static_cast<int>(slot);
  }
}

void Task::recordStreamLatency(const Envelope& e) {
  if (e.span.first_ns == 0 || e.source < 0 || !config_.record_latency) return;
  if (static_cast<size_t>(e.source) >= input_of_task_.size()) return;
  const int slot = input_of_task_[static_cast<size_t>(e.source)];
  if (slot < 0 || e.batch.empty()) return;
  // The first tuple waited longest, the last least; the ones between were
  // emitted in between. Up to 4 points across that range, each for its share.
  const int64_t now = wallNowNs();
  const auto newest = static_cast<uint64_t>(std::max<int64_t>(0, now - e.span.last_ns));
  const auto oldest = static_cast<uint64_t>(std::max<int64_t>(0, now - e.span.first_ns));
  const uint64_t n = e.batch.size();
  const uint64_t points = std::min<uint64_t>(n, 4);
  AtomicHistogram& h = inputs_[static_cast<size_t>(slot)]->latency;
  for (uint64_t k = 0; k < points; ++k) {
    const uint64_t v =
        points == 1 ? oldest : newest + (std::max(oldest, newest) - newest) * k / (points - 1);
    h.record(v, n / points + (k < n % points ? 1 : 0));
  }
}

void Task::wired() {
  const size_t n = outboxes_.size();
  if (!config_.balance_policy.empty() && n > 0) {
    balancer_ = makeBalancer(config_.balance_policy, static_cast<int>(n), rng_.next());
    // A member can hold its input queue and, across agents, a credit window of
    // the same size unprocessed: the trees to fail when it is taken out.
    const size_t trees =
        config_.at_least_once ? 2 * (config_.queue_capacity + config_.batch_size) : 0;
    members_ = std::make_unique<MemberHealth>(n, config_.health_check_ns, trees);
    for (const Outbox& o : outboxes_) {
      if (o.target.peer) o.target.peer->checkHealth(o.target.task_id, config_.health_check_ns);
    }
  }
  alive_.assign(n, 1);
  if (routes_around_) {
    // What a target can hold unprocessed: its input queue and a credit window.
    const size_t trees =
        config_.at_least_once ? 2 * (config_.queue_capacity + config_.batch_size) : 0;
    for (const Stream& s : streams_) {
      if (!s.routes_around) continue;
      for (int o : s.outboxes) {
        const Destination& d = outboxes_[o].target;
        if (!d.peer) continue;
        d.peer->checkHealth(d.task_id, config_.health_check_ns);
        if (trees == 0) continue;
        if (remote_trees_.empty()) remote_trees_.resize(n);
        if (!remote_trees_[o].enabled()) remote_trees_[o] = TreeRing(trees);
      }
    }
  }
  member_sent_ = std::make_unique<std::atomic<uint64_t>[]>(n);
  size_t routes = 0;
  for (const auto& s : streams_) routes += s.outboxes.size();
  route_buf_.resize(std::max<size_t>(routes, 1));
  edge_buf_.resize(route_buf_.size());
  for (auto& o : outboxes_) o.batch.reserve(config_.batch_size);
}

void Task::requestStop() {
  stop_requested_.store(true, std::memory_order_relaxed);
  scheduler_.wake(this);
}

void Task::kill() {
  killed_.store(true, std::memory_order_relaxed);
  died_.store(true, std::memory_order_release);  // supervise() decides, on the task's thread
  scheduler_.wake(this);
}

bool Task::revive() {
  if (finished_.load(std::memory_order_acquire)) return false;
  killed_.store(false, std::memory_order_relaxed);
  scheduler_.wake(this);
  return true;
}

void Task::run() {
  if (finished_.load(std::memory_order_relaxed)) return;
  now_ = monoNowNs();
  if (killed_.load(std::memory_order_relaxed)) {
    supervise();
    runKilled();
    if (restart_due_ns_ != 0 && !finished_.load(std::memory_order_relaxed)) restartWhenDue();
  } else if (flush(false)) {
    if (config_.role == Role::Producer) {
      runProducer(now_);
    } else if (busy_until_ > now_ + kBusySlackNs) {
      scheduler_.wakeAt(this, busy_until_);
    } else {
      runConsumer(now_);
    }
  }
  publishCounters();
}

// ---------------------------------------------------------------- producers

void Task::runProducer(int64_t now) {
  refreshRotation();
  if (config_.at_least_once) {
    handleCompletions(now);
    expirePending(now);
    if (!flush(false)) return;
  }
  if (stop_requested_.load(std::memory_order_relaxed) && !producer_done_) {
    producer_done_ = true;
    config_.op->onProducerDone();
  }
  const int64_t slice_end = now + kSliceNs;
  while (!producer_done_) {
    size_t budget = config_.batch_size;
    if (config_.at_least_once) budget = std::min(budget, free_slots_.size());
    if (budget == 0) break;  // max_pending trees in flight: wait for completions
    const ProduceResult r = config_.op->produce(*this, budget, now);
    if (!flush(false)) return;
    if (r.state == ProduceResult::State::Done) {
      producer_done_ = true;
      config_.op->onProducerDone();
    } else if (r.state == ProduceResult::State::SleepUntil) {
      if (flush(true)) scheduler_.wakeAt(this, r.wake_mono_ns);
      return;
    } else {
      now = now_ = monoNowNs();
      if (now >= slice_end) {
        scheduler_.wake(this);
        return;
      }
    }
  }
  if (!flush(true)) return;
  const bool all_complete =
      !config_.at_least_once || free_slots_.size() == static_cast<size_t>(config_.max_pending);
  if (producer_done_ && all_complete) {
    finish();
  } else if (config_.at_least_once) {
    // Pending trees time out even when nothing else wakes this task.
    scheduler_.wakeAt(this, next_expiry_scan_);
  }
}

void Task::handleCompletions(int64_t now) {
  acker_.takeCompletions(acker_id_, completions_);
  for (const Completion& c : completions_) {
    Pending& p = pending_[c.slot];
    if (p.root == 0) continue;
    config_.op->onComplete(p.token, c.ok);
    if (c.ok) {
      ++local_.acked;
      p = Pending{};
      free_slots_.push_back(c.slot);
    } else {
      ++local_.failed;
      failPending(c.slot, now);
    }
  }
  completions_.clear();
}

void Task::expirePending(int64_t now) {
  if (now < next_expiry_scan_) return;
  next_expiry_scan_ = now + std::max<int64_t>(config_.ack_timeout_ns / 10, 10'000'000);
  for (uint32_t s = 0; s < pending_.size(); ++s) {
    Pending& p = pending_[s];
    if (p.root != 0 && p.deadline <= now && acker_.abandon(acker_id_, s, p.root)) {
      ++local_.failed;
      config_.op->onComplete(p.token, false);
      failPending(s, now);
    }
  }
}

void Task::failPending(uint32_t slot, int64_t now) {
  if (!config_.op->replaysItself()) {
    replay(slot, now);
    return;
  }
  pending_[slot] = Pending{};  // the operator sends it again if it wants to
  free_slots_.push_back(slot);
}

void Task::replay(uint32_t slot, int64_t now) {
  Pending& p = pending_[slot];
  Tuple t = p.tuple;
  const int n = routeTo(t, p.stream, p.direct_task, route_buf_.data());
  if (n <= 0) {  // nowhere to go now (e.g. no healthy member): try again at the next timeout
    p.root = acker_.begin(acker_id_, slot, rng_.nonZero());
    p.deadline = now + config_.ack_timeout_ns;
    return;
  }
  uint64_t x = 0;
  for (int i = 0; i < n; ++i) x ^= edge_buf_[i] = rng_.nonZero();
  p.root = acker_.begin(acker_id_, slot, x);
  p.deadline = now + config_.ack_timeout_ns;
  ++local_.replayed;
  sendCopies(std::move(t), n, p.root);
}

// ------------------------------------------------------------ bolts, sinks

void Task::runConsumer(int64_t now) {
  const int64_t slice_end = now + kSliceNs;
  refreshRotation();
  cur_root_ = 0;
  config_.op->poll(*this, now);
  if (killed_.load(std::memory_order_relaxed)) return;  // the operator's program is gone
  if (full_outboxes_ > 0 && !flush(false)) return;
  for (;;) {
    if (pos_ >= current_.batch.size()) {
      current_.batch.clear();
      pos_ = 0;
      fireTimer(now);
      if (!input_.pop(current_)) break;
      if (current_.end_of_input) {
        ++eos_seen_;
        current_.end_of_input = false;
        continue;
      }
      local_.received += current_.batch.size();
      current_timed_ = false;
    }
    if (const int64_t delay = fault_latency_ns_.load(std::memory_order_relaxed); delay > 0) {
      // An injected latency: the batch waits until it is `delay` old.
      const int64_t due = current_.arrived_ns + delay;
      if (due > now) {
        scheduler_.wakeAt(this, due);
        return;
      }
    }
    if (!current_timed_) {  // taken now (after an injected latency too)
      recordStreamLatency(current_);
      current_timed_ = true;
    }
    processBatch(now);
    if (blocked_) return;  // the full queue downstream wakes this task
    if (pos_ < current_.batch.size() && !config_.op->accepting()) {
      // The operator wakes this task when it takes input again.
      if (flush(true)) {
        if (const int64_t next = config_.op->nextTimerMonoNs(); next != 0) {
          scheduler_.wakeAt(this, next);
        }
      }
      return;
    }
    if (busy_until_ > now + kBusySlackNs) {
      scheduler_.wakeAt(this, busy_until_);  // outputs leave when the service time has passed
      return;
    }
    now = now_ = monoNowNs();
    if (now >= slice_end) {
      scheduler_.wake(this);
      return;
    }
  }
  // The input is empty.
  if (blocked_) return;
  if (busy_until_ > now) {
    scheduler_.wakeAt(this, busy_until_);  // the step's outputs leave when its service is over
    return;
  }
  if (eos_seen_ >= expected_eos_ && config_.op->idle()) {
    finish();
    return;
  }
  if (!flush(true)) return;
  const int64_t next = config_.op->nextTimerMonoNs();
  if (next != 0) scheduler_.wakeAt(this, next);
}

void Task::fireTimer(int64_t now) {
  const int64_t timer = config_.op->nextTimerMonoNs();
  if (timer == 0 || timer > now) return;
  cur_root_ = 0;
  config_.op->onTimer(*this, now);
  flush(false);
}

void Task::processBatch(int64_t now) {
  Batch& b = current_.batch;
  const bool latency = config_.record_latency;
  const int64_t t0 = latency ? monoNowNs() : 0;
  const int64_t wall = records_e2e_ && latency ? wallNowNs() : 0;
  const size_t start = pos_;
  size_t timed = 0;  // tuples whose latency was recorded as simulated service time
  int64_t run_ts = 0;
  uint64_t run_len = 0;
  if (balancer_) {
    std::vector<int64_t>& outstanding = members_->outstanding();
    for (size_t i = 0; i < outboxes_.size(); ++i) {
      const Destination& d = outboxes_[i].target;
      outstanding[i] = (d.local ? d.local->input().depth() : d.peer->inFlight(d.task_id)) +
                       static_cast<int64_t>(outboxes_[i].batch.size());
    }
    refreshHealth(now);
  }
  const double fail_ratio = fault_fail_ratio_.load(std::memory_order_relaxed);
  char injected[64] = "";
  if (fail_ratio > 0) {
    std::snprintf(injected, sizeof injected, "failed by an injected fault (--fail ratio %g)",
                  fail_ratio);
  }
  while (pos_ < b.size()) {
    if (!config_.op->accepting()) break;
    Tuple& t = b[pos_++];
    cur_root_ = config_.at_least_once ? t.root : 0;
    ack_value_ = t.edge;
    input_failed_ = false;
    input_held_ = false;
    if (wall != 0) {
      // Tuples made together share an origin time: record each run once.
      if (t.ts != run_ts && run_len > 0) {
        e2e_.record(static_cast<uint64_t>(std::max<int64_t>(0, wall - run_ts)), run_len);
        run_len = 0;
      }
      run_ts = t.ts;
      ++run_len;
    }
    ProcessResult r;
    if (fail_ratio > 0 && rng_.unit() < fail_ratio) {
      r.ok = false;  // an injected failure: the tuple is rejected before the operator sees it
      r.error = injected;
    } else {
      r = config_.op->process(t, *this, now);
    }
    if (r.busy_ns > 0) {
      busy_until_ = std::max(busy_until_, now) + r.busy_ns;
      if (latency) latency_.record(static_cast<uint64_t>(r.busy_ns));
      ++timed;
    } else if (r.latency_later) {
      ++timed;
    }
    if (!r.ok) countErrors(1, r.error.empty() ? "rejected the tuple" : r.error, t.key);
    if (!r.ok || input_failed_) {
      ++local_.failed;
      if (cur_root_ != 0 && !input_held_) ack_ops_.push_back({cur_root_, 0, true});
    } else {
      ++local_.acked;
      if (cur_root_ != 0 && !input_held_) ack_ops_.push_back({cur_root_, ack_value_, false});
    }
    cur_root_ = 0;
    if (full_outboxes_ > 0 && !flush(false)) break;
    if (busy_until_ > now + kBusySlackNs) break;
  }
  if (run_len > 0) e2e_.record(static_cast<uint64_t>(std::max<int64_t>(0, wall - run_ts)), run_len);
  if (!ack_ops_.empty()) {
    acker_.apply(ack_ops_);
    ack_ops_.clear();
  }
  const size_t n = pos_ - start;
  if (latency && n > timed && n > 0) {
    // Per-tuple cost measured per batch: two clock reads per batch, not per tuple.
    const int64_t per = (monoNowNs() - t0) / static_cast<int64_t>(n);
    latency_.record(static_cast<uint64_t>(std::max<int64_t>(per, 0)), n - timed);
  }
}

// A local member is checked here every period by reading its instance. A
// remote member is checked every period by its peer link (a probe, see
// RemotePeer::healthy), whose verdict counts as soon as it is known: reading
// it only every period too would let a loss wait for two periods.
void Task::refreshHealth(int64_t now) {
  const bool due = members_->due(now);
  for (size_t i = 0; i < outboxes_.size(); ++i) {
    const Destination& d = outboxes_[i].target;
    if (d.local && !due) continue;
    const bool passed = d.local ? d.local->alive() : d.peer->healthy(d.task_id);
    if (members_->record(i, passed) == MemberHealth::Change::Down) takeOut(i);
  }
}

// A member that failed its check: what this task still holds for it goes to
// the members left, and at-least-once trees handed to it fail now, so their
// producers replay them at once instead of after ack_timeout_ms.
void Task::takeOut(size_t member) {
  Outbox& o = outboxes_[member];
  if (o.batch.size() >= config_.batch_size) --full_outboxes_;
  Batch held;
  held.swap(o.batch);
  o.batch.reserve(config_.batch_size);
  o.sent -= std::min<uint64_t>(o.sent, held.size());
  std::vector<AckOp> fails;
  for (Tuple& t : held) {
    const int m = balancer_->select(t, members_->inRotation(), members_->outstanding());
    if (m < 0) {  // no member left: lost here, as an unroutable tuple would be
      countErrors(1, "no healthy member left to take a tuple held for " + o.target.name, t.key);
      ++local_.dropped;
      if (t.root != 0) fails.push_back({t.root, 0, true});
      continue;
    }
    Outbox& to = outboxes_[m];
    if (to.batch.empty() || o.first_emit_ns < to.first_emit_ns) to.first_emit_ns = o.first_emit_ns;
    ++members_->outstanding()[m];
    ++to.sent;
    to.batch.push_back(std::move(t));
    if (to.batch.size() == config_.batch_size) ++full_outboxes_;
  }
  // At-most-once: tuples on the wire to a member whose link broke are lost as
  // far as anyone can tell; count them (at-least-once replays their trees).
  if (o.target.peer && !config_.at_least_once) {
    if (const int64_t n = o.target.peer->takeUnconfirmed(o.target.task_id); n > 0) {
      countErrors(static_cast<uint64_t>(n),
                  std::to_string(n) + " tuples on the wire to " + o.target.name +
                      " were lost when its link broke",
                  {});
    }
  }
  members_->takeTrees(member, trees_buf_);
  for (uint64_t root : trees_buf_) fails.push_back({root, 0, true});
  if (!fails.empty()) acker_.apply(fails);
}

void Task::refreshRotation() {
  if (!routes_around_) return;
  for (size_t i = 0; i < outboxes_.size(); ++i) {
    const Destination& d = outboxes_[i].target;
    alive_[i] = d.local ? d.local->alive() : d.peer->healthy(d.task_id);
    // A dead instance on a reachable agent fails its own trees (runKilled);
    // nobody is left to do it for an agent out of reach. Its probe may fail
    // before its stream is known to be down, so this is checked while it is
    // out of rotation, not only when it leaves.
    if (!alive_[i] && d.peer && !d.peer->reachable()) failTreesOnLostLink(i);
  }
}

void Task::failTreesOnLostLink(size_t i) {
  if (remote_trees_.empty() || !remote_trees_[i].enabled()) return;
  trees_buf_.clear();
  remote_trees_[i].take(trees_buf_);
  if (trees_buf_.empty()) return;
  std::vector<AckOp> fails;
  fails.reserve(trees_buf_.size());
  for (uint64_t root : trees_buf_) fails.push_back({root, 0, true});
  acker_.apply(fails);
}

bool Task::anotherAlive(size_t outbox) const {
  for (const Stream& s : streams_) {
    if (std::find(s.outboxes.begin(), s.outboxes.end(), static_cast<int>(outbox)) ==
        s.outboxes.end()) {
      continue;
    }
    for (int o : s.outboxes) {
      if (static_cast<size_t>(o) != outbox && alive_[o]) return true;
    }
  }
  return false;
}

int Task::aroundDead(const Stream& s, int k) const {
  if (!s.routes_around || alive_[s.outboxes[k]]) return k;
  const int n = static_cast<int>(s.outboxes.size());
  for (int step = 1; step < n; ++step) {
    const int j = (k + step) % n;
    if (alive_[s.outboxes[j]]) return j;
  }
  return k;  // none alive: the tuple goes where it would have (and is lost there)
}

// ------------------------------------------------------------------ output

int Task::route(const Tuple& t, int* out) {
  if (balancer_) {
    const int m = balancer_->select(t, members_->inRotation(), members_->outstanding());
    if (m < 0) return -1;
    ++members_->outstanding()[m];
    out[0] = m;
    return 1;
  }
  int n = 0;
  for (auto& s : streams_) {
    if (!s.id.empty()) continue;  // a named stream takes only what is emitted on it
    const int k = s.partitioner->select(t);
    if (k == Partitioner::kAll) {
      for (int o : s.outboxes) out[n++] = o;
    } else {
      out[n++] = s.outboxes[aroundDead(s, k)];
    }
  }
  return n;
}

int Task::routeTo(const Tuple& t, std::string_view stream, int64_t direct_task, int* out) {
  if (stream.empty() && direct_task < 0) return route(t, out);
  int n = 0;
  for (auto& s : streams_) {
    if (s.id != stream) continue;
    if (direct_task >= 0) {
      for (int o : s.outboxes) {
        if (outboxes_[o].target.task_id == static_cast<uint64_t>(direct_task)) {
          out[0] = o;
          return 1;
        }
      }
      continue;
    }
    const int k = s.partitioner->select(t);
    if (k == Partitioner::kAll) {
      for (int o : s.outboxes) out[n++] = o;
    } else {
      out[n++] = s.outboxes[aroundDead(s, k)];
    }
  }
  return direct_task >= 0 ? -2 : n;
}

bool Task::emitTo(Tuple&& t, const EmitTarget& target, uint64_t token) {
  const int n = routeTo(t, target.stream, target.direct_task, route_buf_.data());
  if (target.task_ids) {
    target.task_ids->clear();
    for (int i = 0; i < n; ++i) target.task_ids->push_back(outboxes_[route_buf_[i]].target.task_id);
  }
  if (n == -2) return false;
  sendRouted(std::move(t), n, token, target.anchor, &target);
  return true;
}

void Task::emit(Tuple&& t, uint64_t token) {
  sendRouted(std::move(t), route(t, route_buf_.data()), token, nullptr, nullptr);
}

void Task::sendRouted(Tuple&& t, int n, uint64_t token, AckOp* anchor, const EmitTarget* target) {
  if (n < 0) {
    // A load-balancer with no healthy member: an error, never a silent drop.
    countErrors(1, "no healthy member to send the tuple to", t.key);
    if (anchor && anchor->root != 0) {
      anchor->fail = true;  // the operator fails the held input when it completes it
    } else if (!anchor && cur_root_ != 0) {
      input_failed_ = true;
    } else {
      ++local_.dropped;
    }
    return;
  }
  const bool producer = config_.role == Role::Producer;
  if (n == 0) {  // no stream leaves this component: the tuple is complete here
    if (producer) {
      ++local_.acked;
      config_.op->onComplete(token, true);
    }
    return;
  }
  uint64_t root = 0;
  const bool anchored = anchor ? anchor->root != 0 : cur_root_ != 0;
  if (producer ? config_.at_least_once : anchored) {
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) x ^= edge_buf_[i] = rng_.nonZero();
    if (producer) {
      const uint32_t slot = free_slots_.back();
      free_slots_.pop_back();
      root = acker_.begin(acker_id_, slot, x);
      pending_[slot] = Pending{t, token, root, now_ + config_.ack_timeout_ns};
      if (target) {  // a replay takes the same way
        pending_[slot].stream = std::string(target->stream);
        pending_[slot].direct_task = target->direct_task;
      }
    } else if (anchor) {
      root = anchor->root;
      anchor->value ^= x;
    } else {
      root = cur_root_;
      ack_value_ ^= x;
    }
  }
  sendCopies(std::move(t), n, root);
}

AckOp Task::holdInput() {
  input_held_ = true;
  return AckOp{cur_root_, ack_value_, false};
}

void Task::sendCopies(Tuple&& t, int n, uint64_t root) {
  for (int i = 0; i < n; ++i) {
    Outbox& o = outboxes_[route_buf_[i]];
    if (o.batch.empty()) o.first_emit_ns = now_;
    if (i + 1 < n) {
      o.batch.push_back(t);
    } else {
      o.batch.push_back(std::move(t));
    }
    Tuple& copy = o.batch.back();
    copy.root = root;
    copy.edge = root != 0 ? edge_buf_[i] : 0;
    ++o.sent;
    if (o.batch.size() == config_.batch_size) ++full_outboxes_;
  }
  local_.emitted += static_cast<uint64_t>(n);
}

bool Task::flush(bool all) {
  if (full_outboxes_ == 0 && !all && !blocked_) return true;
  for (auto& o : outboxes_) {
    const size_t n = o.batch.size();
    if (n == 0 || (n < config_.batch_size && !all)) continue;
    if (!push(o)) {
      if (!blocked_) {
        blocked_ = true;
        blocked_since_ = monoNowNs();
      }
      return false;
    }
    if (n >= config_.batch_size) --full_outboxes_;
    o.batch.reserve(config_.batch_size);
  }
  if (blocked_) {
    blocked_ns_local_ += static_cast<uint64_t>(monoNowNs() - blocked_since_);
    blocked_ = false;
  }
  return true;
}

bool Task::push(Outbox& o) {
  const Destination& d = o.target;
  // A load-balancer remembers the trees it hands each member (see takeOut).
  if (members_) members_->handing(o.batch);
  const size_t i = static_cast<size_t>(&o - outboxes_.data());
  TreeRing* ring =
      remote_trees_.empty() || !remote_trees_[i].enabled() ? nullptr : &remote_trees_[i];
  // When the batch's tuples were emitted, on the wall clock the receiver reads.
  EmitSpan span;
  if (config_.record_latency && !o.batch.empty()) {
    span.last_ns = wallNowNs();
    span.first_ns = span.last_ns - std::max<int64_t>(0, monoNowNs() - o.first_emit_ns);
  }
  bool pushed;
  if (d.local) {
    pushed = d.local->input().tryPush(o.batch, this, config_.task_id, span);
  } else if (!d.peer->reachable()) {
    // The agent is gone: the tuples are lost with it, counted here (as errors
    // too in at-most-once); at-least-once trees are replayed, at once when
    // the stream routes around the lost instance (see failTreesOnLostLink).
    local_.dropped += o.batch.size();
    lostTuples(o.batch, 0, "the agent of " + d.name + " is unreachable");
    if (ring && anotherAlive(i)) {  // else a replay would only come back here
      ring->addBatch(o.batch);
      failTreesOnLostLink(i);
    }
    o.batch.clear();
    pushed = true;
  } else {
    if (ring) {
      trees_buf_.clear();
      for (const Tuple& t : o.batch) {
        if (t.root != 0) trees_buf_.push_back(t.root);
      }
    }
    pushed = d.peer->trySend(d.task_id, config_.task_id, o.batch, span,
                             [this] { scheduler_.wake(this); });
    if (pushed && ring) {
      for (uint64_t root : trees_buf_) ring->add(root);
    }
  }
  if (pushed && members_) members_->handed(i);
  return pushed;
}

void Task::sendEndOfInput() {
  for (auto& o : outboxes_) {
    if (o.target.local) {
      o.target.local->input().pushEndOfInput();
    } else {
      o.target.peer->sendEndOfInput(o.target.task_id, config_.task_id);
    }
  }
}

void Task::finish() {
  if (!end_of_input_done_) {
    end_of_input_done_ = true;
    cur_root_ = 0;
    if (config_.role != Role::Producer) config_.op->onEndOfInput(*this);
  }
  if (!flush(true)) return;  // the full queue downstream wakes this task to finish
  sendEndOfInput();
  publishCounters();
  finished_.store(true, std::memory_order_release);
  on_finished_();
}

// ------------------------------------------------------------------ faults

void Task::runKilled() {
  // A dead instance behaves like a crashed process: what reaches it vanishes
  // (counted as dropped here, so the loss is visible). It still takes its
  // input, so nothing upstream waits on it forever. In at-most-once, each
  // tuple lost here is also an error: the user's error rate shows what a
  // dead instance cost. In at-least-once, when every stream into it routes
  // around dead instances (`others_take_over`), the runtime that saw it die
  // fails the trees that reach it at once, and their producers replay them
  // to the live instances; otherwise nobody tells the acker and the trees
  // replay after ack_timeout_ms (a fields or global grouping would only send
  // them here again).
  const bool fail_now = config_.at_least_once && config_.others_take_over;
  auto lost = [&](const Batch& batch, size_t from) {
    if (!fail_now) return;
    for (size_t i = from; i < batch.size(); ++i) {
      if (batch[i].root != 0) ack_ops_.push_back({batch[i].root, 0, true});
    }
  };
  const uint64_t unprocessed = current_.batch.size() - pos_;  // received, never processed
  local_.failed += unprocessed;
  lostTuples(current_.batch, pos_, "this instance is dead");
  lost(current_.batch, pos_);
  current_.batch.clear();
  pos_ = 0;
  Envelope e;
  while (input_.pop(e)) {
    if (e.end_of_input) {
      ++eos_seen_;
    } else {
      local_.dropped += e.batch.size();
      lostTuples(e.batch, 0, "this instance is dead");
      lost(e.batch, 0);
    }
  }
  for (auto& o : outboxes_) {
    local_.dropped += o.batch.size();
    lostTuples(o.batch, 0, "this instance is dead");
    lost(o.batch, 0);
    if (o.batch.size() >= config_.batch_size) --full_outboxes_;
    o.batch.clear();
  }
  if (!ack_ops_.empty()) {
    acker_.apply(ack_ops_);
    ack_ops_.clear();
  }
  // A producer that will not come back is done; another instance once its input ended.
  const bool done = config_.role == Role::Producer
                        ? restart_due_ns_ == 0 || stop_requested_.load(std::memory_order_relaxed)
                        : eos_seen_ >= expected_eos_;
  if (done) {
    sendEndOfInput();
    publishCounters();
    finished_.store(true, std::memory_order_release);
    on_finished_();
  }
}

void Task::supervise() {
  if (!died_.exchange(false, std::memory_order_acq_rel)) return;
  std::string why;
  if (!restarts_.onDeath(now_, &restart_due_ns_, &why)) {
    restart_due_ns_ = 0;
    if (config_.event) config_.event("instance-failed", RestartBudget::failed(name(), why));
  }
}

void Task::restartWhenDue() {
  if (now_ < restart_due_ns_) {
    scheduler_.wakeAt(this, restart_due_ns_);
    return;
  }
  // Like a restarted process: its input is empty (runKilled() dropped it) and
  // routing puts it back in rotation at the next refresh.
  restart_due_ns_ = 0;
  killed_.store(false, std::memory_order_relaxed);
  if (config_.event) config_.event("restart", restarts_.restarted(name(), now_));
  scheduler_.wake(this);
}

// ----------------------------------------------------------------- metrics

void Task::publishCounters() {
  published_.received.store(local_.received, std::memory_order_relaxed);
  published_.emitted.store(local_.emitted, std::memory_order_relaxed);
  published_.acked.store(local_.acked, std::memory_order_relaxed);
  published_.failed.store(local_.failed, std::memory_order_relaxed);
  published_.errors.store(local_.errors, std::memory_order_relaxed);
  published_.replayed.store(local_.replayed, std::memory_order_relaxed);
  published_.dropped.store(local_.dropped, std::memory_order_relaxed);
  published_.blocked_ns.store(blocked_ns_local_, std::memory_order_relaxed);
  int64_t outbox = 0;
  for (size_t i = 0; i < outboxes_.size(); ++i) {
    outbox += static_cast<int64_t>(outboxes_[i].batch.size());
    member_sent_[i].store(outboxes_[i].sent, std::memory_order_relaxed);
  }
  published_.outbox.store(outbox, std::memory_order_release);
}

int64_t Task::inFlight() const {
  return input_.depth() + published_.outbox.load(std::memory_order_acquire);
}

void Task::complete(const AckOp& held, bool ok, std::string_view error, std::string_view key) {
  if (ok && held.fail) {
    ok = false;
    error = "an output of it had no healthy member to go to";
  }
  if (!ok) {
    late_failed_.fetch_add(1, std::memory_order_relaxed);
    error_samples_.add(error.empty() ? "failed after processing" : error, key);
  }
  if (held.root != 0) acker_.apply({AckOp{held.root, ok ? held.value : 0, !ok}});
}

void Task::recordLatency(int64_t ns) {
  if (config_.record_latency) latency_.record(static_cast<uint64_t>(std::max<int64_t>(ns, 0)));
}

void Task::reportError(std::string_view message, std::string_view key) {
  countErrors(1, message, key);
}

void Task::countErrors(uint64_t n, std::string_view message, std::string_view key) {
  local_.errors += n;
  error_samples_.add(message, key);
}

void Task::lostTuples(const Batch& batch, size_t from, std::string_view why) {
  if (config_.at_least_once || from >= batch.size()) return;  // at-least-once replays them
  const size_t n = batch.size() - from;
  countErrors(n, std::to_string(n) + (n == 1 ? " tuple" : " tuples") + " lost: " + std::string(why),
              batch[from].key);
}

void Task::die() {
  killed_.store(true, std::memory_order_relaxed);
  scheduler_.wake(this);
}

namespace {

// The Kafka figures of a kafka-source or kafka-sink operator.
std::optional<KafkaStats> kafkaStatsOf(Operator* op) {
  if (auto* src = dynamic_cast<KafkaSourceStats*>(op)) {
    KafkaStats k;
    k.lag = src->lag();
    k.consumed = src->consumed();
    k.client_errors = src->commitErrors() + src->consumerErrors();
    return k;
  }
  if (auto* sink = dynamic_cast<KafkaSinkStats*>(op)) {
    KafkaStats k;
    k.produced = sink->produced();
    k.delivered = sink->delivered();
    k.delivery_errors = sink->deliveryErrors();
    k.produce_latency = sink->produceLatency();
    return k;
  }
  return std::nullopt;
}

}  // namespace

InstanceSnapshot Task::snapshot() {
  InstanceSnapshot s;
  s.component = config_.component;
  s.index = config_.index;
  s.counters.received = published_.received.load(std::memory_order_relaxed);
  s.counters.emitted = published_.emitted.load(std::memory_order_relaxed);
  // A held input counted as acked when it was processed may fail later.
  const uint64_t late_failed = late_failed_.load(std::memory_order_relaxed);
  const uint64_t acked = published_.acked.load(std::memory_order_relaxed);
  s.counters.acked = acked - std::min(acked, late_failed);  // the two are published apart
  s.counters.failed = published_.failed.load(std::memory_order_relaxed) + late_failed;
  s.counters.errors = published_.errors.load(std::memory_order_relaxed) + late_failed;
  s.counters.replayed = published_.replayed.load(std::memory_order_relaxed);
  s.counters.dropped = published_.dropped.load(std::memory_order_relaxed);
  s.blocked_ns = published_.blocked_ns.load(std::memory_order_relaxed);
  s.queue = input_.depth();
  s.outbox = published_.outbox.load(std::memory_order_acquire);
  s.queue_capacity = static_cast<int64_t>(input_.capacity());
  s.latency = latency_.snapshot(true);
  s.e2e = e2e_.snapshot(true);
  for (const auto& in : inputs_) {
    Histogram h = in->latency.snapshot(true);
    if (!h.empty()) s.inputs.push_back({in->from, std::move(h)});
  }
  s.is_sink = config_.role == Role::Sink;
  s.alive = alive();
  s.errors = error_samples_.samples();
  s.kafka = kafkaStatsOf(config_.op.get());
  if (auto* db = dynamic_cast<DatabaseSinkStats*>(config_.op.get()))
    s.database = db->databaseStats();
  if (balancer_) {
    for (size_t i = 0; i < outboxes_.size(); ++i) {
      const Destination& d = outboxes_[i].target;
      s.members.push_back(MemberStats{d.name, member_sent_[i].load(std::memory_order_relaxed),
                                      d.local ? d.local->inFlight() : d.peer->inFlight(d.task_id),
                                      members_->inRotationNow(i)});
    }
  }
  return s;
}

}  // namespace topolab
