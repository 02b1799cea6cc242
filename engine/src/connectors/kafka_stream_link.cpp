#include "connectors/kafka_stream_link.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace topolab {
namespace {

// A tuple in a message: the key is the message key; the value holds a tag,
// the tuple's value, origin time, tree root and edge, then the payload.
// The end of an upstream instance's input is a message with its own tag.
constexpr uint8_t kTupleTag = 1;
constexpr uint8_t kEndOfInputTag = 2;
constexpr char kEndOfInputMessage = static_cast<char>(kEndOfInputTag);
constexpr size_t kHeaderBytes = 1 + 8 + 8 + 8 + 8;
constexpr int kConsumeBatch = 1024;
constexpr int kAdminTimeoutMs = 10'000;
// Back pressure through Kafka: a partition holds at most this much that its
// consumer has not handed on, shared by the links producing into it. The
// embedded brokers keep only the newest 5 MiB (and 100,000 batches) of a
// partition: a consumer further behind would find its offset gone. A link
// sees the log's end only up to its own latest message, so with several
// links the partition may briefly hold up to twice this.
constexpr int64_t kBacklogBytes = 2 << 20;
constexpr int64_t kBacklogMessages = 50'000;
// How often a consumer commits what it handed on, and how often the
// producing side reads those commits.
constexpr auto kCommitEvery = std::chrono::milliseconds(5);
constexpr auto kWatchEvery = std::chrono::milliseconds(5);
constexpr auto kCommitAgainEvery = std::chrono::milliseconds(100);
// A cluster that does not answer holds a stop up by at most this.
constexpr int kCommittedTimeoutMs = 1000;
constexpr int kMeanMessageGuess = 256;  // bytes, before the first message

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <typename T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void encode(const Tuple& t, std::string& out) {
  out.clear();
  out.reserve(kHeaderBytes + t.payload.size());
  out.push_back(static_cast<char>(kTupleTag));
  put(out, t.value);
  put(out, t.ts);
  put(out, t.root);
  put(out, t.edge);
  out.append(t.payload);
}

bool decode(const rd_kafka_message_t* m, Tuple& t) {
  const auto* p = static_cast<const char*>(m->payload);
  if (m->len < kHeaderBytes || static_cast<uint8_t>(p[0]) != kTupleTag) return false;
  t.key.assign(static_cast<const char*>(m->key), m->key_len);
  t.value = get<double>(p + 1);
  t.ts = get<int64_t>(p + 9);
  t.root = get<uint64_t>(p + 17);
  t.edge = get<uint64_t>(p + 25);
  t.payload.assign(p + kHeaderBytes, m->len - kHeaderBytes);
  return true;
}

// Raises `a` to `v` unless it already holds as much.
void raiseTo(std::atomic<int64_t>& a, int64_t v) {
  int64_t seen = a.load(std::memory_order_relaxed);
  while (v > seen && !a.compare_exchange_weak(seen, v)) {
  }
}

bool isEndOfInput(const rd_kafka_message_t* m) {
  return m->len == 1 &&
         static_cast<uint8_t>(static_cast<const char*>(m->payload)[0]) == kEndOfInputTag;
}

// The partitions `topic` has: 0 when it does not exist, -1 with `error` set
// when the cluster does not answer. Lists every topic: asking for one by
// name would make a broker that auto-creates topics create it.
int partitionsOf(rd_kafka_t* rk, const std::string& topic, std::string* error) {
  const rd_kafka_metadata_t* md = nullptr;
  if (auto err = rd_kafka_metadata(rk, 1, nullptr, &md, kAdminTimeoutMs); err) {
    *error = std::string("cannot reach the Kafka cluster: ") + rd_kafka_err2str(err);
    return -1;
  }
  int n = 0;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      n = md->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(md);
  return n;
}

// Creates `topic` through the Admin API; false with `error` set.
bool createTopic(rd_kafka_t* rk, const std::string& topic, int partitions, std::string* error) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  if (nt == nullptr) {
    *error = std::string("bad topic: ") + err;
    return false;
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, kAdminTimeoutMs, err, sizeof err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, options, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, kAdminTimeoutMs + 1000);
  bool ok = false;
  if (ev == nullptr) {
    *error = "the cluster did not create it within 10 s";
  } else if (rd_kafka_event_error(ev)) {
    *error = std::string("cannot create it: ") + rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    const rd_kafka_resp_err_t code =
        n > 0 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
    // Another agent of the stream may have created it meanwhile.
    ok = code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
    if (!ok)
      *error = std::string("cannot create it: ") + rd_kafka_topic_result_error_string(results[0]);
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(nt);
  return ok;
}

bool ensureTopic(rd_kafka_t* rk, const std::string& topic, int partitions, std::string* error) {
  const int have = partitionsOf(rk, topic, error);
  if (have < 0) return false;
  if (have == 0) return createTopic(rk, topic, partitions, error);
  if (have < partitions) {
    *error = "the topic has " + std::to_string(have) + " partitions, and the stream needs " +
             std::to_string(partitions) + " (one per target instance)";
    return false;
  }
  return true;
}

}  // namespace

