// Log-linear histogram: bucket 0..127 hold the values 0..127 exactly; above,
// each power of two [2^e, 2^(e+1)) is split into 128 equal sub-buckets, so a
// bucket's width is at most 1/128 of its lowest value.
#include "topolab/engine/histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace topolab {
namespace {

constexpr uint64_t kMaxValue = (uint64_t{1} << Histogram::kMaxExponent) - 1;

// The value a quantile reports for bucket b: its midpoint (exact below 256).
uint64_t representative(int b) {
  uint64_t low = Histogram::bucketLow(b);
  return low + (Histogram::bucketHigh(b) - low) / 2;
}

int topBucket(const std::vector<uint64_t>& buckets) {
  for (int b = static_cast<int>(buckets.size()) - 1; b >= 0; --b) {
    if (buckets[b] != 0) return b;
  }
  return -1;
}

}  // namespace

int Histogram::bucketOf(uint64_t v) {
  if (v < kSubCount) return static_cast<int>(v);
  if (v > kMaxValue) return kBucketCount - 1;
  // v >= 128, so the exponent is in [kSubBits, kMaxExponent).
  int exponent = 63 - std::countl_zero(v);
  int shift = exponent - kSubBits;
  // The group is shift + 1 (group 0 is the exact range); the sub-bucket is
  // the kSubBits bits after the leading one.
  return ((shift + 1) << kSubBits) + static_cast<int>((v >> shift) & (kSubCount - 1));
}

uint64_t Histogram::bucketLow(int b) {
  assert(b >= 0 && b < kBucketCount);
  if (b < kSubCount) return static_cast<uint64_t>(b);
  int shift = (b >> kSubBits) - 1;
  uint64_t sub = static_cast<uint64_t>(b & (kSubCount - 1));
  return (uint64_t{kSubCount} + sub) << shift;
}

uint64_t Histogram::bucketHigh(int b) {
  assert(b >= 0 && b < kBucketCount);
  if (b < kSubCount) return static_cast<uint64_t>(b);
  int shift = (b >> kSubBits) - 1;
  return bucketLow(b) + (uint64_t{1} << shift) - 1;
}

Histogram::Histogram() : buckets_(kBucketCount, 0) {}

void Histogram::record(uint64_t v, uint64_t count) {
  if (count == 0) return;
  v = std::min(v, kMaxValue);
  buckets_[bucketOf(v)] += count;
  count_ += count;
  max_ = std::max(max_, v);
}

void Histogram::merge(const Histogram& other) {
  for (int b = 0; b < kBucketCount; ++b) buckets_[b] += other.buckets_[b];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

Histogram Histogram::minus(const Histogram& earlier) const {
  Histogram out;
  for (int b = 0; b < kBucketCount; ++b) {
    // Saturating: a restarted instance starts its cumulative counts again.
    uint64_t d = buckets_[b] >= earlier.buckets_[b] ? buckets_[b] - earlier.buckets_[b] : 0;
    out.buckets_[b] = d;
    out.count_ += d;
  }
  if (out.count_ == 0) return out;
  // The snapshot's max is the interval's; a snapshot read while the writer
  // runs may hold a max older than its buckets, so never report one below the
  // highest bucket the interval filled.
  int top = topBucket(out.buckets_);
  out.max_ = max_ >= bucketLow(top) ? max_ : representative(top);
  return out;
}

void Histogram::clear() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  max_ = 0;
}

uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(std::isnan(q) ? 0.0 : q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  if (rank == count_) return max_;  // the largest sample is known exactly
  uint64_t seen = 0;
  for (int b = 0; b < kBucketCount; ++b) {
    seen += buckets_[b];
    if (seen >= rank) return std::min(representative(b), max_);
  }
  return max_;  // unreachable while count_ equals the bucket sum
}

AtomicHistogram::AtomicHistogram()
    : buckets_(std::make_unique<std::atomic<uint64_t>[]>(Histogram::kBucketCount)) {}

void AtomicHistogram::record(uint64_t v, uint64_t count) {
  // One writer: a relaxed load and store is enough and avoids a locked RMW.
  // A reader's reset of max_ may be overwritten by a concurrent larger value;
  // that value then counts in the next interval, which is fine.
  if (count == 0) return;
  v = std::min(v, kMaxValue);
  std::atomic<uint64_t>& bucket = buckets_[Histogram::bucketOf(v)];
  bucket.store(bucket.load(std::memory_order_relaxed) + count, std::memory_order_relaxed);
  if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
}

Histogram AtomicHistogram::snapshot(bool take_max) {
  Histogram h;
  // The count is the sum of the buckets read, so the snapshot is consistent
  // with itself even while the writer records.
  for (int b = 0; b < Histogram::kBucketCount; ++b) {
    uint64_t n = buckets_[b].load(std::memory_order_relaxed);
    if (n != 0) h.record(Histogram::bucketLow(b), n);
  }
  uint64_t m =
      take_max ? max_.exchange(0, std::memory_order_relaxed) : max_.load(std::memory_order_relaxed);
  h.setMax(m);
  return h;
}

}  // namespace topolab
