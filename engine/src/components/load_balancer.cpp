// load-balancer: forwards each tuple unchanged; the task that hosts it picks
// the member (an instance downstream) by the policy, skipping unhealthy ones.
#include "topolab/engine/operator.h"

namespace topolab {
namespace {

class LoadBalancer final : public Operator {
 public:
  ProcessResult process(Tuple& in, Emitter& out, int64_t) override {
    out.emit(std::move(in));
    return {};
  }
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "load-balancer",
    .role = Role::Bolt,
    .doc = "Spreads tuples over every downstream instance by a policy",
    .params =
        {
            {.name = "policy",
             .type = ParamType::Enum,
             .default_text = "round-robin",
             .choices = {"round-robin", "least-outstanding", "consistent-hash", "random"},
             .doc = "how a member is chosen"},
            {.name = "health_check_ms",
             .type = ParamType::Int,
             .default_text = "1000",
             .min = 10,
             .max = 3'600'000,
             .doc = "how often members' health is checked"},
        },
    .factory = [](const Params&, const OperatorContext&) -> OperatorPtr {
      return std::make_unique<LoadBalancer>();
    },
    .traits = {.shape = ComponentTraits::Shape::Balancer},
}};

}  // namespace
}  // namespace topolab
