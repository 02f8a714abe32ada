#include "host_load.h"

#include <fstream>
#include <string>
#include <thread>

namespace polyrun::slave {

HostLoad readHostLoad() {
  HostLoad load;
  std::ifstream loadavg("/proc/loadavg");
  double one = 0;
  if (loadavg >> one) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    load.load_avg_per_core = one / cores;
  }
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (meminfo >> key >> kb >> unit) {
    if (key == "MemAvailable:") {
      load.memory_free_bytes = kb * 1024;
      break;
    }
  }
  return load;
}

}  // namespace polyrun::slave

namespace polyrun::slave {

double CpuBusySampler::sample() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice)
  uint64_t v[8] = {};
  if (!(stat >> cpu) || cpu != "cpu") return 0;
  for (auto& x : v)
    if (!(stat >> x)) return 0;
  const uint64_t idle = v[3] + v[4];
  uint64_t total = 0;
  for (auto x : v) total += x;
  const uint64_t busy = total - idle;
  MutexLock lock(mutex_);
  const uint64_t d_total = total - last_total_, d_busy = busy - last_busy_;
  last_total_ = total;
  last_busy_ = busy;
  if (d_total == 0 || d_busy > d_total) return 0;
  return static_cast<double>(d_busy) / static_cast<double>(d_total);
}

}  // namespace polyrun::slave
