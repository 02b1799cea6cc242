// A gRPC alarm that calls back into an object which may be gone by the time
// it fires (a stream, a link): the callback reaches the owner through an
// anchor that detach() empties, so a late callback finds no one. Armed at most
// once at a time; the owner guards arm() and fired() with its own lock.
#pragma once

#include <grpcpp/alarm.h>

#include <chrono>
#include <memory>
#include <mutex>

namespace topolab::agent {

template <class Owner>
class OwnerAlarm {
 public:
  explicit OwnerAlarm(Owner* owner) { anchor_->owner = owner; }

  // Calls `on_fire` on the owner, with the anchor's lock held, once `at` has
  // passed; nothing if already armed.
  void arm(std::chrono::system_clock::time_point at, void (Owner::*on_fire)()) {
    if (armed_) return;
    armed_ = true;
    alarm_ = std::make_unique<grpc::Alarm>();  // the previous one has fired
    alarm_->Set(at, [anchor = anchor_, on_fire](bool ok) {
      if (!ok) return;
      std::lock_guard lock(anchor->mu);
      if (anchor->owner != nullptr) (anchor->owner->*on_fire)();
    });
  }
  // From on_fire, with the owner's lock held: it may be armed again.
  void fired() { armed_ = false; }
  // The owner is going: a callback still to come does nothing.
  void detach() {
    std::lock_guard lock(anchor_->mu);
    anchor_->owner = nullptr;
  }

 private:
  struct Anchor {
    std::mutex mu;
    Owner* owner = nullptr;
  };
  const std::shared_ptr<Anchor> anchor_ = std::make_shared<Anchor>();
  std::unique_ptr<grpc::Alarm> alarm_;
  bool armed_ = false;
};

}  // namespace topolab::agent
