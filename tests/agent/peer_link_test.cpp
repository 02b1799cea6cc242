// The data plane's flow control and framing, against a receiver in this
// process: credit comes back in bulk and still unblocks a sender, a lone batch
// leaves without waiting for more.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "credit_batcher.h"
#include "frame_pacer.h"
#include "peer_link.h"

namespace topolab::agent {
namespace {

using namespace std::chrono_literals;

// What CreditBatcher's rule means for a sender: one task sends batches while
// it has credit (overdrawing once), the receiver takes them one at a time and
// returns credit when the batcher says so. With any window, the sender is
// never left without credit while the receiver owes it everything.
void expectNoStall(int64_t window, int64_t batch) {
  CreditBatcher credit(window, 1'000'000'000);  // age never triggers here
  int64_t sender_credit = window;
  std::deque<int64_t> queue;
  int64_t delivered = 0;
  const int64_t total = window * 20 + 7;
  int64_t sent = 0;
  while (delivered < total) {
    if (sender_credit > 0 && sent < total) {
      const int64_t n = std::min(batch, total - sent);
      sender_credit -= n;
      sent += n;
      queue.push_back(n);
      continue;
    }
    ASSERT_FALSE(queue.empty()) << "window " << window
                                << ": the sender waits for credit the receiver keeps";
    const int64_t n = queue.front();
    queue.pop_front();
    delivered += n;
    if (credit.add(7, n, 0)) {
      for (const auto& [target, tuples] : credit.take()) sender_credit += tuples;
    }
  }
  EXPECT_EQ(delivered, total);
}

TEST(CreditBatcher, GoesBackInBulkAtAQuarterOfTheWindow) {
  CreditBatcher credit(16384, 5'000'000);
  for (int i = 0; i < 40; ++i) EXPECT_FALSE(credit.add(3, 100, 0)) << i;
  EXPECT_TRUE(credit.add(3, 100, 0));
  const auto taken = credit.take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken.at(3), 4100);
  EXPECT_TRUE(credit.empty());
}

TEST(CreditBatcher, GoesBackOnceItHasWaitedItsMaximumAge) {
  CreditBatcher credit(16384, 5'000'000);
  EXPECT_FALSE(credit.add(1, 10, 1'000'000));
  EXPECT_FALSE(credit.add(2, 10, 3'000'000));
  EXPECT_FALSE(credit.due(5'999'999));
  EXPECT_TRUE(credit.due(6'000'000));
  EXPECT_TRUE(credit.add(2, 1, 6'000'000));
  EXPECT_EQ(credit.take().size(), 2u);  // every target's credit goes in the same message
}

TEST(CreditBatcher, ASenderIsNeverStalledWhateverTheWindow) {
  for (int64_t window : {1, 2, 3, 5, 8, 100, 16384}) {
    for (int64_t batch : {1, 3, 64, 1000}) expectNoStall(window, batch);
  }
}

TEST(FramePacer, ASenderAboutOncePerSpacingNeverWaits) {
  // A generator's 1 ms pace, each run up to 0.3 ms early or late.
  FramePacer pacer(1'000'000, 3);
  const int64_t jitter[] = {0, 300'000, -300'000, 150'000, -250'000, 280'000, -100'000};
  for (int i = 0; i < 1000; ++i) {
    const int64_t t = 1'000'000'000 + i * 1'000'000LL + jitter[i % 7];
    ASSERT_EQ(pacer.readyAt(t), t) << "frame " << i << " waited";
    pacer.started(t);
  }
}

TEST(FramePacer, ManySendersShareAboutOneFramePerSpacing) {
  // Something to send every 50 us for 100 ms: 2,000 frames unpaced.
  FramePacer pacer(1'000'000, 3);
  int frames = 0;
  for (int64_t t = 1'000'000'000; t < 1'100'000'000; t += 50'000) {
    if (pacer.readyAt(t) <= t) {
      pacer.started(t);
      ++frames;
    }
  }
  EXPECT_GE(frames, 99);
  EXPECT_LE(frames, 103);  // one per ms, plus the burst
}

TEST(FramePacer, AfterAQuietSpellTheBurstGoesAtOnceAndTheNextWaitsItsTurn) {
  FramePacer pacer(1'000'000, 3);
  const int64_t t = 5'000'000'000;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(pacer.readyAt(t), t);
    pacer.started(t);
  }
  EXPECT_EQ(pacer.readyAt(t), t + 1'000'000);
  EXPECT_EQ(pacer.readyAt(t + 10'000'000), t + 10'000'000);  // quiet again
}

// A receiver that grants `grant` tuples of credit for target 1 on the first
// frame, records every tuple batch and returns credit when told to.
class FakeReceiver final : public v1::DataPlane::CallbackService {
 public:
  explicit FakeReceiver(uint32_t grant) : grant_(grant) {}

