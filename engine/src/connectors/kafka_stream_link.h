// `transport: kafka`: one stream carried through an internal topic, one
// partition per downstream instance. Upstream tasks send through the link as
// if it were a peer agent (it is a RemotePeer); downstream, it consumes the
// partitions of the instances that run here and delivers into their input
// queues with the same credit accounting as the gRPC data plane. Acks of
// at-least-once trees do not travel through Kafka: they go the way they go
// for any remote tuple, to the producer's agent.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "connectors/kafka_client.h"
#include "topolab/engine/remote.h"

namespace topolab {

struct KafkaStreamConfig {
  std::string bootstrap;
  std::string topic;   // see kafkaStreamTopic() in kafka.h
  std::string stream;  // "from -> to", for messages
  // Downstream instances in index order: partition i is instance i's.
  std::vector<uint32_t> target_task_ids;
  // The downstream instances that run here (task ids), consumed by this link.
  std::vector<uint32_t> local_targets;
  // Tuples delivered to a local instance and not yet taken from its queue,
  // at most: the consumer of that partition waits beyond it.
  size_t window = 16384;
  // Tuples produced and not yet acknowledged by the brokers, at most:
  // senders are told to wait beyond it.
  size_t max_unacknowledged = 200'000;
  // The links that produce into the stream (one per agent running upstream
  // instances): they share the backlog a partition may hold.
  int senders = 1;
  int origin = 0;  // the origin the deliveries carry (for credit returns)
  std::function<void(uint32_t target, Batch&& batch, int origin)> deliver;
  std::function<void(uint32_t target)> deliver_end_of_input;
};

class KafkaStreamLink final : public RemotePeer {
 public:
  // Finds the topic (with at least as many partitions as the stream has
  // targets), creating it through the Admin API when it does not exist (an
  // embedded cluster cannot: its host creates the topics before the run),
  // and makes the clients; nullptr with `error` naming the stream and why.
  [[nodiscard]] static std::unique_ptr<KafkaStreamLink> create(KafkaStreamConfig config,
                                                               std::string* error);
  ~KafkaStreamLink() override;  // stop()

  // Starts consuming the local targets' partitions.
  void start();
  // Ends the consumers and hands the producer's queue to the brokers (up to
  // `flush_ms`). Idempotent.
  void stop(int flush_ms = 5000);
  // A local target took `tuples` of what this link delivered.
  void returnCredit(uint32_t target, size_t tuples);

  // RemotePeer
  bool trySend(uint32_t target, uint32_t source, Batch& batch, const EmitSpan& span,
               std::function<void()> on_credit) override;
  void sendEndOfInput(uint32_t target, uint32_t source) override;
  void sendAcks(std::vector<AckOp> ops) override;
  int64_t inFlight(uint32_t target) const override;
  bool reachable() const override;

  // Messages the brokers refused after the producer's retries (their tuples
  // are lost: at-least-once trees replay them, at-most-once counts them here).
  uint64_t deliveryErrors() const { return delivery_errors_.load(std::memory_order_relaxed); }

  struct Partition;

 private:
  explicit KafkaStreamLink(KafkaStreamConfig config);
  static void deliveryReport(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
  // While senders wait for a partition's backlog to shrink, reads the
  // consumers' committed offsets every few milliseconds and wakes them.
  void watchBacklog();
  // Messages in `partition`'s log its consumer has not yet handed on.
  int64_t inLog(int partition) const;
  // This link's messages for `partition` not yet in the log.
  int64_t onTheWay(int partition) const;
  // The messages a partition may hold that its consumer has not handed on.
  int64_t backlogLimit() const;
  // Asks the senders in `waiters` to try again.
  void wake(std::vector<std::function<void()>>& waiters);
  // Produces to `partition`, waiting while the producer's queue is full. The
  // delivery report names `reported_partition` (kNoPartition: not counted).
  rd_kafka_resp_err_t produce(int partition, std::string_view key, std::string_view value,
                              int reported_partition);
  static constexpr int kNoPartition = -1;
  void consume(Partition& p);
  int partitionOf(uint32_t target) const;

  const KafkaStreamConfig config_;
  std::map<uint32_t, int> partition_of_;  // task id → partition
  kafka::HandlePtr producer_;
  kafka::TopicPtr topic_;
  std::thread poller_;
  kafka::HandlePtr watcher_;  // reads the consumer group's committed offsets
  std::thread watcher_thread_;
  std::vector<std::unique_ptr<Partition>> partitions_;  // the local targets'
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  std::atomic<int64_t> unacknowledged_{0};
  std::unique_ptr<std::atomic<int64_t>[]> produced_;  // per partition
  std::unique_ptr<std::atomic<int64_t>[]>
      settled_;  // per partition: acked by the brokers or failed
  // Per partition: the log end after this link's last delivered message, and
  // the offset its consumer committed (what it handed on).
  std::unique_ptr<std::atomic<int64_t>[]> log_end_;
  std::unique_ptr<std::atomic<int64_t>[]> committed_;
  std::atomic<int64_t> produced_bytes_{0};  // for the mean message size
  std::atomic<int64_t> produced_messages_{0};
  std::atomic<uint64_t> delivery_errors_{0};
  std::mutex waiters_mu_;
  // Senders told to wait: for the brokers (woken by delivery reports), and
  // for a partition's backlog (woken by the watcher).
  std::vector<std::function<void()>> unacknowledged_waiters_;
  std::vector<std::function<void()>> backlog_waiters_;
  std::condition_variable backlog_cv_;  // a backlog waiter came, or stopping
};

}  // namespace topolab
