// polyrun-master: accepts clients and slaves, routes jobs, journals them. Configuration keys are
// documented in docs/configuration.md; the shutdown sequence in docs/architecture.md ("Faults
// and recovery").
#include <Poco/File.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "connections.h"
#include "http_api.h"
#include "http_server.h"
#include "journal.h"
#include "polyrun/job_executor.h"
#include "polyrun/job_json.h"
#include "polyrun/service_app.h"
#include "polyrun/tls.h"
#include "scheduler.h"

namespace polyrun::master {
namespace {
using std::chrono::milliseconds;

// Every key the master reads (docs/configuration.md); others under "master." are warned about.
// Prefixes ending in '.' admit the keys below them.
const std::vector<std::string> kMasterKeys = {
    "master.bind", "master.client.port", "master.slave.port", "master.http.", "master.slave.token",
    "master.slave.token.file", "master.slave.tokens.file", "master.client.tokens",
    "master.client.tokens.file", "master.operator.tokens", "master.operator.tokens.file",
    "master.monitor.other_jobs", "master.client.auth.loopback",
    "master.journal.path", "master.journal.sync", "master.results.retention.s",
    "master.journal.max.bytes", "master.journal.client.max.bytes",
    "master.results.memory.max", "master.results.memory.bytes", "master.ready.file",
    "master.heartbeat.ms", "master.heartbeat.timeout.ms", "master.register.timeout.ms",
    "master.queue.max", "master.job.attempts", "master.frame.max.bytes", "master.frame.timeout.ms",
    "master.client.idle.ms", "master.client.auth.timeout.ms", "master.connections.max",
    "master.connections.per.address", "master.connections.per.address.loopback", "master.shutdown.timeout.ms",
    "master.limits.run.wall_ms", "master.limits.run.wall_ms.max", "master.limits.run.cpu_ms",
    "master.limits.run.cpu_ms.max", "master.limits.run.memory_bytes",
    "master.limits.run.memory_bytes.max", "master.limits.compile.wall_ms",
    "master.limits.compile.wall_ms.max", "master.limits.compile.cpu_ms",
    "master.limits.compile.cpu_ms.max", "master.limits.compile.memory_bytes",
    "master.limits.compile.memory_bytes.max", "master.limits.output_bytes",
    "master.limits.output_bytes.max", "master.limits.processes", "master.limits.processes.max",
    "master.limits.stdin_bytes.max", "master.tls.enabled", "master.tls.certificate", "master.tls.key"};

class MasterApp final : public ServiceApp {
 public:
  MasterApp() : ServiceApp("polyrun-master: routes code-execution jobs from clients to slaves.") {
    setKnownKeys("master.", kMasterKeys);
  }

 protected:
  int runService(const std::vector<std::string>&) override;