// The consumer of one local target's partition.
struct KafkaStreamLink::Partition {
  uint32_t target = 0;
  int index = 0;
  kafka::HandlePtr consumer;
  std::thread thread;
  std::mutex mu;
  std::condition_variable room;
  int64_t outstanding = 0;  // delivered, not yet taken from the queue
};

KafkaStreamLink::KafkaStreamLink(KafkaStreamConfig config) : config_(std::move(config)) {
  for (size_t i = 0; i < config_.target_task_ids.size(); ++i) {
    partition_of_[config_.target_task_ids[i]] = static_cast<int>(i);
  }
  const size_t n = config_.target_task_ids.size();
  produced_ = std::make_unique<std::atomic<int64_t>[]>(n);
  settled_ = std::make_unique<std::atomic<int64_t>[]>(n);
  log_end_ = std::make_unique<std::atomic<int64_t>[]>(n);
  committed_ = std::make_unique<std::atomic<int64_t>[]>(n);
}

std::unique_ptr<KafkaStreamLink> KafkaStreamLink::create(KafkaStreamConfig config,
                                                         std::string* error) {
  auto link = std::unique_ptr<KafkaStreamLink>(new KafkaStreamLink(std::move(config)));
  const KafkaStreamConfig& c = link->config_;
  auto fail = [&](const std::string& why) {
    *error = "stream " + c.stream + " (transport kafka, topic " + c.topic + "): " + why;
    return nullptr;
  };
  std::string e;
  // Tuned for both: a batch waits at most 5 ms to fill and holds up to 1 MiB.
  // The embedded brokers answer a fetch with one producer batch per partition,
  // so batches much smaller than 5 ms worth fall behind above ~500 k tuples/s.
  kafka::ConfPtr conf = kafka::makeConf(
      {
          {"bootstrap.servers", c.bootstrap},
          {"client.id", "topolab-stream-" + c.stream},
          {"enable.idempotence", "true"},
          {"acks", "all"},
          {"linger.ms", "5"},
          {"batch.size", "1048576"},
          {"queue.buffering.max.messages",
           std::to_string(std::max<size_t>(c.max_unacknowledged * 2, 100'000))},
          {"log.connection.close", "false"},
      },
      &e);
  if (!conf) return fail(e);
  rd_kafka_conf_set_opaque(conf.get(), link.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaStreamLink::deliveryReport);
  link->producer_ = kafka::makeHandle(RD_KAFKA_PRODUCER, std::move(conf), &e);
  if (!link->producer_) return fail(e);
  if (!ensureTopic(link->producer_.get(), c.topic, static_cast<int>(c.target_task_ids.size()),
                   &e)) {
    return fail(e);
  }
  link->topic_.reset(rd_kafka_topic_new(link->producer_.get(), c.topic.c_str(), nullptr));
  if (!link->topic_) return fail(rd_kafka_err2str(rd_kafka_last_error()));
  // What a partition already holds is its consumers' (they start at its
  // beginning) until they commit past it.
  for (size_t i = 0; i < c.target_task_ids.size(); ++i) {
    int64_t low = 0, high = 0;
    if (auto err =
            rd_kafka_query_watermark_offsets(link->producer_.get(), c.topic.c_str(),
                                             static_cast<int32_t>(i), &low, &high, kAdminTimeoutMs);
        err) {
      return fail("cannot read partition " + std::to_string(i) +
                  "'s offsets: " + rd_kafka_err2str(err));
    }
    link->committed_[i] = low;
    link->log_end_[i] = high;
  }
  kafka::ConfPtr wc = kafka::makeConf(
      {
          {"bootstrap.servers", c.bootstrap},
          {"group.id", c.topic},
          {"client.id", "topolab-stream-" + c.stream + "-backlog"},
          {"enable.auto.commit", "false"},
          {"log.connection.close", "false"},
      },
      &e);
  if (!wc) return fail(e);
  link->watcher_ = kafka::makeHandle(RD_KAFKA_CONSUMER, std::move(wc), &e);
  if (!link->watcher_) return fail(e);

  for (uint32_t target : c.local_targets) {
    auto p = std::make_unique<Partition>();
    p->target = target;
    p->index = link->partitionOf(target);
    if (p->index < 0) return fail("task " + std::to_string(target) + " is not a target");
    kafka::ConfPtr cc = kafka::makeConf(
        {
            {"bootstrap.servers", c.bootstrap},
            {"group.id", c.topic},
            {"client.id", "topolab-stream-" + c.stream + "-" + std::to_string(p->index)},
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"fetch.wait.max.ms", "5"},
            {"fetch.min.bytes", "1"},
            // Should the offset ever be gone, go on from the oldest kept
            // message at once rather than after the default half second.
            {"auto.offset.reset", "earliest"},
            {"fetch.error.backoff.ms", "20"},
            {"log.connection.close", "false"},
        },
        &e);
    if (!cc) return fail(e);
    p->consumer = kafka::makeHandle(RD_KAFKA_CONSUMER, std::move(cc), &e);
    if (!p->consumer) return fail(e);
    // Commit results come with the messages, and are dropped there.
    rd_kafka_poll_set_consumer(p->consumer.get());
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), c.topic.c_str(), p->index)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    if (auto err = rd_kafka_assign(p->consumer.get(), list.get()); err) {
      return fail(std::string("cannot consume partition ") + std::to_string(p->index) + ": " +
                  rd_kafka_err2str(err));
    }
    link->partitions_.push_back(std::move(p));
  }
  // Delivery reports come on this thread.
  KafkaStreamLink* raw = link.get();
  link->poller_ = std::thread([raw] {
    while (!raw->stopping_.load(std::memory_order_relaxed)) rd_kafka_poll(raw->producer_.get(), 50);
  });
  link->watcher_thread_ = std::thread([raw] { raw->watchBacklog(); });
  return link;
}

