#pragma once

#include <cstdint>

#include "polyrun/thread_annotations.h"

namespace polyrun::slave {

struct HostLoad {
  double load_avg_per_core = 0;   // 1-minute load average divided by the number of cores
  int64_t memory_free_bytes = 0;  // MemAvailable
};

/// Reads /proc/loadavg and /proc/meminfo; zeros for what it cannot read.
HostLoad readHostLoad();

/// The fraction of CPU time (all cores) spent busy between two calls to sample(), from
/// /proc/stat. Thread-safe.
class CpuBusySampler {
 public:
  /// 0..1 since the previous call (the first call: since boot); 0 when /proc/stat is unreadable.
  double sample();

 private:
  Mutex mutex_;
  uint64_t last_busy_ POLYRUN_GUARDED_BY(mutex_) = 0;
  uint64_t last_total_ POLYRUN_GUARDED_BY(mutex_) = 0;
};

}  // namespace polyrun::slave
