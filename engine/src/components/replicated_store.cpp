// replicated-store: a key-value sink with one primary and `replicas`
// followers on other agents. Each input tuple is a write (upsert of `key` to
// `value`); the replication itself is runtime/replication.h.
#include <stdexcept>

#include "runtime/replication.h"
#include "topolab/engine/operator.h"

namespace topolab {
namespace {

ReplicationMode modeOf(const std::string& name) {
  if (name == "sync") return ReplicationMode::Sync;
  if (name == "quorum") return ReplicationMode::Quorum;
  return ReplicationMode::Async;
}

class ReplicatedStore final : public Operator {
 public:
  ReplicatedStore(const Params& p, const OperatorContext& ctx) {
    if (ctx.replication == nullptr) {
      throw std::runtime_error("replicated-store needs a runtime that replicates");
    }
    ReplicaConfig config;
    config.component = ctx.component;
    config.index = ctx.index;
    config.instances = ctx.parallelism;
    config.mode = modeOf(p.getString("mode"));
    config.failover_ns = p.getInt("failover_ms") * 1'000'000;
    config.state_dir = ctx.state_dir;
    hold_ = config.mode != ReplicationMode::Async;
    replica_ = ctx.replication->attach(std::move(config));
    if (replica_ == nullptr) {
      throw std::runtime_error("instance #" + std::to_string(ctx.index) + " is not in the plan");
    }
  }
  ~ReplicatedStore() override { replica_->saveState(); }

  ProcessResult process(Tuple& in, Emitter& out, int64_t) override {
    // In async mode the write is acknowledged once the primary applied it,
    // which is when process() returns; otherwise when the replicas have it.
    const AckOp held = hold_ ? out.holdInput() : AckOp{};
    return {.ok = replica_->write(in, held)};
  }

  void onEndOfInput(Emitter&) override { replica_->saveState(); }
  bool recordsEndToEnd() const override { return true; }

 private:
  Replica* replica_ = nullptr;
  bool hold_ = false;
};

const CatalogueRegistration kReplicatedStore{ComponentType{
    .name = "replicated-store",
    .role = Role::Sink,
    .doc = "Key-value store: one primary, replicas on other agents",
    .params =
        {
            {.name = "replicas",
             .type = ParamType::Int,
             .default_text = "2",
             .min = 0,
             .max = 16,
             .doc = "followers of the primary, each on its own agent"},
            {.name = "mode",
             .type = ParamType::Enum,
             .default_text = "async",
             .choices = {"async", "sync", "quorum"},
             .doc =
                 "when a write is acknowledged: primary applied, every live follower, a majority"},
            {.name = "failover_ms",
             .type = ParamType::Int,
             .default_text = "3000",
             .min = 10,
             .max = 600'000,
             .doc = "time to promote a follower when the primary dies"},
        },
    .factory = [](const Params& p, const OperatorContext& ctx) -> OperatorPtr {
      return std::make_unique<ReplicatedStore>(p, ctx);
    },
    .traits = {.shape = ComponentTraits::Shape::ReplicaSet},
}};

}  // namespace
}  // namespace topolab
