// kafka-sink: produces each tuple to a topic, key → message key, payload →
// message value (an empty payload sends the value as a decimal number), the
// tuple's origin time → the message timestamp and a `topolab-ts` header (ns).
// The producer is idempotent when every in-sync replica must acknowledge
// (acks=all), so its own retries neither lose nor duplicate messages.
//
// A tuple is finished only when the brokers acknowledged its message: process()
// hands it to the producer and holds its completion until the delivery report
// (on the producer's thread). A message that finally fails is a failed tuple
// and an error — in at-least-once its tree fails and is replayed — and is
// counted in deliveryErrors(), never dropped silently.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "connectors/kafka_client.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/operator.h"

namespace topolab {
namespace {

constexpr const char* kTsHeader = "topolab-ts";
// How long the end of the input (and a sink torn down early) waits for the
// messages still queued in the producer.
constexpr int kFlushTimeoutMs = 10'000;
// How long process() waits for room in a full producer queue before it
// fails the tuple (in at-least-once runs it is then replayed).
constexpr int64_t kQueueFullWaitNs = 5'000'000'000;

class KafkaSink final : public Operator, public KafkaSinkStats {
 public:
  KafkaSink(const Params& p, const OperatorContext& ctx)
      : name_(ctx.component + "#" + std::to_string(ctx.index)) {
    if (ctx.kafka_bootstrap.empty()) {
      throw std::runtime_error(
          "kafka-sink needs a Kafka cluster, and this run has none (give the run a "
          "Kafka bootstrap: host:port,…)");
    }
    const std::string& acks = p.getString("acks");
    // Idempotence needs acks=all; with fewer acknowledgements the user chose
    // speed over safety, and the producer is a plain one.
    const bool idempotent = p.getBool("idempotent") && acks == "all";
    std::string error;
    kafka::ConfPtr conf = kafka::makeConf(
        {
            {"bootstrap.servers", ctx.kafka_bootstrap},
            {"client.id", kafka::clientId(ctx.component, ctx.index)},
            {"acks", acks},
            {"enable.idempotence", idempotent ? "true" : "false"},
            {"linger.ms", std::to_string(p.getInt("linger_ms"))},
            {"batch.size", std::to_string(p.getInt("batch_size"))},
            {"compression.codec", p.getString("compression")},
            {"message.timeout.ms", std::to_string(p.getInt("delivery_timeout_ms"))},
            // Keys go to the same partitions as with Java clients.
            {"partitioner", "murmur2_random"},
            {"log.connection.close", "false"},
        },
        &error);
    if (!conf) throw std::runtime_error("kafka-sink: " + error);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::deliveryCallback);
    rk_ = kafka::makeHandle(RD_KAFKA_PRODUCER, std::move(conf), &error);
    if (!rk_) throw std::runtime_error("kafka-sink: " + error);
    topic_.reset(rd_kafka_topic_new(rk_.get(), p.getString("topic").c_str(), nullptr));
    if (!topic_) {
      throw std::runtime_error("kafka-sink: bad topic '" + p.getString("topic") +
                               "': " + rd_kafka_err2str(rd_kafka_last_error()));
    }
    // Delivery reports arrive on this thread; it is the only one serving
    // them until flush(), so the latency histogram has a single writer.
    poller_ = std::thread([this] {
      while (!stop_poller_.load(std::memory_order_relaxed)) rd_kafka_poll(rk_.get(), 100);
    });
  }

  ~KafkaSink() override {
    // A sink torn down before the end of its input still hands over what it
    // accepted (a crashed process would not); the run is over, so nobody
    // hears of the deliveries.
    emitter_.store(nullptr, std::memory_order_release);
    if (!flushed_) flush();
    topic_.reset();
  }

