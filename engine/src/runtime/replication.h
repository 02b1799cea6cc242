// Replication between the instances of a replicated-store. One instance is
// the primary: it takes the writes, numbers them and streams them to its
// followers, which apply them in order and acknowledge. Heartbeats find dead
// instances; when the primary is lost, the most up-to-date live follower
// promotes itself and copies its state to the others. The hub runs every
// replica of this runtime on one thread and carries their messages, to
// replicas here directly and to other agents through their RemotePeer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/partitioner.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/remote.h"
#include "topolab/engine/topology.h"

namespace topolab {

class Task;

enum class ReplicationMode { Async, Sync, Quorum };

struct ReplicaConfig {
  std::string component;
  int index = 0;
  int instances = 1;  // the primary and its followers
  ReplicationMode mode = ReplicationMode::Async;
  int64_t failover_ns = 3'000'000'000;
  std::string state_dir;  // where the state is written on stop; empty: nowhere
};

// The state and protocol of one store instance. Its owner's task calls
// write(); the hub's thread calls everything else. Thread-safe.
class Replica {
 public:
  enum class Role { Primary, Follower, Dead };
  using Messages = std::vector<ReplicationMessage>;

  // `wake` asks the hub to run soon (a write is waiting to be sent).
  Replica(ReplicaConfig config, std::function<void()> wake);

  // A write (upsert) from the store's input. The primary applies it and keeps
  // `held` (the input's pending ack) until the mode's condition holds; any
  // other instance refuses it (false): its tree fails and is replayed.
  [[nodiscard]] bool write(const Tuple& t, const AckOp& held);
  // Writes the state as JSON lines to `<state_dir>/<component>.<index>.jsonl`.
  void saveState() const;
  ReplicaStats stats() const;
  const ReplicaConfig& config() const { return config_; }

  // Hub side: a message that arrived now.
  void receive(ReplicationMessage&& m, int64_t now);
  // Hub side: periodic work at `now`. `reachable[j]`: whether instance j's
  // agent (or task) is up as far as this agent can tell; `latency_ns`: an
  // injected delay on writes into this instance. Appends messages to send,
  // acks to apply and events to report.
  void tick(int64_t now, const std::vector<char>& reachable, bool alive, int64_t latency_ns,
            Messages& out, std::vector<AckOp>& acks, std::vector<std::string>& events);
  int primary() const;
  uint64_t epoch() const;

 private:
  struct Entry {
    double value = 0;
    uint64_t seq = 0;
  };
  struct Held {
    uint64_t seq = 0;
    AckOp ack;
    int64_t since = 0;
  };
  struct Arrived {
    ReplicationMessage m;
    int64_t at = 0;
  };

  ReplicationMessage message(ReplicationMessage::Kind kind, int to) const;
  void handleControl(const ReplicationMessage& m, int64_t now, Messages& out,
                     std::vector<AckOp>& acks);
  void handleData(const ReplicationMessage& m, Messages& out);
  void adopt(uint64_t epoch, int leader, bool ask_copy, Messages& out, std::vector<AckOp>& acks);
  void sendCopy(int to, Messages& out) const;
  void elect(int64_t now, const std::vector<char>& dead, Messages& out,
             std::vector<std::string>& events);
  void commit(int64_t now, const std::vector<char>& dead, std::vector<AckOp>& acks);

  const ReplicaConfig config_;
  const std::function<void()> wake_;
  const int64_t heartbeat_ns_;
  const int64_t detect_ns_;
  mutable std::mutex mu_;
  Role role_;
  int primary_ = 0;
  uint64_t epoch_ = 0;
  uint64_t applied_ = 0;  // the primary: its newest write
  std::unordered_map<std::string, Entry> data_;
  std::vector<Held> held_;              // the primary's unacknowledged writes, by seq
  Messages outbox_;                     // the primary's writes, not yet sent
  std::vector<char> dead_;              // per instance, as of the last tick
  std::vector<Arrived> inbox_;          // writes and copies, applied after the fault delay
  std::vector<uint64_t> acked_;         // the primary: per instance, applied up to
  std::vector<uint64_t> peer_applied_;  // per instance, from its heartbeats
  std::vector<int64_t> last_heard_;     // per instance, mono ns (0: not yet ticked)
  uint64_t primary_head_ = 0;           // the newest write the primary is known to hold
  bool syncing_ = false;                // waiting for a full copy from the primary
  uint64_t acked_sent_ = 0;
  int64_t next_heartbeat_ = 0;
  int64_t suspect_since_ = 0;  // when the primary was first missed (0: not)
  Histogram write_latency_;
};

// Every replica of one runtime, the routing of their messages and where the
// writers of each store send: to its current primary.
class ReplicationHub {
 public:
  // `distribution`: the plan and the peers; `apply_acks`: completes trees.
  ReplicationHub(const Topology& topology, const Distribution& distribution,
                 std::function<void(const std::vector<AckOp>&)> apply_acks);
  ~ReplicationHub();

  // A local instance's replica, made by the store operator; owned here.
  Replica* attach(ReplicaConfig config);
  // The task hosting local instance `index` of `component`: its liveness and faults.
  void bind(const std::string& component, int index, const Task* task);
  // Picks the primary of `component` among its instances (writers use it).
  PartitionerPtr writerPartitioner(const std::string& component);

  void start();
  void stop();
  // From other agents.
  void deliver(std::vector<ReplicationMessage> msgs);
  // Adds role and lag to a local store instance's snapshot.
  void describe(InstanceSnapshot& s) const;
  // Events (kind, detail) since the previous call.
  std::vector<std::pair<std::string, std::string>> takeEvents();

 private:
  struct Instance {
    std::string agent;
    RemotePeer* peer = nullptr;        // nullptr: on this agent
    std::unique_ptr<Replica> replica;  // on this agent, once attached
    const Task* task = nullptr;
  };
  struct Store {
    std::vector<Instance> instances;
    std::atomic<int> primary{0};
    std::atomic<uint64_t> epoch{0};
  };

  void loop();
  void route(ReplicationMessage&& m, int64_t now, std::map<RemotePeer*, Replica::Messages>& remote,
             bool& local);
  void learn(Store& store, const ReplicationMessage& m);

  const Distribution& distribution_;
  std::function<void(const std::vector<AckOp>&)> apply_acks_;
  std::map<std::string, std::unique_ptr<Store>, std::less<>> stores_;
  std::mutex mu_;  // the inbound queue, events and the wake-up
  std::condition_variable cv_;
  std::vector<ReplicationMessage> inbound_;
  std::vector<std::pair<std::string, std::string>> events_;
  bool wake_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace topolab
