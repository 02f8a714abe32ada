#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "polyrun/thread_annotations.h"

namespace polyrun::master {

/// Who a client is, as its credential says (docs/http-api.md, "Who sees which jobs"). Jobs belong
/// to the owner that submitted them; lookups, cancels and the recent jobs of `cluster` show a
/// client only its own, unless it holds an operator token.
struct ClientIdentity {
  /// "anonymous" for clients without a token (every such client is the same one), else a name
  /// derived from the token (connections.h, identityOf).
  std::string owner = "anonymous";
  bool sees_all = false;  // an operator token (master.operator.tokens)
};

/// A connected client or slave as the scheduler sees it. Implementations are thread-safe, and
/// never block the caller on a slow peer.
class Peer {
 public:
  virtual ~Peer() = default;
  /// Queues or writes one message; a broken connection drops it silently (its reader notices).
  virtual void send(const nlohmann::json& message) = 0;
  /// Several messages, in order; implementations may write them at once.
  virtual void sendAll(const std::vector<nlohmann::json>& messages) {
    for (const auto& m : messages) send(m);
  }
  /// Ends the connection: its reader thread wakes up, writes what is still queued (briefly) and
  /// reports the peer gone.
  virtual void close() = 0;
  virtual std::string address() const = 0;
  /// Bytes queued for this peer and not yet written (a client that does not read piles them
  /// up); 0 for a peer that never queues.
  virtual size_t backlogBytes() const { return 0; }

  /// Set by the connection once the client authenticated; anonymous until then.
  void setIdentity(ClientIdentity identity) {
    MutexLock lock(identity_mutex_);
    identity_ = std::move(identity);
  }
  ClientIdentity identity() const {
    MutexLock lock(identity_mutex_);
    return identity_;
  }

 private:
  mutable Mutex identity_mutex_;
  ClientIdentity identity_ POLYRUN_GUARDED_BY(identity_mutex_);
};

}  // namespace polyrun::master
