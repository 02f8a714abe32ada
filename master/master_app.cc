// polyrun-master: accepts clients and slaves, routes jobs, journals them. Configuration keys are
// documented in docs/configuration.md; the shutdown sequence in docs/architecture.md ("Faults
// and recovery").
#include <Poco/File.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerParams.h>

#include <fstream>
#include <iostream>  // POCO_SERVER_MAIN

#include "master_settings.h"
#include "polyrun/service_app.h"
#include "polyrun/tls.h"

namespace polyrun::master {
namespace {
using std::chrono::milliseconds;

class MasterApp final : public ServiceApp {
 public:
  MasterApp() : ServiceApp("polyrun-master: routes code-execution jobs from clients to slaves.") {
    setKeyTable(masterKeyTable());
  }

 protected:
  int runService(const std::vector<std::string>&) override;
};

// With `tls`, connections accepted are TLS (Poco does the handshake in the connection's thread).
// `key` names the port's configuration key in the error.
Poco::Net::ServerSocket listen(const std::string& bind, const std::string& key, int port,
                               const Poco::Net::Context::Ptr& tls = nullptr) {
  Poco::Net::ServerSocket socket =
      tls ? Poco::Net::SecureServerSocket(tls) : Poco::Net::ServerSocket();
  try {
    // Address reuse, so that a master restarted after a crash gets its ports back at once; never
    // port reuse (Poco's bind(address, true) sets both), which would let a second master share
    // the port with a running one and split its connections.
    socket.bind(Poco::Net::SocketAddress(bind, static_cast<Poco::UInt16>(port)), true, false);
    socket.listen(256);
  } catch (const Poco::Exception& e) {
    throw ConfigError("cannot listen on " + bind + ":" + std::to_string(port) + " (" + key +
                      "): " + e.displayText() + "; is another master running? choose another port");
  }
  return socket;
}

int MasterApp::runService(const std::vector<std::string>&) {
  MasterSettings cfg = readMasterSettings(settings(), logger());
  ConnectionSettings& connections = cfg.connections;
  if (connections.slave_credentials->perSlave())
    logger().information("slaves register with their own tokens (%z in master.slave.tokens.file)",
                         connections.slave_credentials->size());
  // TLS: the client and slave ports speak it in SocketPeer (OpenSSL over their own fds), the
  // HTTP port through Poco's SecureServerSocket; one context serves all three.
  Poco::Net::Context::Ptr tls;
  if (cfg.tls_enabled) {
    try {
      tls = makeTlsServerContext(cfg.tls_certificate, cfg.tls_key, "master.tls.certificate",
                                 "master.tls.key");
    } catch (const std::runtime_error& e) {
      throw ConfigError(std::string(e.what()) + " (master.tls.enabled is true)");
    }
    connections.tls = tls->sslContext();
  }
  const JournalConfig& jc = cfg.journal;
  std::unique_ptr<Journal> journal;
  if (!jc.path.empty()) {
    std::string error;
    journal = SqliteJournal::open(jc, &error);
    if (!journal) throw ConfigError(error);
  } else {
    logger().warning(
        "master.journal.path is not set: accepted jobs live in memory only and a restart "
        "of the master loses those not finished");
  }
  if (!connections.client_tokens.empty())
    logger().information(
        "clients must authenticate with one of %z tokens%s", connections.client_tokens.size(),
        connections.client_auth_loopback ? std::string() : std::string(" (not on loopback)"));

  const std::string& bind = cfg.bind;
  const bool http_enabled = cfg.http_enabled;
  const HttpSettings& hs = cfg.http;
  const milliseconds shutdown_timeout = cfg.shutdown_timeout;
  // Before the scheduler, which publishes to it, and after every thread that reads it.
  EventLog events(cfg.events_keep, cfg.events_queue);
  auto scheduler = std::make_shared<Scheduler>(cfg.scheduler, journal.get(), &events);
  scheduler->recover();
  Poco::Net::ServerSocket client_socket = listen(bind, "master.client.port", cfg.client_port);
  Poco::Net::ServerSocket slave_socket = listen(bind, "master.slave.port", cfg.slave_port);
  Poco::Net::ServerSocket http_socket;
  if (http_enabled) http_socket = listen(bind, "master.http.port", cfg.http_port, tls);

  // A few threads beyond the limit, so that a connection over it is answered with an error
  // (too_many_connections) instead of waiting in the accept queue.
  const int pool_threads = connections.max_connections + 4;
  auto params = [pool_threads] {
    auto* p = new Poco::Net::TCPServerParams;
    p->setMaxThreads(pool_threads);
    p->setMaxQueued(64);
    return p;
  };
  // Each connection holds a thread for its lifetime, so each port gets its own pool.
  Poco::ThreadPool client_pool(2, pool_threads);
  Poco::ThreadPool slave_pool(2, pool_threads);
  Poco::Net::TCPServer client_server(
      new ConnectionFactory<ClientConnection>(scheduler, connections), client_pool, client_socket,
      params());
  Poco::Net::TCPServer slave_server(new ConnectionFactory<SlaveConnection>(scheduler, connections),
                                    slave_pool, slave_socket, params());
  client_server.start();
  slave_server.start();
  // HTTP requests hold a pool thread while their job runs; those over the pool wait in the
  // server's queue (master.http.backlog), beyond it they are closed.
  // Callbacks (docs/http-api.md) only where the operator allows some destination.
  std::unique_ptr<CallbackSender> callbacks;
  if (!cfg.callbacks.allow.empty()) callbacks = std::make_unique<CallbackSender>(cfg.callbacks);
  HttpApi http_api(scheduler, hs, callbacks.get());
  http_api.resumeCallbacks(scheduler->takeRecoveredCallbacks());
  Poco::ThreadPool http_pool(2, hs.threads);
  std::unique_ptr<HttpServer> http_server;
  if (http_enabled) {
    http_server =
        std::make_unique<HttpServer>(http_api.factory(), http_pool, http_socket, cfg.http_server);
    http_server->start();
  }
  const int client_port = client_socket.address().port();
  const int slave_port = slave_socket.address().port();
  const int http_port = http_enabled ? http_socket.address().port() : 0;
  logger().information(
      "polyrun-master listening on %s: clients on port %d, slaves on port %d, %s%s%s", bind,
      client_port, slave_port,
      http_enabled ? (tls ? "HTTPS on port " : "HTTP on port ") + std::to_string(http_port)
                   : std::string("no HTTP"),
      std::string(tls ? ", TLS only" : ""), journal ? ", journal " + jc.path : std::string());

  events.publish(makeEvent(
      EventLevel::kInfo, event_kind::kMasterStarted,
      "polyrun-master started: clients on port " + std::to_string(client_port) +
          ", slaves on port " + std::to_string(slave_port) +
          (http_enabled ? ", HTTP on port " + std::to_string(http_port) : std::string())));

  // Scripts and tests that start the master on port 0 learn its ports here, and know it is up.
  const std::string& ready_file = cfg.ready_file;
  if (!ready_file.empty()) {
    const std::string tmp = ready_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << "{\"client_port\": " << client_port << ", \"slave_port\": " << slave_port
          << ", \"http_port\": " << http_port << ", \"pid\": " << ::getpid() << "}\n";
    }
    Poco::File(tmp).renameTo(ready_file);
  }

