// The sending side of the data plane: one stream from this agent to a peer
// for one deployment. Batches go out as they get credit; credits come back as
// the peer's tasks take the tuples, so back pressure crosses the wire. The
// stream reconnects with backoff; while it is down the peer is unreachable.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame_pacer.h"
#include "health_prober.h"
#include "owner_alarm.h"
#include "topolab/engine/remote.h"
#include "topolab/v1/dataplane.grpc.pb.h"

namespace topolab::agent {

struct PeerLinkConfig {
  std::string deployment;
  std::string plan_id;
  std::string self;     // this agent's name
  std::string peer;     // the peer's name
  std::string address;  // host:port
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  int64_t initial_credit = 16384;  // tuples in flight per target task
  // Frames on a busy link start this far apart on average (a burst of three
  // may start back to back); what comes meanwhile gathers into the next one.
  int64_t frame_spacing_ns = 1'000'000;
  // Told when the link fails ("peer-link-down", with why) and when it works
  // again after that ("peer-link-up"); not after the peer closed it cleanly
  // (its deployment stopped), nor while this link closes.
  std::function<void(const std::string& kind, const std::string& detail)> event;
};

class PeerLink final : public RemotePeer {
 public:
  explicit PeerLink(PeerLinkConfig config);
  ~PeerLink() override;

  // Connects (and keeps reconnecting until close()).
  void start();
  // Ends the stream and stops reconnecting; waits for the stream to finish.
  void close();
  // Fault injection: behave as cut off from the peer until `until_mono_ns`.
  void partitionUntil(int64_t until_mono_ns);

  bool trySend(uint32_t target, uint32_t source, Batch& batch, const EmitSpan& span,
               std::function<void()> on_credit) override;
  void sendEndOfInput(uint32_t target, uint32_t source) override;
  void sendAcks(std::vector<AckOp> ops) override;
  void sendReplication(std::vector<ReplicationMessage> msgs) override;
  int64_t inFlight(uint32_t target) const override;
  bool reachable() const override;
  void checkHealth(uint32_t target, int64_t period_ns) override;
  // Reachable, and the latest probe found the instance alive.
  bool healthy(uint32_t target) const override;
  int64_t takeUnconfirmed(uint32_t target) override;

  std::string lastError() const;

 private:
  class Stream;
  friend class Stream;

  void connectLoop();
  // Writes what is pending when no write is in flight and the pacer lets a
  // frame start (at once when closing, or when a frame is full); otherwise a
  // timer writes it when the pacer does. So a lone batch on a quiet link
  // leaves at once, and a busy link writes at most one frame per spacing on
  // average, however many tasks feed it: every frame costs a write, a read, a
  // wakeup and an HTTP/2 window update on both agents.
  void maybeStartWrite();
  // The spacing timer fired: the frame that waited may go.
  void onSpacingTimer();
  void onCredit(const v1::Credit& credit);
  void onStreamDone(const grpc::Status& status);
  int64_t& creditOf(uint32_t target);

  const PeerLinkConfig config_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DataPlane::Stub> stub_;
  std::unique_ptr<HealthProber> prober_;

  mutable std::mutex mu_;
  std::condition_variable cv_;        // the connector: a stream ended, or closing
  std::condition_variable close_cv_;  // close(): the last write ended, or the stream broke
  std::map<uint32_t, int64_t> credit_;
  std::map<uint32_t, int64_t> unconfirmed_;  // sent, not credited when a stream broke
  std::map<uint32_t, std::vector<std::function<void()>>> waiting_;
  v1::Frame pending_;
  bool pending_empty_ = true;
  int64_t pending_tuples_ = 0;
  FramePacer pacer_;
  OwnerAlarm<PeerLink> spacing_timer_{this};  // armed while a frame waits for the pacer
  Stream* stream_ = nullptr;                  // the live stream, if any
  int live_streams_ = 0;                      // started and not yet done
  bool connected_ = false;                    // the peer granted credit on the current stream
  bool connected_ever_in_attempt_ = false;
  int failures_ = 0;  // attempts failed since the last success
  bool closing_ = false;
  bool closing_now_ = false;  // close() began: it waits for the last write
  int64_t partitioned_until_ = 0;
  std::string last_error_;
  bool reported_down_ = false;  // a peer-link-down event went out, no peer-link-up since
  bool peer_closed_ = false;    // the peer ended a stream cleanly: its deployment stopped
  std::thread connector_;
};

}  // namespace topolab::agent
