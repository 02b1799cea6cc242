// work: a simulated service. Each tuple keeps the instance busy for cost_us
// (constant or exponentially distributed, like a server's service time) and
// fails with probability error_rate. The busy time is simulated by the task's
// clock, not by burning a core, so capacity experiments are not limited by
// the cores of the machine running them.
#include <cmath>
#include <cstdio>
#include <string>

#include "topolab/engine/operator.h"
#include "topolab/engine/random.h"

namespace topolab {
namespace {

// The sample's message for a simulated failure: "simulated failure (error_rate 0.001)".
std::string errorText(double rate) {
  char text[64];
  std::snprintf(text, sizeof text, "simulated failure (error_rate %g)", rate);
  return text;
}

class Work final : public Operator {
 public:
  Work(const Params& p, const OperatorContext& ctx)
      : cost_ns_(p.getDouble("cost_us") * 1000.0),
        exponential_(p.getString("distribution") == "exponential"),
        error_rate_(p.getDouble("error_rate")),
        error_text_(errorText(error_rate_)),
        rng_(ctx.seed) {}

  ProcessResult process(Tuple& in, Emitter& out, int64_t) override {
    ProcessResult r;
    if (cost_ns_ > 0) {
      const double c = exponential_ ? -std::log(1.0 - rng_.unit()) * cost_ns_ : cost_ns_;
      r.busy_ns = static_cast<int64_t>(c);
    }
    if (error_rate_ > 0 && rng_.unit() < error_rate_) {
      r.ok = false;
      r.error = error_text_;
      return r;
    }
    out.emit(std::move(in));
    return r;
  }

 private:
  double cost_ns_;
  bool exponential_;
  double error_rate_;
  std::string error_text_;
  Rng rng_;
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "work",
    .role = Role::Bolt,
    .doc = "Simulated service: service time per tuple and an error rate",
    .params =
        {
            {.name = "cost_us",
             .type = ParamType::Double,
             .default_text = "0",
             .min = 0,
             .max = 60e6,
             .doc = "service time per tuple, microseconds"},
            {.name = "distribution",
             .type = ParamType::Enum,
             .default_text = "constant",
             .choices = {"constant", "exponential"},
             .doc = "service time distribution"},
            {.name = "error_rate",
             .type = ParamType::Double,
             .default_text = "0",
             .min = 0,
             .max = 1,
             .doc = "fraction of tuples that fail"},
        },
    .factory = [](const Params& p, const OperatorContext& c) -> OperatorPtr {
      return std::make_unique<Work>(p, c);
    },
}};

}  // namespace
}  // namespace topolab