  ProcessResult process(Tuple& in, Emitter& out, int64_t) override {
    const std::string* value = &in.payload;
    if (in.payload.empty()) {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, in.value);
      number_.assign(buf, r.ptr);
      value = &number_;
    }
    char ts[24];
    const auto ts_end = std::to_chars(ts, ts + sizeof ts, in.ts).ptr;
    emitter_.store(&out, std::memory_order_release);
    auto* pending = new InFlight{out.holdInput(), monoNowNs()};
    int64_t give_up = 0;
    for (;;) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_.get(), RD_KAFKA_V_RKT(topic_.get()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          // An empty key is no key: the producer spreads such messages.
          RD_KAFKA_V_KEY(in.key.empty() ? nullptr : in.key.data(), in.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value->data()), value->size()),
          RD_KAFKA_V_TIMESTAMP(in.ts > 0 ? in.ts / 1'000'000 : 0),
          RD_KAFKA_V_HEADER(kTsHeader, ts, (ts_end - ts)), RD_KAFKA_V_OPAQUE(pending),
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        noteError(rd_kafka_err2str(err));
        delete pending;
        refused_ = std::string("the producer refused the message: ") + rd_kafka_err2str(err);
        return {.ok = false, .error = refused_};
      }
      // The brokers are behind: wait for room (back pressure on the
      // topology), while the poller thread takes delivery reports.
      const int64_t now = monoNowNs();
      if (give_up == 0) give_up = now + kQueueFullWaitNs;
      if (now >= give_up) {
        noteError("the producer queue stayed full for 5 s");
        delete pending;
        return {.ok = false, .error = "the producer queue stayed full for 5 s"};
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    produced_.store(produced_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return {};
  }

  void onEndOfInput(Emitter&) override { flush(); }
  bool recordsEndToEnd() const override { return true; }

  // KafkaSinkStats
  uint64_t produced() const override { return produced_.load(std::memory_order_relaxed); }
  uint64_t delivered() const override { return delivered_.load(std::memory_order_relaxed); }
  uint64_t deliveryErrors() const override {
    return delivery_errors_.load(std::memory_order_relaxed);
  }
  int64_t undelivered() const override {
    return static_cast<int64_t>(produced() - delivered() - deliveryErrors());
  }
  std::string lastDeliveryError() const override {
    std::lock_guard lock(error_mu_);
    return last_error_;
  }
  Histogram produceLatency() override { return latency_.snapshot(false); }

 private:
  // Waits, up to a deadline, for every queued message's delivery report.
  void flush() {
    flushed_ = true;
    stop_poller_.store(true, std::memory_order_relaxed);
    if (poller_.joinable()) poller_.join();
    rd_kafka_flush(rk_.get(), kFlushTimeoutMs);
    const int64_t left = undelivered();
    const uint64_t errors = deliveryErrors();
    if (left > 0) {
      std::fprintf(stderr, "kafka-sink %s: %lld message(s) still undelivered after %d s\n",
                   name_.c_str(), static_cast<long long>(left), kFlushTimeoutMs / 1000);
    }
    if (errors > 0) {
      std::fprintf(stderr, "kafka-sink %s: %llu message(s) could not be delivered (last: %s)\n",
                   name_.c_str(), static_cast<unsigned long long>(errors),
                   lastDeliveryError().c_str());
    }
  }

  void noteError(const char* what) {
    std::lock_guard lock(error_mu_);
    last_error_ = what;
  }

  static void deliveryCallback(rd_kafka_t*, const rd_kafka_message_t* m, void* self) {
    static_cast<KafkaSink*>(self)->onDelivery(*m);
  }

  void onDelivery(const rd_kafka_message_t& m) {
    std::unique_ptr<InFlight> pending(static_cast<InFlight*>(m._private));
    const bool ok = m.err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (ok) {
      latency_.record(static_cast<uint64_t>(std::max<int64_t>(0, monoNowNs() - pending->sent_ns)));
      delivered_.fetch_add(1, std::memory_order_relaxed);
    } else {
      delivery_errors_.fetch_add(1, std::memory_order_relaxed);
      noteError(rd_kafka_err2str(m.err));
    }
    if (Emitter* e = emitter_.load(std::memory_order_acquire)) {
      if (ok) {
        e->complete(pending->done, true);
      } else {
        const std::string why =
            std::string("the brokers refused the message: ") + rd_kafka_err2str(m.err);
        e->complete(pending->done, false, why,
                    std::string_view(static_cast<const char*>(m.key), m.key ? m.key_len : 0));
      }
    }
  }

  // A message on its way: how to finish its tuple, and when it was produced.
  struct InFlight {
    AckOp done;
    int64_t sent_ns = 0;
  };

  std::string name_;
  std::atomic<Emitter*> emitter_{nullptr};  // the hosting task, for completions
  kafka::HandlePtr rk_;
  kafka::TopicPtr topic_;
  std::thread poller_;
  std::atomic<bool> stop_poller_{false};
  std::string refused_;  // the sample's message for a message the producer refused
  bool flushed_ = false;
  std::string number_;
  std::atomic<uint64_t> produced_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> delivery_errors_{0};
  mutable std::mutex error_mu_;
  std::string last_error_;
  AtomicHistogram latency_;  // one writer: the poller thread, then flush()
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "kafka-sink",
    .role = Role::Sink,
    .doc = "Produces to a Kafka topic",
    .params =
        {
            {.name = "topic",
             .type = ParamType::String,
             .required = true,
             .doc = "topic to produce to"},
            {.name = "acks",
             .type = ParamType::Enum,
             .default_text = "all",
             .choices = {"0", "1", "all"},
             .doc = "broker acknowledgements required"},
            {.name = "idempotent",
             .type = ParamType::Bool,
             .default_text = "true",
             .doc = "retries never duplicate or reorder (only with acks: all)"},
            {.name = "linger_ms",
             .type = ParamType::Int,
             .default_text = "2",
             .min = 0,
             .max = 60'000,
             // 2 ms: batches still fill at high rates (they grow while requests
             // are in flight), and a message at a low rate waits little. 0 makes
             // many tiny requests and is slower on both counts.
             .doc = "how long a batch waits to fill (more: throughput; less: latency)"},
            {.name = "batch_size",
             .type = ParamType::Int,
             .default_text = "1000000",
             .min = 1,
             .max = 2'147'483'647,
             .doc = "largest batch per partition, bytes"},
            {.name = "compression",
             .type = ParamType::Enum,
             .default_text = "none",
             .choices = {"none", "gzip", "snappy", "lz4", "zstd"},
             .doc = "batch compression"},
            {.name = "delivery_timeout_ms",
             .type = ParamType::Int,
             .default_text = "30000",
             .min = 1000,
             .max = 3'600'000,
             .doc = "a message not acknowledged by then is a delivery error"},
        },
    .factory = [](const Params& p, const OperatorContext& c) -> OperatorPtr {
      return std::make_unique<KafkaSink>(p, c);
    },
    .traits = {.uses_kafka = true},
}};

}  // namespace
}  // namespace topolab