KafkaStreamLink::~KafkaStreamLink() { stop(0); }

void KafkaStreamLink::start() {
  for (auto& p : partitions_) {
    Partition* raw = p.get();
    p->thread = std::thread([this, raw] { consume(*raw); });
  }
}

void KafkaStreamLink::stop(int flush_ms) {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true, std::memory_order_relaxed);
  for (auto& p : partitions_) {
    { std::lock_guard lock(p->mu); }
    p->room.notify_all();
    if (p->thread.joinable()) p->thread.join();
    rd_kafka_consumer_close(p->consumer.get());
  }
  if (poller_.joinable()) poller_.join();
  {
    std::lock_guard lock(waiters_mu_);  // the watcher sees stopping_ or this notify
  }
  backlog_cv_.notify_all();
  if (watcher_thread_.joinable()) watcher_thread_.join();
  if (producer_) rd_kafka_flush(producer_.get(), flush_ms);
  std::lock_guard lock(waiters_mu_);
  unacknowledged_waiters_.clear();
  backlog_waiters_.clear();
}

int KafkaStreamLink::partitionOf(uint32_t target) const {
  auto it = partition_of_.find(target);
  return it == partition_of_.end() ? -1 : it->second;
}

void KafkaStreamLink::consume(Partition& p) {
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(p.consumer.get());
  std::vector<rd_kafka_message_t*> messages(kConsumeBatch);
  Batch batch;
  // Commits (without waiting) the offset after the last message handed on:
  // the producing side holds back while the partition's backlog is full.
  // A commit the brokers lost is sent again after a while: a producer may
  // be waiting for it with nothing more to send.
  int64_t handed = -1, committed = -1;
  auto next_commit = std::chrono::steady_clock::now();
  auto again_at = next_commit;
  auto commit = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (handed < 0 || now < next_commit || (handed == committed && now < again_at)) return;
    next_commit = now + kCommitEvery;
    again_at = now + kCommitAgainEvery;
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), config_.topic.c_str(), p.index)->offset = handed;
    if (rd_kafka_commit(p.consumer.get(), list.get(), 1) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      committed = handed;
    }
  };
  while (!stopping_.load(std::memory_order_relaxed)) {
    commit();
    {
      // Back pressure: no more than a queue's worth waits at the target.
      std::unique_lock lock(p.mu);
      p.room.wait_for(lock, std::chrono::milliseconds(50), [&] {
        return p.outstanding < static_cast<int64_t>(config_.window) ||
               stopping_.load(std::memory_order_relaxed);
      });
      if (p.outstanding >= static_cast<int64_t>(config_.window)) continue;
    }
    // Wait for one message, then take what else is there without waiting:
    // a batch call waits for a full batch, which at low rates is latency.
    ssize_t n = rd_kafka_consume_batch_queue(queue, 50, messages.data(), 1);
    if (n <= 0) continue;
    const ssize_t more =
        rd_kafka_consume_batch_queue(queue, 0, messages.data() + 1, messages.size() - 1);
    if (more > 0) n += more;
    // Hands what was decoded to the target; it returns credit as it takes them.
    auto deliver = [&] {
      if (batch.empty()) return;
      {
        std::lock_guard lock(p.mu);
        p.outstanding += static_cast<int64_t>(batch.size());
      }
      config_.deliver(p.target, std::move(batch), config_.origin);
      batch = Batch();
    };
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = messages[i];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (isEndOfInput(m)) {
          deliver();  // the tuples before the marker first
          config_.deliver_end_of_input(p.target);
        } else if (Tuple t; decode(m, t)) {
          batch.push_back(std::move(t));
        }
        handed = m->offset + 1;
      }
      rd_kafka_message_destroy(m);
    }
    deliver();
    commit();
  }
  rd_kafka_queue_destroy(queue);
}

