// A live run's line to its sandbox (docs/protocol.md, "Interactive and streamed jobs"): the
// program's output as it writes it, and for an interactive run its input and signals as they
// come. The slave's link thread feeds input and signals; the sandbox's pump thread waits on
// wakeFd(), takes them, and hands output to the callback in bursts (one call per burst).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "polyrun/export.h"
#include "polyrun/job.h"
#include "polyrun/thread_annotations.h"

namespace polyrun {

class POLYRUN_API StageStream {
 public:
  /// Called on the sandbox's pump thread with the chunks of one burst, in the order read.
  using OutputFn = std::function<void(std::vector<OutputChunk>)>;

  /// `interactive`: stdin stays open after the stage's stdin_data until input(..., eof) ends
  /// it. `max_pending_input`: input held while the program does not read it (the stage's pipe
  /// is full, or it has not started); more is refused.
  StageStream(OutputFn on_output, bool interactive, size_t max_pending_input = 16u << 20);
  ~StageStream();
  StageStream(const StageStream&) = delete;
  StageStream& operator=(const StageStream&) = delete;

  bool interactive() const { return interactive_; }

  // --- Feeding: any thread; never blocks ---
  /// Queues bytes for the program's stdin; `eof` ends it after them. False (nothing queued) when
  /// the input was already ended or more than max_pending_input would be waiting.
  bool input(std::string bytes, bool eof);
  /// Queues a signal for the program's main process; one that comes before the program started
  /// is delivered once it has.
  void signal(int signo);

  // --- The sandbox's side ---
  /// Readable while input or a signal waits to be taken; -1 if the kernel refused an eventfd.
  int wakeFd() const { return fd_; }
  struct Pending {
    std::string input;
    bool eof = false;
    std::vector<int> signals;
  };
  /// What waits, emptied; the wake fd is drained.
  Pending take();
  /// Hands one burst to the callback (an empty one is not passed on).
  void emit(std::vector<OutputChunk> chunks) const;

 private:
  const OutputFn on_output_;
  const bool interactive_;
  const size_t max_pending_input_;
  const int fd_;
  mutable Mutex mutex_;
  Pending pending_ POLYRUN_GUARDED_BY(mutex_);
  bool ended_ POLYRUN_GUARDED_BY(mutex_) = false;  // input(…, eof) was accepted
};

}  // namespace polyrun
