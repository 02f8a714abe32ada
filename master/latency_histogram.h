// A cumulative latency histogram with fixed buckets, as Prometheus exposes them: bucket i counts
// the observations of at most kLatencyBucketsMs[i] milliseconds; `count` includes those over
// the last bound (the +Inf bucket). Plain data: the owner guards it (the scheduler's mutex).
#pragma once

#include <array>
#include <cstdint>

namespace polyrun::master {

/// Upper bounds of the buckets, in milliseconds: from a trivial job to the largest wall limits.
inline constexpr std::array<int64_t, 14> kLatencyBucketsMs = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000};

struct LatencyHistogram {
  std::array<uint64_t, kLatencyBucketsMs.size()> buckets{};  // cumulative
  uint64_t count = 0;
  int64_t sum_ms = 0;

  void observe(int64_t ms) {
    if (ms < 0) ms = 0;
    for (size_t i = 0; i < kLatencyBucketsMs.size(); ++i)
      if (ms <= kLatencyBucketsMs[i]) ++buckets[i];
    ++count;
    sum_ms += ms;
  }
};

}  // namespace polyrun::master
