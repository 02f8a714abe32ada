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
