// Histogram accuracy against an exact sort, merge and interval arithmetic,
// bucket edges, and the single-writer atomic histogram.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "topolab/engine/histogram.h"

namespace topolab {
namespace {

constexpr uint64_t kMaxTracked = (uint64_t{1} << Histogram::kMaxExponent) - 1;

// ns samples, as latencies look: a lognormal body around 20 µs.
std::vector<uint64_t> lognormalSamples(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(20000.0), 1.0);
  std::vector<uint64_t> v(n);
  for (uint64_t& x : v) x = static_cast<uint64_t>(dist(rng));
  return v;
}

// A heavy tail: Pareto with x_m = 1 µs and alpha = 1.2, by inverse transform.
std::vector<uint64_t> paretoSamples(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(std::numeric_limits<double>::min(), 1.0);
  std::vector<uint64_t> v(n);
  for (uint64_t& x : v) x = static_cast<uint64_t>(1000.0 / std::pow(u(rng), 1.0 / 1.2));
  return v;
}

Histogram histogramOf(const std::vector<uint64_t>& values) {
  Histogram h;
  for (uint64_t v : values) h.record(v);
  return h;
}

// The exact quantile with the histogram's rank rule: the ceil(q*n)-th smallest.
uint64_t exactQuantile(const std::vector<uint64_t>& sorted, double q) {
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void expectSameHistogram(const Histogram& a, const Histogram& b) {
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_TRUE(a.buckets() == b.buckets());
}

void expectQuantilesMatchSort(std::vector<uint64_t> samples) {
  Histogram h = histogramOf(samples);
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    double exact = static_cast<double>(exactQuantile(samples, q));
    double got = static_cast<double>(h.quantile(q));
    double rel = std::abs(got - exact) / exact;
    EXPECT_LE(rel, 0.01) << "q=" << q << " exact=" << exact << " got=" << got;
    // The design bound: half a bucket, 1/2^(kSubBits+1).
    EXPECT_LE(rel, 1.0 / (1 << (Histogram::kSubBits + 1))) << "q=" << q;
  }
  EXPECT_EQ(h.quantile(1.0), samples.back());
  EXPECT_EQ(h.max(), samples.back());
}

TEST(Histogram, QuantilesWithinOnePercentOfExactSortLognormal) {
  expectQuantilesMatchSort(lognormalSamples(1'000'000, 42));
}

TEST(Histogram, QuantilesWithinOnePercentOfExactSortPareto) {
  expectQuantilesMatchSort(paretoSamples(1'000'000, 7));
}

TEST(Histogram, MergeEqualsHistogramOfConcatenation) {
  std::vector<uint64_t> a = lognormalSamples(50'000, 1);
  std::vector<uint64_t> b = paretoSamples(70'000, 2);
  Histogram merged = histogramOf(a);
  merged.merge(histogramOf(b));
  std::vector<uint64_t> all = a;
  all.insert(all.end(), b.begin(), b.end());
  expectSameHistogram(merged, histogramOf(all));
  EXPECT_EQ(merged.count(), 120'000u);
}

TEST(Histogram, MinusOfCumulativeSnapshotsEqualsTheIntervalsSamples) {
  std::vector<uint64_t> first = lognormalSamples(30'000, 3);
  std::vector<uint64_t> second = paretoSamples(20'000, 4);
  AtomicHistogram live;
  for (uint64_t v : first) live.record(v);
  Histogram s1 = live.snapshot(true);
  for (uint64_t v : second) live.record(v);
  Histogram s2 = live.snapshot(true);

  expectSameHistogram(s1, histogramOf(first));
  expectSameHistogram(s2.minus(s1), histogramOf(second));
  // Nothing recorded since: an empty interval with no max.
  Histogram s3 = live.snapshot(true);
  Histogram idle = s3.minus(s2);
  EXPECT_TRUE(idle.empty());
  EXPECT_EQ(idle.max(), 0u);
  EXPECT_EQ(idle.quantile(0.99), 0u);
}

TEST(Histogram, MinusNeverReportsMaxBelowTheIntervalsBuckets) {
  Histogram earlier;
  earlier.record(10);
  Histogram later = earlier;
  later.record(50'000);
  later.setMax(10);  // a stale max, as a racing snapshot may carry
  Histogram d = later.minus(earlier);
  EXPECT_EQ(d.count(), 1u);
  EXPECT_GE(d.max(), Histogram::bucketLow(Histogram::bucketOf(50'000)));
  EXPECT_LE(d.max(), Histogram::bucketHigh(Histogram::bucketOf(50'000)));
}

TEST(Histogram, MinusSaturatesWhenTheInstanceRestarted) {
  Histogram before = histogramOf({5, 5, 5});
  Histogram after = histogramOf({5});
  Histogram d = after.minus(before);
  EXPECT_TRUE(d.empty());
}

TEST(Histogram, SmallValuesAreExact) {
  for (uint64_t v : {0u, 1u, 127u, 128u, 255u}) {
    Histogram h;
    h.record(v);
    EXPECT_EQ(h.quantile(0.5), v) << v;
    EXPECT_EQ(h.max(), v);
  }
  EXPECT_EQ(Histogram::bucketOf(0), 0);
  EXPECT_EQ(Histogram::bucketOf(1), 1);
  EXPECT_EQ(Histogram::bucketOf(127), 127);
  EXPECT_EQ(Histogram::bucketOf(128), 128);
  EXPECT_EQ(Histogram::bucketLow(128), 128u);
  EXPECT_EQ(Histogram::bucketHigh(128), 128u);
  // From 256 buckets are two wide.
  EXPECT_EQ(Histogram::bucketOf(256), Histogram::bucketOf(257));
  EXPECT_NE(Histogram::bucketOf(257), Histogram::bucketOf(258));
}

TEST(Histogram, BucketsTileTheRangeWithoutGaps) {
  for (int b = 0; b < Histogram::kBucketCount; ++b) {
    ASSERT_EQ(Histogram::bucketOf(Histogram::bucketLow(b)), b);
    ASSERT_EQ(Histogram::bucketOf(Histogram::bucketHigh(b)), b);
    if (b + 1 < Histogram::kBucketCount) {
      ASSERT_EQ(Histogram::bucketLow(b + 1), Histogram::bucketHigh(b) + 1) << b;
    }
    // Relative width at most 1/128 above the exact range.
    uint64_t width = Histogram::bucketHigh(b) - Histogram::bucketLow(b) + 1;
    if (b >= Histogram::kSubCount) {
      ASSERT_LE(width * Histogram::kSubCount, Histogram::bucketLow(b)) << b;
    }
  }
  EXPECT_EQ(Histogram::bucketHigh(Histogram::kBucketCount - 1), kMaxTracked);
}

TEST(Histogram, HugeValuesClampToTheLargestTrackedValue) {
  Histogram h;
  h.record(std::numeric_limits<uint64_t>::max());
  h.record(kMaxTracked + 1);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.max(), kMaxTracked);
  EXPECT_EQ(h.buckets().back(), 2u);
  EXPECT_LE(h.quantile(1.0), kMaxTracked);
  EXPECT_GE(h.quantile(0.5), Histogram::bucketLow(Histogram::kBucketCount - 1));
}

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.quantile(0.0), 0u);
  EXPECT_EQ(h.quantile(0.5), 0u);
  EXPECT_EQ(h.quantile(1.0), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.buckets().size(), static_cast<size_t>(Histogram::kBucketCount));
}

TEST(Histogram, QuantileRankRuleAndClampToMax) {
  Histogram h = histogramOf({10, 20, 30, 40});
  EXPECT_EQ(h.quantile(0.0), 10u);   // rank at least 1
  EXPECT_EQ(h.quantile(0.25), 10u);  // ceil(1.0) = 1
  EXPECT_EQ(h.quantile(0.26), 20u);  // ceil(1.04) = 2
  EXPECT_EQ(h.quantile(0.5), 20u);
  EXPECT_EQ(h.quantile(1.0), 40u);
  EXPECT_EQ(h.quantile(7.0), 40u);  // out of range clamps to [0, 1]
  // The midpoint of a wide bucket is never above the recorded max.
  Histogram one;
  one.record(1'000'000);
  EXPECT_EQ(one.quantile(0.5), 1'000'000u);
  EXPECT_EQ(one.quantile(0.99), 1'000'000u);
}

TEST(Histogram, RecordWithCountAndClear) {
  Histogram h;
  h.record(300, 5);
  h.record(400, 0);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.max(), 300u);
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.buckets()[Histogram::bucketOf(300)], 0u);
}

TEST(AtomicHistogram, TakeMaxResetsTheIntervalMaxButKeepsCounts) {
  AtomicHistogram a;
  a.record(900);
  a.record(100);
  Histogram s1 = a.snapshot(false);
  EXPECT_EQ(s1.max(), 900u);
  Histogram s2 = a.snapshot(true);
  EXPECT_EQ(s2.max(), 900u);
  a.record(50);
  Histogram s3 = a.snapshot(true);
  EXPECT_EQ(s3.count(), 3u);
  EXPECT_EQ(s3.max(), 50u);
  EXPECT_EQ(a.snapshot(true).max(), 0u);
}

TEST(AtomicHistogram, SnapshotsFromAnotherThreadAreConsistentAndMonotonic) {
  constexpr uint64_t kN = 2'000'000;
  AtomicHistogram a;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t i = 0; i < kN; ++i) a.record(i % 100'000);
    done.store(true, std::memory_order_release);
  });
  Histogram prev;
  int snapshots = 0;
  while (!done.load(std::memory_order_acquire)) {
    Histogram s = a.snapshot(true);
    uint64_t sum = 0;
    for (int b = 0; b < Histogram::kBucketCount; ++b) {
      ASSERT_GE(s.buckets()[b], prev.buckets()[b]);
      sum += s.buckets()[b];
    }
    ASSERT_EQ(sum, s.count());
    prev = std::move(s);
    ++snapshots;
  }
  writer.join();
  EXPECT_EQ(a.snapshot(false).count(), kN);
  EXPECT_GT(snapshots, 0);
}

}  // namespace
}  // namespace topolab
