#include "stall_meter.h"

#include <time.h>

#include <algorithm>

namespace polyrun::gui::test {

qint64 threadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

StallMeter::StallMeter(QObject* parent) : QObject(parent) {
  timer_.setInterval(5);
  connect(&timer_, &QTimer::timeout, this, &StallMeter::onTick);
  last_ns_ = threadCpuNs();
  timer_.start();
}

void StallMeter::onTick() {
  const qint64 now = threadCpuNs();
  longest_ns_ = std::max(longest_ns_, now - last_ns_);
  last_ns_ = now;
  ++ticks_;
}

}  // namespace polyrun::gui::test
