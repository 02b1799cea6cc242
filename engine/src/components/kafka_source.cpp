// kafka-source: consumes a topic. Each instance is one consumer in the
// component's group, so the group protocol spreads the topic's partitions
// over the instances (and over agents). In at-least-once runs an offset is
// committed only when every message before it in its partition has been
// fully processed, so after a crash the group replays from the last
// complete offset; in at-most-once runs the offset of each message is
// committed once it has been emitted.
//
// The brokers refuse commits while the group rebalances. A source never
// forgets an offset it has completed until the brokers have taken it: the
// offset is sent again, and a partition that comes back after a rebalance
// resumes there rather than at the last offset the brokers hold. A source
// told to stop at the end finishes only once its last offsets are taken.
#include <librdkafka/rdkafka.h>

#include <locale.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <stdexcept>

#include "connectors/kafka_client.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/operator.h"

namespace topolab {

double kafkaValueOf(std::string_view v) {
  // The rule: a message's value becomes the tuple's `value` only when the
  // WHOLE value is one number as strtod reads it — nothing before it (not
  // even a space), no trailing garbage ("42ms" is not 42), finite. Anything
  // else gives 0, so a text payload never turns into a misleading number.
  // strtod_l with the "C" locale: a GUI that set a locale with a decimal
  // comma must not change what "1.5" means.
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
  if (v.empty() || std::isspace(static_cast<unsigned char>(v.front()))) return 0;
  char small[64];
  std::string big;
  const char* s = small;
  if (v.size() < sizeof small) {
    std::memcpy(small, v.data(), v.size());
    small[v.size()] = '\0';
  } else {
    big.assign(v);
    s = big.c_str();
  }
  char* end = nullptr;
  const double d = strtod_l(s, &end, c_locale);
  if (end != s + v.size() || !std::isfinite(d)) return 0;
  return d;
}

namespace {

// An idle source looks for messages again this soon: the task must not
// block its worker, and a millisecond is well under the latencies measured.
constexpr int64_t kIdlePollNs = 1'000'000;
constexpr int64_t kLagRefreshNs = 250'000'000;
// The runtime never has more trees in flight per producer instance than its
// largest max_pending; more open messages than this prove an at-most-once run.
constexpr size_t kMaxTrackedOpen = 1'000'000;
constexpr int64_t kUnknownModeGraceNs = 2'000'000'000;
// A source at the end waits this long at most for the brokers to take its
// last offsets (a rebalance takes a few seconds); then it ends anyway, which
// replays rather than loses.
constexpr int64_t kFinalCommitWaitNs = 15'000'000'000;
// How long a reassigned partition's committed offset is looked up for.
constexpr int kCommittedLookupMs = 2000;
// A token is (partition, offset + 1): 16 bits of partition, 48 of offset.
constexpr int kOffsetBits = 48;
constexpr uint64_t kOffsetMask = (uint64_t{1} << kOffsetBits) - 1;
// The sink writes a tuple's origin time (ns) in this header; Kafka's own
// timestamp has only milliseconds.
constexpr const char* kTsHeader = "topolab-ts";

// The run's delivery mode decides what is committed. OperatorContext does not
// carry it yet (`bool at_least_once` is proposed; modeOf picks it up once it
// exists). Until then the mode is learnt: the first onComplete proves
// at-least-once, more open messages than such a run can have prove
// at-most-once, and meanwhile only completed offsets are committed — a
// restart may replay, never lose.
enum class Mode { Unknown, AtLeastOnce, AtMostOnce };
template <typename Context>
Mode modeOf(const Context& ctx) {
  if constexpr (requires { ctx.at_least_once; }) {
    return ctx.at_least_once ? Mode::AtLeastOnce : Mode::AtMostOnce;
  } else {
    return Mode::Unknown;
  }
}

class KafkaSource final : public Operator, public KafkaSourceStats {
 public:
  KafkaSource(const Params& p, const OperatorContext& ctx)
      : topic_(p.getString("topic")),
        mode_(modeOf(ctx)),
        stop_at_end_(p.getBool("stop_at_end")),
        commit_interval_ns_(p.getInt("commit_interval_ms") * 1'000'000) {
    if (ctx.kafka_bootstrap.empty()) {
      throw std::runtime_error(
          "kafka-source needs a Kafka cluster, and this run has none (give the run a "
          "Kafka bootstrap: host:port,…)");
    }
    const int64_t session_ms = p.getInt("session_timeout_ms");
    std::string error;
    kafka::ConfPtr conf = kafka::makeConf(
        {
            {"bootstrap.servers", ctx.kafka_bootstrap},
            {"group.id", p.getString("group")},
            {"client.id", kafka::clientId(ctx.component, ctx.index)},
            {"auto.offset.reset", p.getString("start")},
            // Offsets are committed here, explicitly, when messages are complete.
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"enable.partition.eof", stop_at_end_ ? "true" : "false"},
            {"fetch.wait.max.ms", std::to_string(p.getInt("fetch_wait_ms"))},
            // A lab notices a dead instance in seconds, not Kafka's default 45 s.
            {"session.timeout.ms", std::to_string(session_ms)},
            {"heartbeat.interval.ms", std::to_string(std::min<int64_t>(1000, session_ms / 3))},
            {"log.connection.close", "false"},
        },
        &error);
    if (!conf) throw std::runtime_error("kafka-source: " + error);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSource::rebalanceCallback);
    rd_kafka_conf_set_offset_commit_cb(conf.get(), &KafkaSource::commitCallback);
    rk_ = kafka::makeHandle(RD_KAFKA_CONSUMER, std::move(conf), &error);
    if (!rk_) throw std::runtime_error("kafka-source: " + error);
    // Every event (rebalances, commit results, errors) comes through consumer_poll.
    rd_kafka_poll_set_consumer(rk_.get());
    kafka::PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    if (const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), topics.get()); err) {
      throw std::runtime_error("kafka-source: cannot subscribe to '" + topic_ +
                               "': " + rd_kafka_err2str(err));
    }
  }

  ~KafkaSource() override { close(); }

  ProduceResult produce(Emitter& out, size_t budget, int64_t now) override {
    if (closed_) return {ProduceResult::State::Done, 0};
    size_t emitted = 0;
    size_t events = 0;
    while (emitted < budget && events < 2 * budget + 16) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 0);
      if (m == nullptr) break;
      ++events;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        emitMessage(*m, out);
        ++emitted;
      } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (auto it = partitions_.find(m->partition); it != partitions_.end())
          it->second.eof = true;
      } else {
        consumer_errors_.fetch_add(1, std::memory_order_relaxed);
      }
      rd_kafka_message_destroy(m);
    }
    consumed_.store(consumed_local_, std::memory_order_relaxed);
    if (mode_ == Mode::Unknown && open_ > kMaxTrackedOpen) becomeAtMostOnce();
    commit(now, false);
    if (now >= next_lag_ns_) refreshLag(now);
    if (stop_at_end_ && settledAtEnd(now)) {
      // Done only once every message is complete and its offset taken by the
      // brokers: then the instance leaves the group, and any partition
      // another instance still needs moves there rather than waiting on one
      // that no longer polls.
      if (final_since_ns_ == 0) {
        final_since_ns_ = now;
        commit(now, true);
      }
      if (allConfirmed() || now - final_since_ns_ >= kFinalCommitWaitNs) {
        close();
        return {ProduceResult::State::Done, 0};
      }
      return {ProduceResult::State::SleepUntil, now + kIdlePollNs};
    }
    final_since_ns_ = 0;
    // Sleep only when nothing came: while messages flow, the fetcher refills
    // the queue as fast as it is emptied.
    if (emitted == 0) return {ProduceResult::State::SleepUntil, now + kIdlePollNs};
    return {ProduceResult::State::More, 0};
  }

  void onComplete(uint64_t token, bool ok) override {
    mode_ = Mode::AtLeastOnce;
    // A failed tuple is replayed by the runtime from its copy: its offset stays open.
    if (!ok) return;
    const auto partition = static_cast<int32_t>(token >> kOffsetBits);
    const auto offset = static_cast<int64_t>(token & kOffsetMask) - 1;
    auto it = partitions_.find(partition);
    if (it == partitions_.end()) return;  // revoked since: its new owner replays it
    Partition& p = it->second;
    auto m = std::lower_bound(p.open.begin(), p.open.end(), offset,
                              [](const Open& o, int64_t off) { return o.offset < off; });
    if (m == p.open.end() || m->offset != offset || m->done) return;
    m->done = true;
    if (m != p.open.begin()) return;
    while (!p.open.empty() && p.open.front().done) {
      p.commit = std::max(p.commit, p.open.front().offset + 1);
      p.open.pop_front();
      --open_;
    }
    commit(monoNowNs(), false);
  }

  // KafkaSourceStats
  int64_t lag() const override { return lag_.load(std::memory_order_relaxed); }
  uint64_t consumed() const override { return consumed_.load(std::memory_order_relaxed); }
  uint64_t commitErrors() const override { return commit_errors_.load(std::memory_order_relaxed); }
  uint64_t consumerErrors() const override {
    return consumer_errors_.load(std::memory_order_relaxed);
  }

 private:
  struct Open {
    int64_t offset;
    bool done;
  };
  struct Partition {
    std::deque<Open> open;   // emitted, not yet complete or behind one that is not; by offset
    int64_t commit = -1;     // the offset to commit: every message before it is complete
    int64_t committed = -1;  // the offset last sent in a commit
    int64_t next = -1;       // after the last message emitted
    bool eof = false;        // consumed to the end (stop_at_end)
  };

  void emitMessage(const rd_kafka_message_t& m, Emitter& out) {
    Tuple t;
    if (m.key != nullptr) t.key.assign(static_cast<const char*>(m.key), m.key_len);
    if (m.payload != nullptr) t.payload.assign(static_cast<const char*>(m.payload), m.len);
    t.value = kafkaValueOf(t.payload);
    t.ts = originOf(m);
    ++consumed_local_;
    auto it = partitions_.find(m.partition);
    if (it == partitions_.end()) {  // not assigned through the callback (cannot happen)
      out.emit(std::move(t));
      return;
    }
    Partition& p = it->second;
    p.eof = false;
    p.next = std::max(p.next, m.offset + 1);
    if (mode_ == Mode::AtMostOnce) {
      p.commit = std::max(p.commit, m.offset + 1);
    } else if (p.open.empty() || p.open.back().offset < m.offset) {
      p.open.push_back({m.offset, false});
      ++open_;
    } else {
      // A message again (the consumer went back): track it once, in order.
      auto pos = std::lower_bound(p.open.begin(), p.open.end(), m.offset,
                                  [](const Open& o, int64_t off) { return o.offset < off; });
      if (pos == p.open.end() || pos->offset != m.offset) {
        p.open.insert(pos, {m.offset, false});
        ++open_;
      }
    }
    const uint64_t token = (static_cast<uint64_t>(m.partition) << kOffsetBits) |
                           (static_cast<uint64_t>(m.offset + 1) & kOffsetMask);
    out.emit(std::move(t), token);
  }

  static int64_t originOf(const rd_kafka_message_t& m) {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const void* v = nullptr;
      size_t n = 0;
      if (rd_kafka_header_get_last(headers, kTsHeader, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          v != nullptr) {
        const char* s = static_cast<const char*>(v);
        int64_t ns = 0;
        if (std::from_chars(s, s + n, ns).ptr == s + n && ns > 0) return ns;
      }
    }
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const int64_t ms = rd_kafka_message_timestamp(&m, &type);
    if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ms > 0) return ms * 1'000'000;
    return wallNowNs();
  }

  // Commits, without waiting, every partition whose complete offset moved;
  // at most once per interval unless `now_please`.
  void commit(int64_t now, bool now_please) {
    if (!now_please && now < next_commit_ns_) return;
    next_commit_ns_ = now + commit_interval_ns_;
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(4));
    for (auto& [id, p] : partitions_) {
      if (p.commit > p.committed) {
        rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), id)->offset = p.commit;
        p.committed = p.commit;
      }
    }
    if (list->cnt == 0) return;
    if (rd_kafka_commit(rk_.get(), list.get(), 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      commit_errors_.fetch_add(1, std::memory_order_relaxed);
      recommit();
    }
  }

  // A commit failed: send every partition's offset again with the next one.
  void recommit() {
    for (auto& [id, p] : partitions_) p.committed = -1;
  }

  // Every assigned partition's complete offset has been taken by the brokers.
  bool allConfirmed() const {
    for (const auto& [id, p] : partitions_) {
      if (p.commit < 0) continue;
      auto c = confirmed_.find(id);
      if (c == confirmed_.end() || c->second < p.commit) return false;
    }
    return true;
  }

  // The result of a commit: per partition, an offset taken or refused.
  void onCommitted(rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t* offsets) {
    // NO_OFFSET: there was nothing to commit, not a failure.
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
    bool refused = err != RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = offsets->elems[i];
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR || tp.err != RD_KAFKA_RESP_ERR_NO_ERROR ||
          tp.offset < 0) {
        refused = refused || tp.err != RD_KAFKA_RESP_ERR_NO_ERROR;
        continue;
      }
      int64_t& confirmed = confirmed_.try_emplace(tp.partition, -1).first->second;
      confirmed = std::max(confirmed, tp.offset);
      if (auto r = resume_.find(tp.partition); r != resume_.end() && r->second <= confirmed) {
        resume_.erase(r);
      }
    }
    if (refused) {
      commit_errors_.fetch_add(1, std::memory_order_relaxed);
      recommit();
    }
  }

  // Partitions about to be revoked: an offset completed here that the brokers
  // have not confirmed is kept, to resume from should the partition come back.
  void rememberUnconfirmed(int32_t id, const Partition& p) {
    if (p.commit < 0) return;
    auto c = confirmed_.find(id);
    if (c != confirmed_.end() && c->second >= p.commit) return;
    int64_t& resume = resume_.try_emplace(id, -1).first->second;
    resume = std::max(resume, p.commit);
  }

  // Partitions assigned: start each where this instance left it complete,
  // unless the brokers hold a later offset (another instance went further).
  void resumeRemembered(rd_kafka_topic_partition_list_t* list) {
    bool any = false;
    for (int i = 0; i < list->cnt; ++i) any = any || resume_.contains(list->elems[i].partition);
    if (!any) return;
    kafka::PartitionListPtr committed(rd_kafka_topic_partition_list_copy(list));
    const bool known = rd_kafka_committed(rk_.get(), committed.get(), kCommittedLookupMs) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; i < list->cnt; ++i) {
      rd_kafka_topic_partition_t& tp = list->elems[i];
      auto r = resume_.find(tp.partition);
      if (r == resume_.end()) continue;
      const int64_t held = known ? committed->elems[i].offset : -1;
      if (held >= r->second) continue;  // the brokers are at least as far
      tp.offset = r->second;
      Partition& p = partitions_[tp.partition];
      p.commit = r->second;  // committed again, now as this generation's
    }
  }

  // More messages open than an at-least-once run can have: nobody will
  // complete them, so each emitted offset is committed from now on.
  void becomeAtMostOnce() {
    mode_ = Mode::AtMostOnce;
    for (auto& [id, p] : partitions_) {
      p.open.clear();
      p.commit = std::max(p.commit, p.next);
    }
    open_ = 0;
  }

  // Commits what is complete; closing then revokes the partitions (the
  // callback commits again), waits for outstanding commits and leaves the
  // group, so the other instances take the partitions over.
  void close() {
    if (closed_) return;
    closed_ = true;
    commit(0, true);
    rd_kafka_consumer_close(rk_.get());
  }

  // At the end of every assigned partition with nothing left to complete.
  // While the delivery mode is unknown and no completion ever came, the
  // messages may never complete (at-most-once): after a grace period the
  // source ends without committing them, which replays rather than loses.
  bool settledAtEnd(int64_t now) {
    if (!atEnd()) {
      end_since_ns_ = 0;
      return false;
    }
    if (open_ == 0) return true;
    if (mode_ != Mode::Unknown) return false;
    if (end_since_ns_ == 0) end_since_ns_ = now;
    return now - end_since_ns_ >= kUnknownModeGraceNs;
  }

  bool atEnd() const {
    // Between a revocation and the next assignment nothing is known.
    if (!assigned_once_ || awaiting_assignment_) return false;
    for (const auto& [id, p] : partitions_) {
      if (!p.eof) return false;
    }
    return true;
  }

  void refreshLag(int64_t now) {
    next_lag_ns_ = now + kLagRefreshNs;
    if (!assigned_once_) return;
    kafka::PartitionListPtr positions(rd_kafka_topic_partition_list_new(4));
    for (const auto& [id, p] : partitions_) {
      rd_kafka_topic_partition_list_add(positions.get(), topic_.c_str(), id);
    }
    rd_kafka_position(rk_.get(), positions.get());
    int64_t lag = 0;
    for (int i = 0; i < positions->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = positions->elems[i];
      int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(rk_.get(), topic_.c_str(), tp.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      // Where the topology is: after the last message emitted, else where
      // the consumer will fetch from (a committed or reset offset).
      int64_t at = partitions_.at(tp.partition).next;
      if (at < 0) at = tp.offset;
      if (at < 0) continue;
      lag += std::max<int64_t>(0, high - at);
    }
    lag_.store(lag, std::memory_order_relaxed);
  }

  static void rebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* self) {
    static_cast<KafkaSource*>(self)->onRebalance(err, partitions);
  }

  void onRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* list) {
    const bool cooperative =
        std::strcmp(rd_kafka_rebalance_protocol(rk_.get()), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < list->cnt; ++i) {
        Partition& p = partitions_[list->elems[i].partition];
        open_ -= p.open.size();
        p = Partition{};
      }
      resumeRemembered(list);
      awaiting_assignment_ = false;
      if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_.get(), list);
        if (e != nullptr) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk_.get(), list);
      }
      assigned_once_ = true;
      if (lag_.load(std::memory_order_relaxed) < 0) lag_.store(0, std::memory_order_relaxed);
      return;
    }
    // Revoked (or an error): commit what is complete while the partitions are
    // still ours, then forget them; tuples of theirs still in flight are
    // replayed by the new owner from that offset.
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk_.get())) {
      commit(0, true);
    }
    const bool all = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || !cooperative;
    if (all) {
      // An eager rebalance: every partition goes, an assignment follows.
      awaiting_assignment_ = err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS;
      for (const auto& [id, p] : partitions_) rememberUnconfirmed(id, p);
      partitions_.clear();
      open_ = 0;
    } else {
      for (int i = 0; i < list->cnt; ++i) {
        auto it = partitions_.find(list->elems[i].partition);
        if (it == partitions_.end()) continue;
        rememberUnconfirmed(it->first, it->second);
        open_ -= it->second.open.size();
        partitions_.erase(it);
      }
    }
    if (cooperative && err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_.get(), list);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk_.get(), nullptr);
    }
  }

  static void commitCallback(rd_kafka_t*, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* offsets, void* self) {
    static_cast<KafkaSource*>(self)->onCommitted(err, offsets);
  }

  std::string topic_;
  Mode mode_;
  bool stop_at_end_;
  int64_t commit_interval_ns_;
  kafka::HandlePtr rk_;
  std::map<int32_t, Partition> partitions_;  // assigned to this instance
  size_t open_ = 0;                          // summed over partitions_
  bool assigned_once_ = false;
  bool awaiting_assignment_ = false;
  bool closed_ = false;
  int64_t end_since_ns_ = 0;              // when the source was first seen at the end, still open
  int64_t final_since_ns_ = 0;            // when the source first settled at the end
  std::map<int32_t, int64_t> confirmed_;  // per partition: the last offset the brokers took
  std::map<int32_t, int64_t> resume_;     // revoked with an unconfirmed complete offset
  int64_t next_commit_ns_ = 0;
  int64_t next_lag_ns_ = 0;
  uint64_t consumed_local_ = 0;
  std::atomic<int64_t> lag_{-1};
  std::atomic<uint64_t> consumed_{0};
  std::atomic<uint64_t> commit_errors_{0};
  std::atomic<uint64_t> consumer_errors_{0};
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "kafka-source",
    .role = Role::Producer,
    .doc = "Consumes a Kafka topic",
    .params =
        {
            {.name = "topic",
             .type = ParamType::String,
             .required = true,
             .doc = "topic to consume"},
            {.name = "group",
             .type = ParamType::String,
             .default_text = "topolab",
             .doc = "consumer group"},
            {.name = "start",
             .type = ParamType::Enum,
             .default_text = "earliest",
             .choices = {"earliest", "latest"},
             .doc = "where a new group starts"},
            {.name = "stop_at_end",
             .type = ParamType::Bool,
             .default_text = "false",
             .doc = "finish once the assigned partitions are consumed to their end"},
            {.name = "commit_interval_ms",
             .type = ParamType::Int,
             .default_text = "200",
             .min = 10,
             .max = 60'000,
             .doc =
                 "how often completed offsets are committed (less: fewer replays after a crash)"},
            {.name = "session_timeout_ms",
             .type = ParamType::Int,
             .default_text = "6000",
             .min = 1000,
             .max = 3'600'000,
             .doc = "a silent instance leaves the group after this (brokers usually allow 6000 and "
                    "up)"},
            {.name = "fetch_wait_ms",
             .type = ParamType::Int,
             .default_text = "5",
             .min = 0,
             .max = 10'000,
             // A real broker answers a waiting fetch as soon as data arrives, so
             // this only bounds how often an idle consumer asks; the embedded
             // brokers answer an empty fetch only after the wait, so there it is
             // latency added at low rates. 5 ms: ~200 idle fetches/s per broker.
             .doc = "longest a broker holds a fetch for new data (less: lower latency when idle)"},
        },
    .factory = [](const Params& p, const OperatorContext& c) -> OperatorPtr {
      return std::make_unique<KafkaSource>(p, c);
    },
    .traits = {.uses_kafka = true},
}};

}  // namespace
}  // namespace topolab
