// A blocking client for the master's client port (docs/protocol.md): request/response by id,
// submitting a job and following it to its result, over a FramedConnection (core/transport).
// Used by the `polyrun` command, the tests and the benchmarks.
//
// Errors are values: no member throws; a failure returns false / nullopt and stores a message
// that names what went wrong and what to do in *error (which may be nullptr).
// Not thread-safe: one thread drives a MasterClient at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "polyrun/client_tls.h"
#include "polyrun/frame.h"
#include "polyrun/framed_connection.h"
#include "polyrun/job.h"

namespace polyrun {

/// The master's default client port (`master.client.port`).
inline constexpr uint16_t kDefaultClientPort = 7400;
/// Address the CLI uses when neither --master nor POLYRUN_MASTER says otherwise.
inline constexpr const char* kDefaultMasterAddress = "127.0.0.1:7400";
/// Largest frame this client accepts. Above the master's default 16 MiB on purpose: a result
/// carries up to four capped streams plus JSON escaping, and refusing it would lose the result.
inline constexpr size_t kClientMaxFrameBytes = 64u << 20;

class MasterClient {
 public:
  MasterClient(std::string host, uint16_t port);
  ~MasterClient();
  MasterClient(const MasterClient&) = delete;
  MasterClient& operator=(const MasterClient&) = delete;

  /// Speaks TLS from the next connect() on, verifying the master's certificate against the CA
  /// certificate(s) in `ca_file` (PEM; `source` names where it came from, e.g. "--ca-file", for
  /// messages). False + error when the file cannot be used.
  bool enableTls(const std::string& ca_file, std::string* error,
                 const std::string& source = "--ca-file");
  bool tlsEnabled() const { return tls_ != nullptr; }

  /// Opens the TCP connection (closing any previous one). The error names host:port and says
  /// what to do ("is the master running? start it or pass --master HOST:PORT").
  bool connect(std::string* error, int timeout_ms = 5000);
  bool connected() const { return connection_ != nullptr; }
  /// Closes the connection and forgets messages not yet received. Safe to call twice.
  void close();

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  /// "host:port" (IPv6 hosts in brackets), for messages.
  std::string address() const;

  /// Sends one frame holding `message`, handling partial writes.
  bool send(const nlohmann::json& message, std::string* error);
  /// send() for another thread than the one waiting in receive() or awaitJob() (a live job's
  /// input): safe while nobody connects or closes the client meanwhile. False when the message
  /// could not be sent; the waiting thread sees a broken connection itself.
  bool post(const nlohmann::json& message);

  /// The next message from the master: first those kept back by request()/submit(), then new
  /// ones from the socket. Waits at most timeout_ms (negative: no limit). nullopt + error on
  /// timeout ("timed out after N ms"), disconnect or a bad frame. After a disconnect or a bad
  /// frame, connected() is false; messages that arrived before it are still returned first.
  std::optional<nlohmann::json> receive(int timeout_ms, std::string* error);

  /// Sends `message` with a fresh "id" and returns the first reply carrying that id (its type
  /// may be "error"). An "error" without an id (the master's answer to a broken connection) is
  /// returned as the reply too. Other messages arriving meanwhile are kept for receive().
  std::optional<nlohmann::json> request(nlohmann::json message, int timeout_ms, std::string* error);
  /// request() in two halves, so that more can be sent before the answer is awaited:
  /// sendRequest() returns the id it gave the message ("" + error when it could not send);
  /// awaitReply() waits for the first message with that id, kept ones first.
  std::string sendRequest(nlohmann::json message, std::string* error);
  std::optional<nlohmann::json> awaitReply(const std::string& id, int timeout_ms,
                                           std::string* error);

  /// Submits `job` and waits at most timeout_ms in total for its "result" or "error", which is
  /// returned. `on_event` sees the job's "accepted" and "progress" messages as they arrive.
  std::optional<nlohmann::json> submit(
      const Job& job, int timeout_ms, std::string* error,
      const std::function<void(const nlohmann::json&)>& on_event = {});
  /// submit() in two halves: sendSubmit() returns the submit's id ("" + error when it could not
  /// send); awaitJob() follows that id to its end, messages kept meanwhile first.
  std::string sendSubmit(const Job& job, std::string* error);
  std::optional<nlohmann::json> awaitJob(
      const std::string& id, int timeout_ms, std::string* error,
      const std::function<void(const nlohmann::json&)>& on_event = {});

  /// A request id unique for this client ("1", "2", ...).
  std::string nextId();

 private:
  using Clock = std::chrono::steady_clock;

  // Reads from the connection until one message is complete or `deadline` passes; does not look
  // at kept messages. Closes the client on disconnect or bad frame.
  std::optional<nlohmann::json> readMessage(std::optional<Clock::time_point> deadline,
                                            int timeout_ms, std::string* error);
  // Waits for the first message carrying `id` for which is_final() holds (or an id-less
  // "error"), looking first at the messages kept; messages for other ids are kept for receive().
  std::optional<nlohmann::json> awaitId(const std::string& id, int timeout_ms, std::string* error,
                                        const std::function<bool(const nlohmann::json&)>& is_final);
  // Ends the connection after a transport failure; the messages kept stay receivable.
  void fail(std::string* error, const std::string& message);

  std::string host_;
  uint16_t port_;
  std::unique_ptr<FramedConnection> connection_;  // null while not connected
  std::shared_ptr<const ClientTls> tls_;          // set: connect with TLS
  std::deque<nlohmann::json> kept_;  // messages for other ids, returned by later receive()
  std::string broken_;               // why the connection ended, until close() or connect()
  uint64_t next_id_ = 1;
};

/// Parses "HOST:PORT" or "[IPV6]:PORT" (brackets removed from *host). The port must be
/// 1..65535. On failure stores a message saying the expected form in *error.
bool parseHostPort(const std::string& text, std::string* host, uint16_t* port, std::string* error);

}  // namespace polyrun