void KafkaStreamLink::returnCredit(uint32_t target, size_t tuples) {
  for (auto& p : partitions_) {
    if (p->target != target) continue;
    {
      std::lock_guard lock(p->mu);
      p->outstanding -= static_cast<int64_t>(tuples);
    }
    p->room.notify_one();
    return;
  }
}

bool KafkaStreamLink::trySend(uint32_t target, uint32_t, Batch& batch, const EmitSpan&,
                              std::function<void()> on_credit) {
  const int partition = partitionOf(target);
  if (partition < 0) {
    batch.clear();  // not one of this stream's instances: a wiring bug, not user input
    return true;
  }
  // Waits while the brokers are far behind, or while the partition holds
  // what its consumer has not handed on (nothing waits when nothing is
  // outstanding). Each producing link may add to the partition's backlog only
  // its share of what is left, so together they stay within the limit.
  const auto size = static_cast<int64_t>(batch.size());
  enum class Wait { None, Brokers, Backlog };
  auto must_wait = [&] {
    const int64_t unacknowledged = unacknowledged_.load(std::memory_order_relaxed);
    if (unacknowledged > 0 &&
        unacknowledged + size > static_cast<int64_t>(config_.max_unacknowledged)) {
      return Wait::Brokers;
    }
    const int64_t in_log = inLog(partition);
    const int64_t mine = onTheWay(partition);
    if ((in_log > 0 || mine > 0) &&
        in_log + (mine + size) * std::max(config_.senders, 1) > backlogLimit()) {
      return Wait::Backlog;
    }
    return Wait::None;
  };
  if (must_wait() != Wait::None) {
    std::lock_guard lock(waiters_mu_);
    // Checked again under the lock taken to wake waiters.
    switch (must_wait()) {
      case Wait::Brokers:
        unacknowledged_waiters_.push_back(std::move(on_credit));
        return false;
      case Wait::Backlog:
        backlog_waiters_.push_back(std::move(on_credit));
        backlog_cv_.notify_one();
        return false;
      case Wait::None:
        break;
    }
  }
  std::string value;
  int64_t bytes = 0;
  for (const Tuple& t : batch) {
    encode(t, value);
    bytes += static_cast<int64_t>(value.size() + t.key.size());
    const rd_kafka_resp_err_t err = produce(partition, t.key, value, partition);
    produced_[partition].fetch_add(1, std::memory_order_relaxed);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      unacknowledged_.fetch_add(1, std::memory_order_relaxed);
    } else {
      // Lost before it left: counted like a refused delivery.
      delivery_errors_.fetch_add(1, std::memory_order_relaxed);
      settled_[partition].fetch_add(1, std::memory_order_relaxed);
    }
  }
  produced_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  produced_messages_.fetch_add(size, std::memory_order_relaxed);
  batch.clear();
  return true;
}