 private:
  StageLimits stageLimits(const std::string& stage, const StageLimits& def, bool max) const;
  void checkResultsFit(const SchedulerConfig& sc);
  Poco::Net::ServerSocket listen(const std::string& bind, const std::string& key, int def_port,
                                 const Poco::Net::Context::Ptr& tls = nullptr) const;
  bool checkedBool(const std::string& key, bool def) const;
  std::vector<std::string> tokenList(const std::string& key) const;
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

// Slaves cut results to fit a frame (docs/protocol.md, "Results fit"): refuses a frame limit
// with no room for a result, and says from which output size results are cut.
void MasterApp::checkResultsFit(const SchedulerConfig& sc) {
  const size_t frame = sc.max_frame_bytes;
  const auto fits = [&](int64_t output_bytes) {
    return worstCaseResultBytes(output_bytes) + kResultFrameReserveBytes <= frame;
  };
  if (!fits(0))
    throw ConfigError("master.frame.max.bytes = " + std::to_string(frame) + " leaves no room for a result; "
                      "set at least " + std::to_string(worstCaseResultBytes(0) + kResultFrameReserveBytes));
  int64_t whole = 0;  // the largest output per stream that always arrives whole
  for (int64_t step = int64_t{1} << 40; step > 0; step /= 2)
    if (fits(whole + step)) whole += step;
  if (!fits(sc.defaults.output_bytes)) {
    logger().warning("master.frame.max.bytes = %z: a job within the default output limit "
                     "(master.limits.output_bytes = %s) may have its output cut to fit a frame; outputs "
                     "of up to %s bytes per stream always arrive whole", frame,
                     std::to_string(sc.defaults.output_bytes), std::to_string(whole));
  } else if (!fits(sc.maxima.output_bytes)) {
    logger().information("a job asking for more than %s bytes of output per stream (up to "
                         "master.limits.output_bytes.max = %s) may have it cut to fit a frame "
                         "(master.frame.max.bytes = %z)", std::to_string(whole),
                         std::to_string(sc.maxima.output_bytes), frame);
  }
}

bool MasterApp::checkedBool(const std::string& key, bool def) const {
  const std::string raw = Poco::toLower(Poco::trim(config().getString(key, "")));
  if (raw.empty()) return def;
  if (raw == "true" || raw == "yes" || raw == "on" || raw == "1") return true;
  if (raw == "false" || raw == "no" || raw == "off" || raw == "0") return false;
  throw ConfigError(key + " = \"" + raw + "\" is not a boolean; use true or false");
}

// "a, b,c" -> {"a", "b", "c"}: comma-separated, blanks around entries ignored; plus those of the
// file `key`.file, one per line or comma-separated, which only the master's user may read.
std::vector<std::string> MasterApp::tokenList(const std::string& key) const {
  std::string text = config().getString(key, "");
  const std::string path = config().getString(key + ".file", "");
  if (!path.empty()) {
    std::ifstream in(path);
    struct stat st {};
    if (!in || ::stat(path.c_str(), &st) != 0)
      throw ConfigError(key + ".file = " + path + " cannot be read (" + std::strerror(errno) +
                        "); the master's user needs read access to it");
    if ((st.st_mode & 077) != 0)
      throw ConfigError(key + ".file = " + path + " can be read or written by other users: make it the "
                        "master's user's alone (chmod 600)");
    std::ostringstream content;
    content << in.rdbuf();
    text += "," + content.str();
  }
  std::replace(text.begin(), text.end(), '\n', ',');
  std::vector<std::string> tokens;
  Poco::StringTokenizer parts(text, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  for (const auto& t : parts) tokens.push_back(t);
  return tokens;
}

// With `tls`, connections accepted are TLS (Poco does the handshake in the connection's thread).
Poco::Net::ServerSocket MasterApp::listen(const std::string& bind, const std::string& key,
                                          int def_port, const Poco::Net::Context::Ptr& tls) const {
  const int port = static_cast<int>(checkedInt(key, def_port, 0, 65535));
  Poco::Net::ServerSocket socket = tls ? Poco::Net::SecureServerSocket(tls) : Poco::Net::ServerSocket();
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
  const std::string bind = config().getString("master.bind", "127.0.0.1");
  ConnectionSettings settings;
  // Per-slave tokens when the file is given; else the one shared token.
  if (const std::string path = config().getString("master.slave.tokens.file", ""); !path.empty()) {
    std::string error;
    settings.slave_credentials = SlaveCredentials::fromFile(path, &error);
    if (!settings.slave_credentials) throw ConfigError(error);
    logger().information("slaves register with their own tokens (%z in master.slave.tokens.file)",
                         settings.slave_credentials->size());
  } else {
    settings.slave_credentials = SlaveCredentials::shared(requiredSecret("master.slave.token"));
  }
  settings.max_frame_bytes = static_cast<size_t>(
      checkedInt("master.frame.max.bytes", 16ll << 20, 1024, 1ll << 30));
  // A peer may fall this far behind in reading before it counts as gone.
  settings.max_output_bytes = 4 * settings.max_frame_bytes + (1u << 20);
  settings.client_tokens = tokenList("master.client.tokens");
  settings.operator_tokens = tokenList("master.operator.tokens");
  settings.client_auth_loopback = checkedBool("master.client.auth.loopback", false);
  // TLS: the client and slave ports speak it in SocketPeer (OpenSSL over their own fds), the
  // HTTP port through Poco's SecureServerSocket; one context serves all three.
  Poco::Net::Context::Ptr tls;
  if (checkedBool("master.tls.enabled", false)) {
    try {
      tls = makeTlsServerContext(config().getString("master.tls.certificate", ""),
                                 config().getString("master.tls.key", ""), "master.tls.certificate",
                                 "master.tls.key");
    } catch (const std::runtime_error& e) {
      throw ConfigError(std::string(e.what()) + " (master.tls.enabled is true)");
    }
    settings.tls = tls->sslContext();
  }
  settings.register_timeout = milliseconds(checkedInt("master.register.timeout.ms", 10000, 100, 3600000));
  settings.client_idle = milliseconds(checkedInt("master.client.idle.ms", 300000, 100, 86400000));
  settings.frame_timeout = milliseconds(checkedInt("master.frame.timeout.ms", 30000, 100, 3600000));
  SchedulerConfig sc;
  sc.heartbeat_ms = static_cast<int>(checkedInt("master.heartbeat.ms", 1000, 10, 600000));
  settings.heartbeat_timeout = milliseconds(
      checkedInt("master.heartbeat.timeout.ms", 5 * sc.heartbeat_ms, sc.heartbeat_ms * 2, 3600000));
  sc.queue_max = static_cast<size_t>(checkedInt("master.queue.max", 1000, 1, 10000000));
  sc.max_attempts = static_cast<int>(checkedInt("master.job.attempts", 3, 1, 100));
  sc.result_retention_ms = checkedInt("master.results.retention.s", 3600, 1, 366ll * 86400) * 1000;
  sc.results_in_memory = static_cast<size_t>(checkedInt("master.results.memory.max", 10000, 0, 100000000));
  sc.results_memory_bytes =
      static_cast<size_t>(checkedInt("master.results.memory.bytes", 256ll << 20, 0, 1ll << 40));
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
  sc.max_frame_bytes = settings.max_frame_bytes;
  checkResultsFit(sc);
  const std::string other_jobs = Poco::toLower(Poco::trim(config().getString("master.monitor.other_jobs", "none")));
  if (other_jobs == "none") sc.other_jobs = OtherJobs::kNone;
  else if (other_jobs == "summary") sc.other_jobs = OtherJobs::kSummary;
  else if (other_jobs == "all") sc.other_jobs = OtherJobs::kAll;
  else throw ConfigError("master.monitor.other_jobs = \"" + other_jobs + "\" must be none, summary or all");
  const int max_connections = static_cast<int>(checkedInt("master.connections.max", 256, 2, 100000));
  settings.max_connections = max_connections;
  // One address may not take a port's every slot; loopback peers (a proxy, the CLI) only when asked.
  const int per_address = static_cast<int>(checkedInt("master.connections.per.address", 32, 0, 100000));
  const bool per_address_loopback = checkedBool("master.connections.per.address.loopback", false);
  settings.per_address = per_address;
  settings.per_address_loopback = per_address_loopback;
  settings.auth_timeout = milliseconds(checkedInt("master.client.auth.timeout.ms", 10000, 100, 3600000));
  const milliseconds shutdown_timeout(checkedInt("master.shutdown.timeout.ms", 30000, 0, 3600000));

  JournalConfig jc;
  jc.path = config().getString("master.journal.path", "");
  jc.retention_ms = sc.result_retention_ms;
  const std::string sync = Poco::toLower(config().getString("master.journal.sync", "normal"));
  if (sync != "normal" && sync != "full")
    throw ConfigError("master.journal.sync = \"" + sync + "\" must be normal or full");
  jc.full_sync = sync == "full";
  // A result is at most a frame: a bound below that could not keep even the newest one.
  const auto frame_bytes = static_cast<int64_t>(settings.max_frame_bytes);
  jc.max_bytes = checkedInt("master.journal.max.bytes", std::max(int64_t{1} << 30, frame_bytes), frame_bytes,
                            int64_t{1} << 50);
  jc.client_max_bytes =
      checkedInt("master.journal.client.max.bytes",
                 std::max(std::min(int64_t{256} << 20, jc.max_bytes), frame_bytes), frame_bytes, jc.max_bytes);
  std::unique_ptr<Journal> journal;
  if (!jc.path.empty()) {
    std::string error;
    journal = Journal::open(jc, &error);
    if (!journal) throw ConfigError(error);
  } else {
    logger().warning("master.journal.path is not set: accepted jobs live in memory only and a restart "
                     "of the master loses those not finished");
  }
  if (!settings.client_tokens.empty())
    logger().information("clients must authenticate with one of %z tokens%s", settings.client_tokens.size(),
                         settings.client_auth_loopback ? std::string() : std::string(" (not on loopback)"));

  const bool http_enabled = checkedBool("master.http.enabled", true);
  HttpSettings hs;
  hs.max_body_bytes = static_cast<size_t>(checkedInt("master.http.body.max.bytes", 16ll << 20, 1024, 1ll << 30));
  hs.threads = static_cast<int>(checkedInt("master.http.threads", 256, hs.reserved_threads + 1, 100000));
  const int http_backlog = static_cast<int>(checkedInt("master.http.backlog", 1024, 1, 1000000));
  HttpServerSettings server;
  server.threads = hs.threads;
  server.backlog = http_backlog;
  server.read_timeout = milliseconds(checkedInt("master.http.timeout.ms", 30000, 100, 3600000));
  server.request_timeout = milliseconds(checkedInt("master.http.request.timeout.ms", 60000, 100, 3600000));
  server.per_address = per_address;
  server.per_address_loopback = per_address_loopback;
  hs.client_tokens = settings.client_tokens;
  hs.operator_tokens = settings.operator_tokens;
  hs.auth_loopback = settings.client_auth_loopback;
  hs.queue_wait = milliseconds(checkedInt("master.http.queue.wait.ms", 60000, 100, 86400000));
  // Processes started on port 0 (tests, scripts) get a free HTTP port too, unless they name one.
  const int http_default_port = checkedInt("master.client.port", 7400, 0, 65535) == 0 ? 0 : 7480;

  auto scheduler = std::make_shared<Scheduler>(sc, journal.get());
  scheduler->recover();
  Poco::Net::ServerSocket client_socket = listen(bind, "master.client.port", 7400);
  Poco::Net::ServerSocket slave_socket = listen(bind, "master.slave.port", 7401);
  Poco::Net::ServerSocket http_socket;
  if (http_enabled) http_socket = listen(bind, "master.http.port", http_default_port, tls);

  // A few threads beyond the limit, so that a connection over it is answered with an error
  // (too_many_connections) instead of waiting in the accept queue.
  const int pool_threads = max_connections + 4;
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
      new ConnectionFactory<ClientConnection>(scheduler, settings), client_pool, client_socket, params());
  Poco::Net::TCPServer slave_server(
      new ConnectionFactory<SlaveConnection>(scheduler, settings), slave_pool, slave_socket, params());
  client_server.start();
  slave_server.start();
  // HTTP requests hold a pool thread while their job runs; those over the pool wait in the
  // server's queue (master.http.backlog), beyond it they are closed.
  HttpApi http_api(scheduler, hs);
  Poco::ThreadPool http_pool(2, hs.threads);
  std::unique_ptr<HttpServer> http_server;
  if (http_enabled) {
    http_server = std::make_unique<HttpServer>(http_api.factory(), http_pool, http_socket, server);
    http_server->start();
  }
  const int client_port = client_socket.address().port();
  const int slave_port = slave_socket.address().port();
  const int http_port = http_enabled ? http_socket.address().port() : 0;
  logger().information("polyrun-master listening on %s: clients on port %d, slaves on port %d, %s%s%s", bind,
                       client_port, slave_port,
                       http_enabled ? (tls ? "HTTPS on port " : "HTTP on port ") + std::to_string(http_port)
                                    : std::string("no HTTP"),
                       std::string(tls ? ", TLS only" : ""),
                       journal ? ", journal " + jc.path : std::string());

  // Scripts and tests that start the master on port 0 learn its ports here, and know it is up.
  const std::string ready_file = config().getString("master.ready.file", "");
  if (!ready_file.empty()) {
    const std::string tmp = ready_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << "{\"client_port\": " << client_port << ", \"slave_port\": " << slave_port
          << ", \"http_port\": " << http_port
          << ", \"pid\": " << ::getpid() << "}\n";
    }
    Poco::File(tmp).renameTo(ready_file);
  }

  waitForTerminationRequest();
  // Stop accepting, let running jobs finish for a while; what is left stays journaled.
  logger().information("polyrun-master stopping: no new connection or job; waiting up to %s ms for "
                       "running jobs", std::to_string(shutdown_timeout.count()));
  client_server.stop();
  slave_server.stop();
  if (http_server) http_server->stop();
  client_socket.close();  // new connections are refused rather than left waiting
  slave_socket.close();
  if (http_enabled) http_socket.close();
  scheduler->beginShutdown();
  if (!scheduler->waitUntilIdle(shutdown_timeout)) {
    logger().warning("jobs still running after master.shutdown.timeout.ms; %s",
                     journal ? std::string("they stay in the journal and run again at the next start")
                             : std::string("without a journal they are lost"));
  }
  if (journal) journal->flush();  // results committed, and their messages handed to the peers
  // HTTP requests still waiting for a job are answered 503 now; then their connections close.
  http_api.stop();
  if (http_server) http_server->stopAll(false);
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
