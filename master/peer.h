#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace polyrun::master {

/// A connected client or slave as the scheduler sees it. Implementations are thread-safe.
class Peer {
 public:
  virtual ~Peer() = default;
  /// Queues or writes one message; a broken connection drops it silently (its reader notices).
  virtual void send(const nlohmann::json& message) = 0;
  /// Closes the connection: its reader thread ends and reports the peer gone.
  virtual void close() = 0;
  virtual std::string address() const = 0;
};

}  // namespace polyrun::master
