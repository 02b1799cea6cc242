// Mergeable log-linear latency histograms (HdrHistogram-like): values are
// nanoseconds, buckets are 2^kSubBits linear steps per power of two, so a
// reported quantile is within 1/2^(kSubBits+1) of the true value.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace topolab {

class Histogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kSubCount = 1 << kSubBits;
  static constexpr int kMaxExponent = 44;  // values up to 2^44 ns (~4.9 h); larger clamp
  static constexpr int kBucketCount = (kMaxExponent - kSubBits + 1) * kSubCount;

  static int bucketOf(uint64_t v);
  static uint64_t bucketLow(int b);   // smallest value in bucket b
  static uint64_t bucketHigh(int b);  // largest value in bucket b

  Histogram();
  void record(uint64_t v, uint64_t count = 1);
  void merge(const Histogram& other);
  // Counts of `this` minus `earlier` (a previous snapshot of the same
  // cumulative histogram), saturating at 0; max is this snapshot's (the
  // interval max), raised to the highest bucket the difference holds.
  Histogram minus(const Histogram& earlier) const;
  void clear();

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  void setMax(uint64_t m) { max_ = m; }
  // The value at quantile q in [0, 1] (0 when empty), never above max().
  uint64_t quantile(double q) const;
  bool empty() const { return count_ == 0; }

  const std::vector<uint64_t>& buckets() const { return buckets_; }

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

// One writer thread records, any thread may snapshot. Bucket counts are
// cumulative; max is per interval (takeMax resets it).
class AtomicHistogram {
 public:
  AtomicHistogram();
  void record(uint64_t v, uint64_t count = 1);  // single writer
  // Cumulative counts; max holds the largest value since the last takeMax
  // when `take_max` is true.
  Histogram snapshot(bool take_max);

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // the count is their sum
  std::atomic<uint64_t> max_{0};
};

}  // namespace topolab