  waitForTerminationRequest();
  events.publish(makeEvent(EventLevel::kInfo, event_kind::kMasterStopping,
                           "polyrun-master is stopping: no new job; running jobs get up to " +
                               std::to_string(shutdown_timeout.count()) +
                               " ms (master.shutdown.timeout.ms)"));
  // Stop accepting, let running jobs finish for a while; what is left stays journaled.
  logger().information(
      "polyrun-master stopping: no new connection or job; waiting up to %s ms for "
      "running jobs",
      std::to_string(shutdown_timeout.count()));
  client_server.stop();
  slave_server.stop();
  if (http_server) http_server->stop();
  client_socket.close();  // new connections are refused rather than left waiting
  slave_socket.close();
  if (http_enabled) http_socket.close();
  scheduler->beginShutdown();
  if (!scheduler->waitUntilIdle(shutdown_timeout)) {
    logger().warning("jobs still running after master.shutdown.timeout.ms; %s",
                     journal
                         ? std::string("they stay in the journal and run again at the next start")
                         : std::string("without a journal they are lost"));
  }
  if (journal) journal->flush();  // results committed, and their messages handed to the peers
  // Event streams end; HTTP requests still waiting for a job are answered 503 now; then their
  // connections close.
  events.close();
  http_api.stop();
  if (http_server) http_server->stopAll(false);
  if (callbacks) callbacks->stop();  // those not delivered yet are logged; results stay fetchable
  scheduler->shutdown();
  client_pool.joinAll();
  slave_pool.joinAll();
  http_pool.joinAll();
  journal.reset();  // its callbacks call into the scheduler: gone before it
  if (!ready_file.empty()) Poco::File(ready_file).remove();
  logger().information("polyrun-master stopped");
  return EXIT_OK;
}

}  // namespace
}  // namespace polyrun::master

POCO_SERVER_MAIN(polyrun::master::MasterApp)
