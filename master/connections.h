// One TCPServerConnection per peer role. They only move bytes: read a frame, decode it
// (messages.h), call the scheduler, answer. No exception leaves run(); every refusal is an
// `error` message naming what was wrong, and a connection that broke the protocol is closed
// without disturbing anyone else.
#pragma once

#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "address_slots.h"
#include "scheduler.h"
#include "slave_credentials.h"

struct ssl_ctx_st;

namespace polyrun::master {

struct ConnectionSettings {
  size_t max_frame_bytes = 16u << 20;
  size_t max_output_bytes = 64u << 20;  // queued for a peer that does not read: then it is dropped
  std::shared_ptr<SlaveCredentials> slave_credentials;  // who may register as which slave
  std::vector<std::string> client_tokens;               // empty: clients need no token
  std::vector<std::string> operator_tokens;  // clients that see every job (master.operator.tokens)
  bool client_auth_loopback = false;         // tokens also for clients on 127.0.0.1 / ::1
  std::chrono::milliseconds heartbeat_timeout{5000};  // slave silent this long is lost
  std::chrono::milliseconds register_timeout{10000};  // slave must register within this
  std::chrono::milliseconds client_idle{300000};      // client with nothing in flight
  std::chrono::milliseconds frame_timeout{30000};     // a begun frame must complete within this
  int max_connections = 256;                          // per port
  // A connection's first request (a client's auth, a slave's register) must arrive whole within
  // this of connecting, however it trickles in (master.client.auth.timeout.ms; slaves:
  // register_timeout).
  std::chrono::milliseconds auth_timeout{10000};
  int per_address = 32;               // connections per client address and port; 0: no cap
  bool per_address_loopback = false;  // the cap also for 127.0.0.1 / ::1
  std::shared_ptr<AddressSlots> address_slots;  // the port's count: set by its ConnectionFactory
  ssl_ctx_st* tls = nullptr;  // set: the ports speak only TLS (master.tls.*); owned by the app
};

/// Connections of one role open right now, shared by the factory and its connections.
using ConnectionCount = std::shared_ptr<std::atomic<int>>;

class ClientConnection final : public Poco::Net::TCPServerConnection {
 public:
  ClientConnection(const Poco::Net::StreamSocket& socket, std::shared_ptr<Scheduler> scheduler,
                   const ConnectionSettings& settings, ConnectionCount count);
  void run() override;

 private:
  std::shared_ptr<Scheduler> scheduler_;
  const ConnectionSettings& settings_;
  ConnectionCount count_;
};

class SlaveConnection final : public Poco::Net::TCPServerConnection {
 public:
  SlaveConnection(const Poco::Net::StreamSocket& socket, std::shared_ptr<Scheduler> scheduler,
                  const ConnectionSettings& settings, ConnectionCount count);
  void run() override;

 private:
  std::shared_ptr<Scheduler> scheduler_;
  const ConnectionSettings& settings_;
  ConnectionCount count_;
};

/// Makes connections of one role with the shared scheduler and settings injected. The
/// settings live here, as long as the TCPServer that owns the factory.
template <typename Connection>
class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(std::shared_ptr<Scheduler> scheduler, ConnectionSettings settings)
      : scheduler_(std::move(scheduler)),
        settings_(std::move(settings)),
        count_(std::make_shared<std::atomic<int>>(0)) {
    settings_.address_slots =
        std::make_shared<AddressSlots>(settings_.per_address, settings_.per_address_loopback);
  }
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, scheduler_, settings_, count_);
  }

 private:
  std::shared_ptr<Scheduler> scheduler_;
  ConnectionSettings settings_;
  ConnectionCount count_;
};

/// Constant-time comparison (of SHA-256 digests, so not even the length leaks): a wrong
/// token's timing tells nothing about the right one.
bool tokensEqual(const std::string& a, const std::string& b);

/// True when `token` equals one of `tokens`; every entry is compared, in constant time.
bool tokenAccepted(const std::string& token, const std::vector<std::string>& tokens);

/// The client `token` stands for: an operator (sees every job) when it is one of
/// `operator_tokens`, a client when it is one of `client_tokens`, nullopt when neither. The owner
/// name is "client-" (or "operator-") + the first 16 hex digits of the token's SHA-256: the same
/// across restarts and for every connection with that token, and it tells nothing of the token.
std::optional<ClientIdentity> identityOf(const std::string& token,
                                         const std::vector<std::string>& client_tokens,
                                         const std::vector<std::string>& operator_tokens);

}  // namespace polyrun::master
