// polyrun-master: accepts clients and slaves, routes jobs. Configuration keys are documented in
// docs/configuration.md.
#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerParams.h>

#include <fstream>
#include <iostream>

#include "connections.h"
#include "polyrun/job_executor.h"
#include "polyrun/service_app.h"
#include "scheduler.h"

namespace polyrun::master {
namespace {

class MasterApp final : public ServiceApp {
 public:
  MasterApp() : ServiceApp("polyrun-master: routes code-execution jobs from clients to slaves.") {}

 protected:
  int runService(const std::vector<std::string>&) override;

 private:
  StageLimits stageLimits(const std::string& stage, const StageLimits& def, bool max) const;
  Poco::Net::ServerSocket listen(const std::string& bind, const std::string& key, int def_port) const;
};

StageLimits MasterApp::stageLimits(const std::string& stage, const StageLimits& def, bool max) const {
  const std::string suffix = max ? ".max" : "";
  const std::string p = "master.limits." + stage + ".";
  StageLimits l;
  l.wall_ms = checkedInt(p + "wall_ms" + suffix, def.wall_ms, 1, 24ll * 3600 * 1000);
  l.cpu_ms = checkedInt(p + "cpu_ms" + suffix, def.cpu_ms, 1, 24ll * 3600 * 1000);
  l.memory_bytes = checkedInt(p + "memory_bytes" + suffix, def.memory_bytes, 1 << 20, 1ll << 40);
  return l;
}

Poco::Net::ServerSocket MasterApp::listen(const std::string& bind, const std::string& key,
                                          int def_port) const {
  const int port = static_cast<int>(checkedInt(key, def_port, 0, 65535));
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(bind, static_cast<Poco::UInt16>(port)), true);
    socket.listen(256);
  } catch (const Poco::Exception& e) {
    throw ConfigError("cannot listen on " + bind + ":" + std::to_string(port) + " (" + key +
                      "): " + e.displayText() + "; is another master running? choose another port");
  }
  return socket;
}

int MasterApp::runService(const std::vector<std::string>&) {
  const std::string bind = config().getString("master.bind", "127.0.0.1");
  ConnectionSettings settings;
  settings.slave_token = requiredString("master.slave.token");
  settings.max_frame_bytes = static_cast<size_t>(
      checkedInt("master.frame.max.bytes", 16ll << 20, 1024, 1ll << 30));
  SchedulerConfig sc;
  sc.heartbeat_ms = static_cast<int>(checkedInt("master.heartbeat.ms", 1000, 10, 600000));
  settings.heartbeat_timeout_ms =
      static_cast<int>(checkedInt("master.heartbeat.timeout.ms", 5 * sc.heartbeat_ms, sc.heartbeat_ms * 2, 3600000));
  sc.queue_max = static_cast<size_t>(checkedInt("master.queue.max", 1000, 1, 10000000));
  sc.max_attempts = static_cast<int>(checkedInt("master.job.attempts", 3, 1, 100));
  const Limits def = defaultLimits();
  sc.defaults.run = stageLimits("run", def.run, false);
  sc.defaults.compile = stageLimits("compile", def.compile, false);
  sc.maxima.run = stageLimits("run", {30000, 30000, 2ll << 30}, true);
  sc.maxima.compile = stageLimits("compile", {60000, 60000, 2ll << 30}, true);
  sc.defaults.output_bytes = checkedInt("master.limits.output_bytes", def.output_bytes, 1, 1ll << 30);
  sc.maxima.output_bytes = checkedInt("master.limits.output_bytes.max", 16ll << 20, 1, 1ll << 30);
  sc.defaults.processes = checkedInt("master.limits.processes", def.processes, 1, 100000);
  sc.maxima.processes = checkedInt("master.limits.processes.max", 256, 1, 100000);
  sc.max_stdin_bytes = checkedInt("master.limits.stdin_bytes.max", 16ll << 20, 0, 1ll << 30);
  const int max_connections = static_cast<int>(checkedInt("master.connections.max", 256, 2, 100000));

  auto scheduler = std::make_shared<Scheduler>(sc);
  Poco::Net::ServerSocket client_socket = listen(bind, "master.client.port", 7400);
  Poco::Net::ServerSocket slave_socket = listen(bind, "master.slave.port", 7401);

  auto params = [max_connections] {
    auto* p = new Poco::Net::TCPServerParams;
    p->setMaxThreads(max_connections);
    p->setMaxQueued(max_connections);
    return p;
  };
  // Each connection holds a thread for its lifetime, so each port gets its own pool.
  static Poco::ThreadPool client_pool(2, max_connections);
  static Poco::ThreadPool slave_pool(2, max_connections);
  Poco::Net::TCPServer client_server(
      new ConnectionFactory<ClientConnection>(scheduler, settings), client_pool, client_socket, params());
  Poco::Net::TCPServer slave_server(
      new ConnectionFactory<SlaveConnection>(scheduler, settings), slave_pool, slave_socket, params());
  client_server.start();
  slave_server.start();
  const int client_port = client_socket.address().port();
  const int slave_port = slave_socket.address().port();
  logger().information("polyrun-master listening on %s: clients on port %d, slaves on port %d", bind,
                       client_port, slave_port);

  // Scripts and tests that start the master on port 0 learn its ports here, and know it is up.
  const std::string ready_file = config().getString("master.ready.file", "");
  if (!ready_file.empty()) {
    const std::string tmp = ready_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << "{\"client_port\": " << client_port << ", \"slave_port\": " << slave_port
          << ", \"pid\": " << ::getpid() << "}\n";
    }
    Poco::File(tmp).renameTo(ready_file);
  }

  waitForTerminationRequest();
  logger().information("polyrun-master stopping");
  client_server.stop();
  slave_server.stop();
  scheduler->shutdown();
  client_pool.joinAll();
  slave_pool.joinAll();
  if (!ready_file.empty()) Poco::File(ready_file).remove();
  return EXIT_OK;
}

}  // namespace
}  // namespace polyrun::master

POCO_SERVER_MAIN(polyrun::master::MasterApp)
