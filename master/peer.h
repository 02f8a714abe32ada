#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace polyrun::master {

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
};

}  // namespace polyrun::master
