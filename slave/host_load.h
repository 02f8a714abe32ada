#pragma once

#include <cstdint>

namespace polyrun::slave {

struct HostLoad {
  double load_avg_per_core = 0;  // 1-minute load average divided by the number of cores
  int64_t memory_free_bytes = 0;  // MemAvailable
};

/// Reads /proc/loadavg and /proc/meminfo; zeros for what it cannot read.
HostLoad readHostLoad();

}  // namespace polyrun::slave
