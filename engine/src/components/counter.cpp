// counter: the default sink; counts tuples and records end-to-end latency
// (the task records it for every sink).
#include "topolab/engine/operator.h"

namespace topolab {
namespace {

class Counter final : public Operator {
 public:
  ProcessResult process(Tuple&, Emitter&, int64_t) override { return {}; }
  bool recordsEndToEnd() const override { return true; }
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "counter",
    .role = Role::Sink,
    .doc = "Counts tuples and records end-to-end latency",
    .params = {},
    .factory = [](const Params&, const OperatorContext&) -> OperatorPtr {
      return std::make_unique<Counter>();
    },
}};

}  // namespace
}  // namespace topolab