int64_t KafkaStreamLink::inLog(int partition) const {
  return std::max<int64_t>(log_end_[partition].load(std::memory_order_relaxed) -
                               committed_[partition].load(std::memory_order_relaxed),
                           0);
}

int64_t KafkaStreamLink::onTheWay(int partition) const {
  return produced_[partition].load(std::memory_order_relaxed) -
         settled_[partition].load(std::memory_order_relaxed);
}

int64_t KafkaStreamLink::backlogLimit() const {
  const int64_t n = produced_messages_.load(std::memory_order_relaxed);
  // Each message costs about 20 bytes more in a record batch.
  const int64_t mean =
      n > 0 ? produced_bytes_.load(std::memory_order_relaxed) / n + 20 : kMeanMessageGuess;
  return std::min(kBacklogBytes / std::max<int64_t>(mean, 1), kBacklogMessages);
}

void KafkaStreamLink::watchBacklog() {
  const int n = static_cast<int>(config_.target_task_ids.size());
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(n));
  for (int i = 0; i < n; ++i) {
    rd_kafka_topic_partition_list_add(list.get(), config_.topic.c_str(), i);
  }
  for (;;) {
    {
      // Asks only while somebody waits.
      std::unique_lock lock(waiters_mu_);
      backlog_cv_.wait(lock, [this] {
        return stopping_.load(std::memory_order_relaxed) || !backlog_waiters_.empty();
      });
    }
    std::this_thread::sleep_for(kWatchEvery);  // time for the consumers to commit
    if (stopping_.load(std::memory_order_relaxed)) return;
    for (int i = 0; i < n; ++i) list->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
    if (rd_kafka_committed(watcher_.get(), list.get(), kCommittedTimeoutMs) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    for (int i = 0; i < n; ++i) {
      const int64_t offset = list->elems[i].offset;
      if (list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0) {
        raiseTo(committed_[i], offset);
      }
    }
    wake(backlog_waiters_);
  }
}

void KafkaStreamLink::wake(std::vector<std::function<void()>>& waiters) {
  std::vector<std::function<void()>> woken;
  {
    std::lock_guard lock(waiters_mu_);
    woken.swap(waiters);
  }
  for (auto& f : woken) f();
}

void KafkaStreamLink::sendEndOfInput(uint32_t target, uint32_t) {
  const int partition = partitionOf(target);
  if (partition < 0) return;
  // Behind every tuple this producer sent to the partition: Kafka keeps the order.
  (void)produce(partition, {}, std::string_view(&kEndOfInputMessage, 1), kNoPartition);
}

rd_kafka_resp_err_t KafkaStreamLink::produce(int partition, std::string_view key,
                                             std::string_view value, int reported_partition) {
  rd_kafka_resp_err_t err;
  while ((err = rd_kafka_producev(
              producer_.get(), RD_KAFKA_V_RKT(topic_.get()), RD_KAFKA_V_PARTITION(partition),
              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
              RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
              RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(reported_partition))),
              RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    // Only when the brokers fall far behind the senders' window.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return err;
}

void KafkaStreamLink::sendAcks(std::vector<AckOp>) {
  // Never called: the acker sends acks to the producer's agent, not to a stream.
}

int64_t KafkaStreamLink::inFlight(uint32_t target) const {
  const int partition = partitionOf(target);
  if (partition < 0) return 0;
  return produced_[partition].load(std::memory_order_relaxed) -
         settled_[partition].load(std::memory_order_relaxed);
}

bool KafkaStreamLink::reachable() const { return true; }

void KafkaStreamLink::deliveryReport(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaStreamLink*>(opaque);
  const auto partition = static_cast<int>(reinterpret_cast<intptr_t>(m->_private));
  if (partition == kNoPartition) return;  // an end-of-input marker
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->delivery_errors_.fetch_add(1, std::memory_order_relaxed);
  }
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset >= 0) {
    raiseTo(self->log_end_[partition], m->offset + 1);
  }
  self->settled_[partition].fetch_add(1, std::memory_order_relaxed);
  const int64_t left = self->unacknowledged_.fetch_sub(1, std::memory_order_relaxed) - 1;
  if (left <= static_cast<int64_t>(self->config_.max_unacknowledged / 2)) {
    self->wake(self->unacknowledged_waiters_);
  }
}

}  // namespace topolab
