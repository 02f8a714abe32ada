// Write coalescing for the master's sockets. While an OutputBatch lives on a thread, what that
// thread sends to any SocketPeer is queued; the outermost batch writes each peer's queue once
// when it ends. A connection thread opens one while it works through the messages already
// received, and the journal writer while it runs a commit's callbacks, so that a burst of jobs
// costs one write per peer rather than one per message.
#pragma once

#include <memory>

namespace polyrun::master {

class SocketPeer;

class OutputBatch {
 public:
  OutputBatch();
  ~OutputBatch();  // the outermost batch writes what was queued
  OutputBatch(const OutputBatch&) = delete;
  OutputBatch& operator=(const OutputBatch&) = delete;

  /// When the calling thread is inside a batch, remembers `peer` to be written at its end and
  /// returns true; otherwise false (the caller writes now).
  static bool defer(std::shared_ptr<SocketPeer> peer);
};

}  // namespace polyrun::master
