// Measures how long the GUI thread went without returning to its event loop: a 5 ms timer
// ticks, and between two ticks the thread's own CPU time is taken. CPU time rather than wall
// time, so a loaded machine (other processes, a parallel build) does not fail a test: only work
// done on this thread counts.
#pragma once

#include <QObject>
#include <QTimer>

namespace polyrun::gui::test {

class StallMeter : public QObject {
  Q_OBJECT

 public:
  /// Starts measuring at once.
  explicit StallMeter(QObject* parent = nullptr);
  /// The longest stretch so far, in ms of this thread's CPU time.
  qint64 longestStallMs() const { return longest_ns_ / 1'000'000; }
  int ticks() const { return ticks_; }

 private:
  void onTick();

  QTimer timer_;
  qint64 last_ns_ = 0;
  qint64 longest_ns_ = 0;
  int ticks_ = 0;
};

/// CPU time this thread has used, in ns.
qint64 threadCpuNs();

}  // namespace polyrun::gui::test
