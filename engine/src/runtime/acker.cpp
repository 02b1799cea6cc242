#include "runtime/acker.h"

#include <cassert>

namespace topolab {

void Acker::setTasks(uint32_t tasks, std::function<RemotePeer*(uint32_t)> remote_of) {
  tables_.resize(tasks);
  remote_of_ = std::move(remote_of);
}

int Acker::addProducer(uint32_t task_id, uint32_t slots, Runnable* producer) {
  assert(slots > 0 && slots <= kMaxSlots);
  assert(task_id < tables_.size() && task_id < (1u << 16));
  auto t = std::make_unique<Table>();
  t->slots = std::make_unique<Slot[]>(slots);
  t->generation = std::make_unique<uint32_t[]>(slots);
  t->size = slots;
  t->producer = producer;
  tables_[task_id] = std::move(t);
  return static_cast<int>(task_id);
}

uint64_t Acker::begin(int producer, uint32_t slot, uint64_t edge) {
  Table& t = *tables_[producer];
  std::lock_guard lock(t.stripes[slot % kStripes]);
  const uint32_t gen = t.generation[slot] = (t.generation[slot] + 1) & ((1u << kGenBits) - 1);
  const uint64_t root = (static_cast<uint64_t>(producer) << (kSlotBits + kGenBits)) |
                        (static_cast<uint64_t>(slot) << kGenBits) | gen;
  t.slots[slot] = Slot{root, edge};
  return root;
}

bool Acker::abandon(int producer, uint32_t slot, uint64_t root) {
  Table& t = *tables_[producer];
  std::lock_guard lock(t.stripes[slot % kStripes]);
  if (t.slots[slot].root != root) return false;
  t.slots[slot].root = 0;
  return true;
}

void Acker::apply(const std::vector<AckOp>& ops) {
  // Completions are gathered per producer and handed over once per call.
  thread_local std::vector<std::vector<Completion>> done;
  thread_local std::map<RemotePeer*, std::vector<AckOp>> forward;
  if (done.size() < tables_.size()) done.resize(tables_.size());
  for (const AckOp& op : ops) {
    const int p = producerOf(op.root);
    const uint32_t s = slotOf(op.root);
    if (p >= static_cast<int>(tables_.size())) continue;
    if (!tables_[p]) {
      if (RemotePeer* peer = remote_of_ ? remote_of_(static_cast<uint32_t>(p)) : nullptr) {
        forward[peer].push_back(op);
      }
      continue;
    }
    Table& t = *tables_[p];
    if (s >= t.size) continue;
    std::lock_guard lock(t.stripes[s % kStripes]);
    Slot& slot = t.slots[s];
    if (slot.root != op.root) continue;  // an older attempt, already settled
    if (op.fail) {
      slot.root = 0;
      done[p].push_back({s, false});
      continue;
    }
    slot.value ^= op.value;
    if (slot.value == 0) {
      slot.root = 0;
      done[p].push_back({s, true});
    }
  }
  for (auto& [peer, forwarded] : forward) {
    if (!forwarded.empty()) peer->sendAcks(std::move(forwarded));
  }
  forward.clear();
  for (size_t p = 0; p < tables_.size(); ++p) {
    if (done[p].empty()) continue;
    Table& t = *tables_[p];
    {
      std::lock_guard lock(t.inbox_mu);
      t.inbox.insert(t.inbox.end(), done[p].begin(), done[p].end());
    }
    done[p].clear();
    scheduler_.wake(t.producer);
  }
}

void Acker::takeCompletions(int producer, std::vector<Completion>& out) {
  Table& t = *tables_[producer];
  std::lock_guard lock(t.inbox_mu);
  out.swap(t.inbox);
  t.inbox.clear();
}

}  // namespace topolab
