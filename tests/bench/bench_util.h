// What the benchmark runners share: the median they report.
#pragma once

#include <algorithm>
#include <vector>

namespace topolab::bench {

// The middle value; the mean of the two middle ones for an even count.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace topolab::bench