  grpc::ServerBidiReactor<v1::Frame, v1::Credit>* Exchange(grpc::CallbackServerContext*) override {
    auto* s = new Stream(*this);
    std::lock_guard lock(mu_);
    stream_ = s;
    return s;
  }

  // Returns credit as one bulk message: `tuples` for target 1 and 0 for target 2.
  void giveCredit(uint32_t tuples) {
    std::lock_guard lock(mu_);
    ASSERT_NE(stream_, nullptr);
    v1::Credit c;
    c.set_target(2);
    c.set_tuples(0);
    c.add_more_targets(1);
    c.add_more_tuples(tuples);
    stream_->send(c);
  }

  // Waits until `n` tuples have arrived; false if they did not within 30 s.
  bool waitForTuples(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return tuples_ >= n; });
  }
  size_t tuples() {
    std::lock_guard lock(mu_);
    return tuples_;
  }
  // The number of tuple batches in each frame that carried any, in order.
  std::vector<int> framesOfBatches() {
    std::lock_guard lock(mu_);
    return frames_;
  }
  void finish() {
    std::lock_guard lock(mu_);
    if (stream_ != nullptr) stream_->end();
  }

 private:
  class Stream final : public grpc::ServerBidiReactor<v1::Frame, v1::Credit> {
   public:
    explicit Stream(FakeReceiver& owner) : owner_(owner) { StartRead(&frame_); }
    void send(const v1::Credit& c) {  // with owner_.mu_ held
      queue_.push_back(c);
      if (!writing_) writeNext();
    }
    void end() {  // with owner_.mu_ held
      if (!finished_) Finish(grpc::Status::OK);
      finished_ = true;
    }
    void OnReadDone(bool ok) override {
      std::lock_guard lock(owner_.mu_);
      if (!ok) {
        end();
        return;
      }
      if (!granted_) {
        granted_ = true;
        v1::Credit c;
        c.set_target(1);
        c.set_tuples(owner_.grant_);
        send(c);
      }
      for (const v1::TupleBatch& b : frame_.batches()) owner_.tuples_ += b.key_sizes_size();
      if (frame_.batches_size() > 0) owner_.frames_.push_back(frame_.batches_size());
      owner_.cv_.notify_all();
      frame_.Clear();
      StartRead(&frame_);
    }
    void OnWriteDone(bool ok) override {
      std::lock_guard lock(owner_.mu_);
      writing_ = false;
      if (ok) writeNext();
    }
    void OnDone() override {
      {
        std::lock_guard lock(owner_.mu_);
        if (owner_.stream_ == this) owner_.stream_ = nullptr;
      }
      delete this;
    }

   private:
    void writeNext() {
      if (queue_.empty() || finished_) return;
      out_ = queue_.front();
      queue_.pop_front();
      writing_ = true;
      StartWrite(&out_);
    }
    FakeReceiver& owner_;
    v1::Frame frame_;
    v1::Credit out_;
    std::deque<v1::Credit> queue_;
    bool writing_ = false;
    bool granted_ = false;
    bool finished_ = false;
  };

  const uint32_t grant_;
  std::mutex mu_;
  std::condition_variable cv_;
  Stream* stream_ = nullptr;
  size_t tuples_ = 0;
  std::vector<int> frames_;
};

// A trySend callback the test waits for (shared: it may outlive a failed wait).
struct Signal : std::enable_shared_from_this<Signal> {
  std::mutex mu;
  std::condition_variable cv;
  bool called = false;
  std::function<void()> callback() {
    return [self = shared_from_this()] {
      std::lock_guard lock(self->mu);
      self->called = true;
      self->cv.notify_all();
    };
  }
  bool wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 30s, [&] { return called; });
  }
};

struct Harness {
  explicit Harness(uint32_t grant, int64_t frame_spacing_ns = PeerLinkConfig{}.frame_spacing_ns)
      : receiver(grant) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&receiver);
    server = builder.BuildAndStart();
    PeerLinkConfig c;
    c.deployment = "d";
    c.plan_id = "p";
    c.self = "node-a";
    c.peer = "node-b";
    c.address = "127.0.0.1:" + std::to_string(port);
    c.credentials = grpc::InsecureChannelCredentials();
    c.initial_credit = grant;
    c.frame_spacing_ns = frame_spacing_ns;
    link = std::make_unique<PeerLink>(std::move(c));
    link->start();
  }
  ~Harness() {
    receiver.finish();
    link->close();
    server->Shutdown(std::chrono::system_clock::now() + 5s);
  }

  // trySend that waits (for a callback, not a time) until credit lets it through.
  bool sendWhenCredited(Batch& batch) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto signal = std::make_shared<Signal>();
      if (link->trySend(1, 9, batch, {}, signal->callback())) return true;
      if (!signal->wait()) return false;
    }
    return false;
  }

  FakeReceiver receiver;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<PeerLink> link;
};

