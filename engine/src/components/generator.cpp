// generator: synthetic events at a fixed rate (or as fast as possible), keys
// uniform or Zipf-distributed, for a fixed count or endlessly.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "topolab/engine/operator.h"
#include "topolab/engine/random.h"

namespace topolab {
namespace {

// Walker's alias method: O(1) sampling from a Zipf(s=1) distribution over keys.
class ZipfSampler {
 public:
  explicit ZipfSampler(size_t n) : prob_(n), alias_(n) {
    std::vector<double> p(n);
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += p[i] = 1.0 / static_cast<double>(i + 1);
    std::vector<size_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      p[i] = p[i] / sum * static_cast<double>(n);
      (p[i] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      size_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = p[s];
      alias_[s] = l;
      p[l] = (p[l] + p[s]) - 1.0;
      if (p[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (size_t i : large) prob_[i] = 1.0;
    for (size_t i : small) prob_[i] = 1.0;
  }
  size_t sample(Rng& rng) const {
    size_t i = rng.below(prob_.size());
    return rng.unit() < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<size_t> alias_;
};

class Generator final : public Operator {
 public:
  Generator(const Params& p, const OperatorContext& ctx)
      : rate_(p.getDouble("rate")),
        count_(p.getInt("count")),
        keys_(static_cast<size_t>(p.getInt("keys"))),
        value_max_(p.getDouble("value_max")),
        payload_(static_cast<size_t>(p.getInt("payload_bytes")), 'x'),
        rng_(ctx.seed) {
    const std::string& distribution = p.getString("distribution");
    if (distribution == "zipf") zipf_ = std::make_unique<ZipfSampler>(keys_);
    sequential_ = distribution == "sequential";
    // Keys are formatted once: a tuple copies a short string, no formatting per tuple.
    if (keys_ <= kKeyTableMax) {
      key_table_.reserve(keys_);
      for (size_t i = 0; i < keys_; ++i) key_table_.push_back(formatKey(i));
    }
  }

  ProduceResult produce(Emitter& out, size_t budget, int64_t now) override {
    if (start_ns_ == 0) start_ns_ = now;
    size_t n = budget;
    if (count_ > 0) n = std::min<uint64_t>(n, static_cast<uint64_t>(count_) - emitted_);
    if (rate_ > 0) {
      // Pace by the schedule since start, so short sleeps do not lose rate.
      const double due = std::floor((now - start_ns_) * 1e-9 * rate_) + 1;
      const uint64_t allowed = due > emitted_ ? static_cast<uint64_t>(due) - emitted_ : 0;
      n = std::min<uint64_t>(n, allowed);
    }
    const int64_t ts = wallNowNs();
    for (size_t i = 0; i < n; ++i) {
      Tuple t;
      const size_t k = sequential_ ? (emitted_ + i) % keys_
                       : zipf_     ? zipf_->sample(rng_)
                                   : rng_.below(keys_);
      t.key = keys_ <= kKeyTableMax ? key_table_[k] : formatKey(k);
      t.value = rng_.unit() * value_max_;
      t.ts = ts;
      if (!payload_.empty()) t.payload = payload_;
      out.emit(std::move(t));
    }
    emitted_ += n;
    if (count_ > 0 && emitted_ >= static_cast<uint64_t>(count_)) {
      return {ProduceResult::State::Done, 0};
    }
    if (rate_ > 0 && n < budget) {
      // Waking for every tuple at high rates would cost a thread switch per
      // tuple: what fell due meanwhile goes out together, one pace later.
      const int64_t next = start_ns_ + static_cast<int64_t>((emitted_) / rate_ * 1e9);
      return {ProduceResult::State::SleepUntil, std::max(next, now + kPaceNs)};
    }
    return {ProduceResult::State::More, 0};
  }

 private:
  static constexpr size_t kKeyTableMax = 1 << 20;
  static constexpr int64_t kPaceNs = 1'000'000;
  static std::string formatKey(size_t k) {
    char buf[24] = {'k'};
    auto r = std::to_chars(buf + 1, buf + sizeof buf, k);
    return std::string(buf, r.ptr);
  }

  double rate_;
  int64_t count_;
  size_t keys_;
  double value_max_;
  std::string payload_;
  Rng rng_;
  std::unique_ptr<ZipfSampler> zipf_;
  bool sequential_ = false;
  std::vector<std::string> key_table_;
  uint64_t emitted_ = 0;
  int64_t start_ns_ = 0;
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "generator",
    .role = Role::Producer,
    .doc = "Synthetic events at a fixed rate, uniform or Zipf keys",
    .params =
        {
            {.name = "rate",
             .type = ParamType::Double,
             .default_text = "1000",
             .min = 0,
             .max = 1e9,
             .doc = "tuples/s per instance; 0 = as fast as possible"},
            {.name = "count",
             .type = ParamType::Int,
             .default_text = "0",
             .min = 0,
             .max = 1e15,
             .doc = "total tuples per instance; 0 = endless"},
            {.name = "keys",
             .type = ParamType::Int,
             .default_text = "1000",
             .min = 1,
             .max = 1e8,
             .doc = "number of distinct keys, k0 … k<keys-1>"},
            {.name = "distribution",
             .type = ParamType::Enum,
             .default_text = "uniform",
             .choices = {"uniform", "zipf", "sequential"},
             .doc = "how keys are drawn; sequential: k0, k1, … in order (unique ids when keys = "
                    "count)"},
            {.name = "value_max",
             .type = ParamType::Double,
             .default_text = "1000",
             .min = 0,
             .max = 1e300,
             .doc = "values are uniform in [0, value_max)"},
            {.name = "payload_bytes",
             .type = ParamType::Int,
             .default_text = "0",
             .min = 0,
             .max = 1 << 20,
             .doc = "size of each tuple's payload"},
        },
    .factory = [](const Params& p, const OperatorContext& c) -> OperatorPtr {
      return std::make_unique<Generator>(p, c);
    },
}};

}  // namespace
}  // namespace topolab
