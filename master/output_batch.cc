#include "output_batch.h"

#include <algorithm>
#include <vector>

#include "socket_peer.h"

namespace polyrun::master {
namespace {
thread_local int t_depth = 0;
thread_local std::vector<std::shared_ptr<SocketPeer>>* t_pending = nullptr;
}  // namespace

OutputBatch::OutputBatch() {
  if (t_depth++ == 0) t_pending = new std::vector<std::shared_ptr<SocketPeer>>;
}

OutputBatch::~OutputBatch() {
  if (--t_depth > 0) return;
  std::unique_ptr<std::vector<std::shared_ptr<SocketPeer>>> pending(t_pending);
  t_pending = nullptr;
  for (auto& peer : *pending) peer->flushQueued();
}

bool OutputBatch::defer(std::shared_ptr<SocketPeer> peer) {
  if (t_depth == 0) return false;
  if (std::find(t_pending->begin(), t_pending->end(), peer) == t_pending->end())
    t_pending->push_back(std::move(peer));
  return true;
}

}  // namespace polyrun::master