Batch tuples(size_t n) {
  Batch b(n);
  for (size_t i = 0; i < n; ++i) b[i].key = "k" + std::to_string(i);
  return b;
}

TEST(PeerLink, ALoneBatchLeavesWithoutWaitingForMore) {
  Harness h(1000);
  Batch b = tuples(3);
  ASSERT_TRUE(h.sendWhenCredited(b));
  // Nothing else is sent: the batch must not wait for company.
  EXPECT_TRUE(h.receiver.waitForTuples(3));
  EXPECT_EQ(h.receiver.tuples(), 3u);
}

TEST(PeerLink, ALoneBatchOnAQuietLinkLeavesAtOnceWhateverTheSpacing) {
  Harness h(1000, /*frame_spacing_ns=*/3'600'000'000'000);  // an hour
  Batch b = tuples(3);
  ASSERT_TRUE(h.sendWhenCredited(b));
  EXPECT_TRUE(h.receiver.waitForTuples(3));
}

// Three single-tuple frames, each waited for: the pacer's burst is used up.
void useUpTheBurst(Harness& h) {
  for (size_t i = 1; i <= 3; ++i) {
    Batch b = tuples(1);
    ASSERT_TRUE(h.sendWhenCredited(b));
    ASSERT_TRUE(h.receiver.waitForTuples(i));
  }
}

TEST(PeerLink, WhatComesWithinTheSpacingGathersIntoOneFrame) {
  Harness h(1000, /*frame_spacing_ns=*/1'000'000'000);
  useUpTheBurst(h);
  // Twenty tasks' batches while the spacing runs: one frame when it is up.
  for (int i = 0; i < 20; ++i) {
    Batch b = tuples(2);
    ASSERT_TRUE(h.link->trySend(1, 9, b, {}, [] {}));
  }
  ASSERT_TRUE(h.receiver.waitForTuples(43));
  EXPECT_EQ(h.receiver.framesOfBatches(), (std::vector<int>{1, 1, 1, 20}));
}

TEST(PeerLink, AFullFrameDoesNotWaitForTheSpacing) {
  Harness h(20000, /*frame_spacing_ns=*/3'600'000'000'000);
  useUpTheBurst(h);
  Batch big = tuples(10000);
  ASSERT_TRUE(h.link->trySend(1, 9, big, {}, [] {}));
  EXPECT_TRUE(h.receiver.waitForTuples(10003));
}

TEST(PeerLink, ClosingWritesWhatWaitsForTheSpacingAtOnce) {
  Harness h(1000, /*frame_spacing_ns=*/3'600'000'000'000);
  useUpTheBurst(h);
  Batch last = tuples(5);
  ASSERT_TRUE(h.link->trySend(1, 9, last, {}, [] {}));
  h.link->close();  // nothing may be left behind for the hour
  EXPECT_TRUE(h.receiver.waitForTuples(8));
  EXPECT_EQ(h.receiver.framesOfBatches(), (std::vector<int>{1, 1, 1, 1}));
}

TEST(PeerLink, ASenderOutOfCreditWaitsAndResumesOnBulkCredit) {
  Harness h(10);
  Batch b = tuples(10);
  ASSERT_TRUE(h.sendWhenCredited(b));
  ASSERT_TRUE(h.receiver.waitForTuples(10));
  EXPECT_EQ(h.link->inFlight(1), 10);

  // The window is used up: the next batch waits for the receiver.
  auto signal = std::make_shared<Signal>();
  Batch next = tuples(4);
  EXPECT_FALSE(h.link->trySend(1, 9, next, {}, signal->callback()));
  EXPECT_EQ(next.size(), 4u);  // left with the caller

  h.receiver.giveCredit(6);  // in one message with another target's
  ASSERT_TRUE(signal->wait());
  EXPECT_EQ(h.link->inFlight(1), 4);
  ASSERT_TRUE(h.link->trySend(1, 9, next, {}, [] {}));
  EXPECT_TRUE(h.receiver.waitForTuples(14));
}

}  // namespace
}  // namespace topolab::agent
