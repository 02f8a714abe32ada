// One TCPServerConnection per peer role. They only move bytes: decode a message, call the
// scheduler, answer. No exception leaves run().
#pragma once

#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <memory>
#include <string>

#include "scheduler.h"

namespace polyrun::master {

struct ConnectionSettings {
  size_t max_frame_bytes = 16u << 20;
  std::string slave_token;
  int heartbeat_timeout_ms = 5000;
  int register_timeout_ms = 10000;
};

class ClientConnection final : public Poco::Net::TCPServerConnection {
 public:
  ClientConnection(const Poco::Net::StreamSocket& socket, std::shared_ptr<Scheduler> scheduler,
                   const ConnectionSettings& settings);
  void run() override;

 private:
  std::shared_ptr<Scheduler> scheduler_;
  const ConnectionSettings& settings_;
};

class SlaveConnection final : public Poco::Net::TCPServerConnection {
 public:
  SlaveConnection(const Poco::Net::StreamSocket& socket, std::shared_ptr<Scheduler> scheduler,
                  const ConnectionSettings& settings);
  void run() override;

 private:
  std::shared_ptr<Scheduler> scheduler_;
  const ConnectionSettings& settings_;
};

/// Makes connections of one role with the shared scheduler and settings injected.
template <typename Connection>
class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(std::shared_ptr<Scheduler> scheduler, ConnectionSettings settings)
      : scheduler_(std::move(scheduler)), settings_(std::move(settings)) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, scheduler_, settings_);
  }

 private:
  std::shared_ptr<Scheduler> scheduler_;
  ConnectionSettings settings_;
};

/// Constant-time comparison, so a wrong token's timing tells nothing about the right one.
bool tokensEqual(const std::string& a, const std::string& b);

}  // namespace polyrun::master
