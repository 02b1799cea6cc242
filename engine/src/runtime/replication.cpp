#include "runtime/replication.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "runtime/task.h"
#include "topolab/engine/json.h"
#include "topolab/engine/plan.h"

namespace topolab {
namespace {

using Kind = ReplicationMessage::Kind;

constexpr std::string_view kStoreType = "replicated-store";
// The hub's thread wakes at least this often (heartbeats, timeouts, faults).
constexpr int64_t kTickNs = 1'000'000;

std::string instanceName(const std::string& component, int index) {
  return component + "#" + std::to_string(index);
}

bool isData(Kind k) {
  return k == Kind::Write || k == Kind::SyncBegin || k == Kind::SyncEntry || k == Kind::SyncEnd;
}

}  // namespace

// ------------------------------------------------------------------ Replica

Replica::Replica(ReplicaConfig config, std::function<void()> wake)
    : config_(std::move(config)),
      wake_(std::move(wake)),
      // A follower is declared dead after half of failover_ms without a word,
      // and elections take one more heartbeat, so a promotion lands within it.
      heartbeat_ns_(std::clamp<int64_t>(config_.failover_ns / 8, 2'000'000, 500'000'000)),
      detect_ns_(config_.failover_ns / 2),
      role_(config_.index == 0 ? Role::Primary : Role::Follower) {
  const auto n = static_cast<size_t>(config_.instances);
  acked_.assign(n, 0);
  peer_applied_.assign(n, 0);
  last_heard_.assign(n, 0);
  dead_.assign(n, 0);
}

ReplicationMessage Replica::message(Kind kind, int to) const {
  ReplicationMessage m;
  m.kind = kind;
  m.component = config_.component;
  m.from = config_.index;
  m.to = to;
  m.epoch = epoch_;
  m.leader = primary_;
  return m;
}

bool Replica::write(const Tuple& t, const AckOp& held) {
  const int64_t start = monoNowNs();
  {
    std::lock_guard lock(mu_);
    if (role_ != Role::Primary) {
      if (held.root == 0) return false;
      // The tree fails now rather than at its timeout: the writer replays it
      // to the primary it learns of.
      held_.push_back(Held{0, AckOp{held.root, 0, true}, start});
      return false;
    }
    const uint64_t seq = ++applied_;
    data_[t.key] = Entry{t.value, seq};
    const int64_t wall = wallNowNs();
    for (int j = 0; j < config_.instances; ++j) {
      if (j == config_.index || dead_[j]) continue;
      ReplicationMessage m = message(Kind::Write, j);
      m.seq = seq;
      m.key = t.key;
      m.value = t.value;
      m.ts = wall;
      outbox_.push_back(std::move(m));
    }
    if (config_.mode == ReplicationMode::Async) {
      write_latency_.record(static_cast<uint64_t>(monoNowNs() - start));
    } else {
      held_.push_back(Held{seq, held, start});
    }
  }
  wake_();
  return true;
}

void Replica::receive(ReplicationMessage&& m, int64_t now) {
  std::lock_guard lock(mu_);
  if (role_ == Role::Dead) return;  // a dead instance hears nothing
  if (m.from >= 0 && m.from < config_.instances) last_heard_[m.from] = now;
  if (m.kind == Kind::Write && m.epoch == epoch_) primary_head_ = std::max(primary_head_, m.seq);
  inbox_.push_back(Arrived{std::move(m), now});
}

void Replica::tick(int64_t now, const std::vector<char>& reachable, bool alive, int64_t latency_ns,
                   Messages& out, std::vector<AckOp>& acks, std::vector<std::string>& events) {
  std::lock_guard lock(mu_);
  if (role_ == Role::Dead) {
    if (!alive) return;
    // Revived: it kept its state, like a restarted process with its disk. It
    // resumes the role it had; a newer epoch in the others' heartbeats makes
    // it step down and take a copy from the new primary.
    role_ = primary_ == config_.index ? Role::Primary : Role::Follower;
    std::fill(last_heard_.begin(), last_heard_.end(), now);
    suspect_since_ = 0;
    if (role_ == Role::Follower) {
      syncing_ = true;
      out.push_back(message(Kind::SyncRequest, primary_));
    }
  }
  if (!alive) {
    // A killed instance behaves like a crashed process: it tells nobody, and
    // the writes it held are replayed when their trees time out.
    role_ = Role::Dead;
    inbox_.clear();
    outbox_.clear();
    held_.clear();
    return;
  }
  const int n = config_.instances;
  const int self = config_.index;
  for (int j = 0; j < n; ++j) {
    if (last_heard_[j] == 0) last_heard_[j] = now;  // everyone gets a full period to say hello
  }

  // Control messages act at once; writes and copies keep their order and wait
  // out an injected delay.
  // While the primary is suspected, nothing more of its is applied, so what
  // this instance announced for the election stays true.
  const bool frozen = suspect_since_ != 0;
  size_t kept = 0;
  bool blocked = false;
  for (size_t i = 0; i < inbox_.size(); ++i) {
    Arrived& a = inbox_[i];
    if (isData(a.m.kind)) {
      const bool held_back = frozen && a.m.epoch == epoch_ && a.m.from == primary_;
      if (!blocked && !held_back && a.at + latency_ns <= now) {
        handleData(a.m, out);
      } else {
        blocked = true;
        if (kept != i)
          inbox_[kept] = std::move(a);  // never onto itself: a self-move empties the key
        ++kept;
      }
    } else {
      handleControl(a.m, now, out, acks);
    }
  }
  inbox_.resize(kept);

  for (int j = 0; j < n; ++j) {
    dead_[j] = j != self && (!reachable[j] || now - last_heard_[j] > detect_ns_);
  }
  for (ReplicationMessage& m : outbox_) {
    if (!dead_[m.to]) out.push_back(std::move(m));
  }
  outbox_.clear();

  if (role_ == Role::Primary) {
    commit(now, dead_, acks);
  } else {
    elect(now, dead_, out, events);
    if (!syncing_ && applied_ > acked_sent_) {
      ReplicationMessage m = message(Kind::Ack, primary_);
      m.seq = applied_;
      out.push_back(std::move(m));
      acked_sent_ = applied_;
    }
  }
  // Writes refused while not primary fail now (seq 0 marks them).
  std::erase_if(held_, [&acks](const Held& h) {
    if (h.seq != 0) return false;
    acks.push_back(h.ack);
    return true;
  });

  if (now >= next_heartbeat_) {
    next_heartbeat_ = now + heartbeat_ns_;
    for (int j = 0; j < n; ++j) {
      if (j == self || !reachable[j]) continue;
      ReplicationMessage m = message(Kind::Heartbeat, j);
      m.seq = applied_;
      m.ts = wallNowNs();
      out.push_back(std::move(m));
    }
  }
}

void Replica::handleControl(const ReplicationMessage& m, int64_t now, Messages& out,
                            std::vector<AckOp>& acks) {
  if (m.from < 0 || m.from >= config_.instances) return;
  switch (m.kind) {
    case Kind::Heartbeat:
      peer_applied_[m.from] = m.seq;
      if (m.epoch > epoch_) {
        adopt(m.epoch, m.leader, true, out, acks);  // a promotion passed this instance by
      } else if (m.epoch == epoch_ && m.from == primary_) {
        primary_head_ = std::max(primary_head_, m.seq);
      }
      break;
    case Kind::Promote:
      peer_applied_[m.from] = m.seq;
      // The newest epoch wins; two promotions in one epoch go to the lower index.
      if (m.epoch > epoch_ || (m.epoch == epoch_ && m.from < primary_)) {
        adopt(m.epoch, m.from, false, out, acks);  // its copy follows
      }
      break;
    case Kind::Ack:
      if (role_ == Role::Primary && m.epoch == epoch_) {
        acked_[m.from] = std::max(acked_[m.from], m.seq);
      }
      break;
    case Kind::SyncRequest:
      if (role_ == Role::Primary) sendCopy(m.from, out);
      break;
    default:
      break;
  }
  (void)now;
}

void Replica::adopt(uint64_t epoch, int leader, bool ask_copy, Messages& out,
                    std::vector<AckOp>& acks) {
  epoch_ = epoch;
  if (leader == config_.index) return;
  primary_ = leader;
  primary_head_ = 0;
  suspect_since_ = 0;
  if (role_ == Role::Primary) {
    // Stepping down: what this instance held was never acknowledged; the
    // writers replay it to the new primary.
    for (const Held& h : held_) {
      if (h.ack.root != 0) acks.push_back(AckOp{h.ack.root, 0, true});
    }
    held_.clear();
    outbox_.clear();
  }
  role_ = Role::Follower;
  // Until a full copy from the new primary arrives, this instance's writes
  // may differ from its (a lagging old primary's) and it cannot lead.
  syncing_ = true;
  if (ask_copy) out.push_back(message(Kind::SyncRequest, leader));
}

void Replica::handleData(const ReplicationMessage& m, Messages& out) {
  if (m.epoch != epoch_ || m.from != primary_ || role_ == Role::Primary) return;  // stale
  switch (m.kind) {
    case Kind::SyncBegin:
      data_.clear();
      syncing_ = true;
      break;
    case Kind::SyncEntry:
      if (syncing_) data_[m.key] = Entry{m.value, m.seq};
      break;
    case Kind::SyncEnd:
      if (!syncing_) break;
      syncing_ = false;
      applied_ = m.seq;
      acked_sent_ = 0;
      primary_head_ = std::max(primary_head_, m.seq);
      break;
    case Kind::Write:
      if (syncing_ || m.seq <= applied_) break;  // a copy covers it, or a duplicate
      if (m.seq != applied_ + 1) {
        syncing_ = true;  // a write went missing: start again from a full copy
        out.push_back(message(Kind::SyncRequest, primary_));
        break;
      }
      data_[m.key] = Entry{m.value, m.seq};
      applied_ = m.seq;
      break;
    default:
      break;
  }
}

void Replica::sendCopy(int to, Messages& out) const {
  out.push_back(message(Kind::SyncBegin, to));
  for (const auto& [key, e] : data_) {
    ReplicationMessage m = message(Kind::SyncEntry, to);
    m.key = key;
    m.value = e.value;
    m.seq = e.seq;
    out.push_back(std::move(m));
  }
  ReplicationMessage end = message(Kind::SyncEnd, to);
  end.seq = applied_;
  out.push_back(std::move(end));
}

void Replica::elect(int64_t now, const std::vector<char>& dead, Messages& out,
                    std::vector<std::string>& events) {
  const int self = config_.index;
  if (!dead[primary_]) {
    suspect_since_ = 0;
    return;
  }
  if (suspect_since_ == 0) {
    // Tell the others how far this instance got, then decide one heartbeat
    // later, when their answers are in.
    suspect_since_ = now;
    for (int j = 0; j < config_.instances; ++j) {
      if (j == self || dead[j]) continue;
      ReplicationMessage m = message(Kind::Heartbeat, j);
      m.seq = applied_;
      out.push_back(std::move(m));
    }
    return;
  }
  if (now - suspect_since_ < std::min<int64_t>(heartbeat_ns_, detect_ns_ / 2)) return;
  if (syncing_) return;  // a follower without a complete copy cannot lead
  // The most up-to-date live follower wins; ties go to the lower index.
  int best = self;
  uint64_t best_applied = applied_;
  for (int j = 0; j < config_.instances; ++j) {
    if (j == self || j == primary_ || dead[j]) continue;
    if (peer_applied_[j] > best_applied || (peer_applied_[j] == best_applied && j < best)) {
      best = j;
      best_applied = peer_applied_[j];
    }
  }
  if (best != self) return;
  const int old = primary_;
  const int64_t silent_ms = (now - last_heard_[old]) / 1'000'000;
  const uint64_t old_head = primary_head_;
  epoch_ += 1;
  primary_ = self;
  role_ = Role::Primary;
  suspect_since_ = 0;
  primary_head_ = applied_;
  std::fill(acked_.begin(), acked_.end(), 0);
  ReplicationMessage promote = message(Kind::Promote, -1);
  promote.seq = applied_;
  out.push_back(std::move(promote));
  for (int j = 0; j < config_.instances; ++j) {
    if (j != self && !dead[j]) sendCopy(j, out);
  }
  events.push_back(instanceName(config_.component, self) + " promoted to primary (epoch " +
                   std::to_string(epoch_) + ") " + std::to_string(silent_ms) + " ms after " +
                   instanceName(config_.component, old) + " was last heard; it holds " +
                   std::to_string(applied_) + " writes" +
                   (old_head > applied_
                        ? ", " + std::to_string(old_head - applied_) + " fewer than " +
                              instanceName(config_.component, old) +
                              " was last known to hold (lost with it)"
                        : std::string()));
}

void Replica::commit(int64_t now, const std::vector<char>& dead, std::vector<AckOp>& acks) {
  if (held_.empty()) return;
  // The newest write that the mode's condition holds for.
  uint64_t committed = applied_;
  if (config_.mode == ReplicationMode::Sync) {
    for (int j = 0; j < config_.instances; ++j) {
      if (j != config_.index && !dead[j]) committed = std::min(committed, acked_[j]);
    }
  } else if (config_.mode == ReplicationMode::Quorum) {
    std::vector<uint64_t> have{applied_};
    for (int j = 0; j < config_.instances; ++j) {
      if (j != config_.index && !dead[j]) have.push_back(acked_[j]);
    }
    const size_t majority = static_cast<size_t>(config_.instances) / 2 + 1;
    std::sort(have.begin(), have.end(), std::greater<>());
    committed = have.size() >= majority ? have[majority - 1] : 0;
  }
  size_t done = 0;
  while (done < held_.size() && held_[done].seq != 0 && held_[done].seq <= committed) {
    const Held& h = held_[done++];
    if (h.ack.root != 0) acks.push_back(h.ack);
    write_latency_.record(static_cast<uint64_t>(std::max<int64_t>(0, now - h.since)));
  }
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(done));
}

