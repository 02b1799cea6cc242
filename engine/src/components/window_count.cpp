// window-count: tumbling count per key. At the end of each window it emits
// one tuple per key seen, with the count in `value` and, as `ts`, the newest
// origin time in the window: a result's end-to-end latency is then how long
// after the window's last event it reached the sink.
#include <unordered_map>

#include "topolab/engine/operator.h"

namespace topolab {
namespace {

class WindowCount final : public Operator {
 public:
  explicit WindowCount(const Params& p) : window_ns_(p.getInt("window_ms") * 1'000'000) {}

  ProcessResult process(Tuple& in, Emitter& out, int64_t now) override {
    // The task closes windows between batches (onTimer), so results are never
    // anchored to the input that happened to arrive last.
    if (window_end_ == 0) window_end_ = now + window_ns_;
    ++counts_[in.key];
    if (in.ts > newest_ts_) newest_ts_ = in.ts;
    return {};
  }

  int64_t nextTimerMonoNs() const override { return counts_.empty() ? 0 : window_end_; }

  void onTimer(Emitter& out, int64_t now) override {
    if (now < window_end_) return;
    flush(out);
    // The next window starts at the boundary after now, keeping a fixed grid.
    const int64_t missed = (now - window_end_) / window_ns_ + 1;
    window_end_ += missed * window_ns_;
  }

  void onEndOfInput(Emitter& out) override { flush(out); }

 private:
  void flush(Emitter& out) {
    for (auto& [key, count] : counts_) {
      Tuple t;
      t.key = key;
      t.value = static_cast<double>(count);
      t.ts = newest_ts_;
      out.emit(std::move(t));
    }
    counts_.clear();
    newest_ts_ = 0;
  }

  int64_t window_ns_;
  int64_t window_end_ = 0;
  std::unordered_map<std::string, uint64_t> counts_;
  int64_t newest_ts_ = 0;
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "window-count",
    .role = Role::Bolt,
    .doc = "Tumbling count per key; one tuple per key and window",
    .params =
        {
            {.name = "window_ms",
             .type = ParamType::Int,
             .default_text = "1000",
             .min = 1,
             .max = 86'400'000,
             .doc = "window length, milliseconds"},
        },
    .factory = [](const Params& p, const OperatorContext&) -> OperatorPtr {
      return std::make_unique<WindowCount>(p);
    },
}};

}  // namespace
}  // namespace topolab