int Replica::primary() const {
  std::lock_guard lock(mu_);
  return primary_;
}

uint64_t Replica::epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

ReplicaStats Replica::stats() const {
  std::lock_guard lock(mu_);
  ReplicaStats s;
  s.role = role_ == Role::Primary ? "primary" : role_ == Role::Follower ? "follower" : "dead";
  s.epoch = epoch_;
  s.applied = applied_;
  s.keys = data_.size();
  s.write_latency = write_latency_;
  if (role_ == Role::Follower) {
    s.lag_ops = static_cast<int64_t>(primary_head_ > applied_ ? primary_head_ - applied_ : 0);
    if (s.lag_ops > 0) {
      for (const Arrived& a : inbox_) {
        if (a.m.kind == Kind::Write && a.m.seq > applied_) {
          s.lag_ms = std::max<int64_t>(0, (wallNowNs() - a.m.ts) / 1'000'000);
          break;
        }
      }
    }
  }
  return s;
}

void Replica::saveState() const {
  if (config_.state_dir.empty()) return;
  std::vector<std::pair<std::string, Entry>> entries;
  std::string head;
  {
    std::lock_guard lock(mu_);
    entries.assign(data_.begin(), data_.end());
    head = "{\"component\":";
    appendJsonString(head, config_.component);
    head += ",\"index\":" + std::to_string(config_.index) + ",\"role\":\"" +
            (role_ == Role::Primary    ? "primary"
             : role_ == Role::Follower ? "follower"
                                       : "dead") +
            "\",\"epoch\":" + std::to_string(epoch_) + ",\"applied\":" + std::to_string(applied_) +
            ",\"keys\":" + std::to_string(data_.size()) + "}\n";
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  namespace fs = std::filesystem;
  const fs::path dir(config_.state_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path path = dir / (config_.component + "." + std::to_string(config_.index) + ".jsonl");
  const fs::path tmp = fs::path(path).concat(".tmp");
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return;
  std::string out = head;
  for (const auto& [key, e] : entries) {
    out += "{\"key\":";
    appendJsonString(out, key);
    out += ",\"value\":";
    appendJsonNumber(out, e.value);
    out += ",\"seq\":" + std::to_string(e.seq) + "}\n";
  }
  const bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  if (std::fclose(f) == 0 && ok) fs::rename(tmp, path, ec);
}

// ------------------------------------------------------------------- ReplicationHub

namespace {

// Writers of a store send everything to its current primary.
class PrimaryPartitioner final : public Partitioner {
 public:
  explicit PrimaryPartitioner(const std::atomic<int>& primary) : primary_(primary) {}
  int select(const Tuple&) override { return primary_.load(std::memory_order_relaxed); }

 private:
  const std::atomic<int>& primary_;
};

}  // namespace

ReplicationHub::ReplicationHub(const Topology& topology, const Distribution& distribution,
                               std::function<void(const std::vector<AckOp>&)> apply_acks)
    : distribution_(distribution), apply_acks_(std::move(apply_acks)) {
  for (const Component& c : topology.components) {
    if (c.type != kStoreType) continue;
    auto store = std::make_unique<Store>();
    for (int i = 0; i < instanceCount(c); ++i) {
      Instance in;
      if (const PlacedInstance* p = distribution.plan.find(c.id, i)) in.agent = p->agent;
      if (in.agent != distribution.self) {
        auto it = distribution.peers.find(in.agent);
        in.peer = it == distribution.peers.end() ? nullptr : it->second;
      }
      store->instances.push_back(std::move(in));
    }
    stores_[c.id] = std::move(store);
  }
}

ReplicationHub::~ReplicationHub() { stop(); }

Replica* ReplicationHub::attach(ReplicaConfig config) {
  auto it = stores_.find(config.component);
  if (it == stores_.end() || config.index >= static_cast<int>(it->second->instances.size())) {
    return nullptr;
  }
  Instance& in = it->second->instances[config.index];
  in.replica = std::make_unique<Replica>(std::move(config), [this] {
    {
      std::lock_guard lock(mu_);
      wake_ = true;
    }
    cv_.notify_one();
  });
  return in.replica.get();
}

void ReplicationHub::bind(const std::string& component, int index, const Task* task) {
  auto it = stores_.find(component);
  if (it != stores_.end() && index < static_cast<int>(it->second->instances.size())) {
    it->second->instances[index].task = task;
  }
}

PartitionerPtr ReplicationHub::writerPartitioner(const std::string& component) {
  auto it = stores_.find(component);
  if (it == stores_.end()) return nullptr;
  return std::make_unique<PrimaryPartitioner>(it->second->primary);
}

void ReplicationHub::start() {
  if (thread_.joinable() || stores_.empty()) return;
  thread_ = std::thread([this] { loop(); });
}

void ReplicationHub::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReplicationHub::deliver(std::vector<ReplicationMessage> msgs) {
  {
    std::lock_guard lock(mu_);
    for (ReplicationMessage& m : msgs) inbound_.push_back(std::move(m));
    wake_ = true;
  }
  cv_.notify_one();
}

void ReplicationHub::learn(Store& store, const ReplicationMessage& m) {
  if (m.kind != Kind::Promote && m.kind != Kind::Heartbeat) return;
  const uint64_t known = store.epoch.load();
  if (m.epoch > known ||
      (m.kind == Kind::Promote && m.epoch == known && m.from < store.primary.load())) {
    store.epoch.store(m.epoch);
    store.primary.store(m.leader);
  }
}

void ReplicationHub::route(ReplicationMessage&& m, int64_t now,
                           std::map<RemotePeer*, Replica::Messages>& remote, bool& local) {
  auto it = stores_.find(m.component);
  if (it == stores_.end()) return;
  Store& store = *it->second;
  learn(store, m);
  const int n = static_cast<int>(store.instances.size());
  if (m.to < 0) {
    // Everyone: the local replicas, and every other agent of the plan (its
    // writers must learn the new primary even when it holds no replica).
    for (int j = 0; j < n; ++j) {
      Instance& in = store.instances[j];
      if (in.replica && j != m.from) {
        in.replica->receive(ReplicationMessage(m), now);
        local = true;
      }
    }
    if (m.from >= 0 && m.from < n && store.instances[m.from].peer == nullptr) {
      for (const auto& [name, peer] : distribution_.peers) {
        if (peer->reachable()) remote[peer].push_back(m);
      }
    }
    return;
  }
  if (m.to >= n) return;
  Instance& in = store.instances[m.to];
  if (in.replica) {
    in.replica->receive(std::move(m), now);
    local = true;
  } else if (in.peer) {
    remote[in.peer].push_back(std::move(m));
  }
}

void ReplicationHub::loop() {
  std::vector<ReplicationMessage> inbound;
  Replica::Messages out;
  std::vector<AckOp> acks;
  std::vector<std::string> events;
  std::map<RemotePeer*, Replica::Messages> remote;
  std::vector<char> reachable;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::nanoseconds(kTickNs), [this] { return wake_ || stopping_; });
      if (stopping_) return;
      wake_ = false;
      inbound.swap(inbound_);
    }
    const int64_t now = monoNowNs();
    bool local = false;
    for (ReplicationMessage& m : inbound) route(std::move(m), now, remote, local);
    inbound.clear();
    // Replicas here answer each other within one wake-up (a few rounds at most).
    for (int round = 0; round < 4; ++round) {
      local = false;
      for (auto& [id, store] : stores_) {
        reachable.assign(store->instances.size(), 1);
        for (size_t j = 0; j < store->instances.size(); ++j) {
          const Instance& in = store->instances[j];
          if (in.peer) reachable[j] = in.peer->reachable();
        }
        for (Instance& in : store->instances) {
          if (!in.replica) continue;
          const bool alive = in.task == nullptr || in.task->alive();
          const int64_t latency = in.task ? in.task->inputLatencyNs() : 0;
          in.replica->tick(now, reachable, alive, latency, out, acks, events);
        }
      }
      for (ReplicationMessage& m : out) route(std::move(m), now, remote, local);
      out.clear();
      if (!local) break;
    }
    for (auto& [peer, msgs] : remote) {
      if (!msgs.empty()) peer->sendReplication(std::move(msgs));
    }
    remote.clear();
    if (!acks.empty()) {
      apply_acks_(acks);
      acks.clear();
    }
    if (!events.empty()) {
      std::lock_guard lock(mu_);
      for (std::string& e : events) events_.emplace_back("promotion", std::move(e));
      events.clear();
    }
  }
}

void ReplicationHub::describe(InstanceSnapshot& s) const {
  auto it = stores_.find(s.component);
  if (it == stores_.end() || s.index >= static_cast<int>(it->second->instances.size())) return;
  const Instance& in = it->second->instances[s.index];
  if (!in.replica) return;
  s.replica = in.replica->stats();
  if (!s.alive) s.replica->role = "dead";
}

std::vector<std::pair<std::string, std::string>> ReplicationHub::takeEvents() {
  std::lock_guard lock(mu_);
  return std::exchange(events_, {});
}

}  // namespace topolab
