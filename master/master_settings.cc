#include "master_settings.h"

#include "polyrun/job.h"
#include "polyrun/job_json.h"

namespace polyrun::master {
namespace {
using std::chrono::milliseconds;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kDayMs = int64_t{24} * 3600 * 1000;

// master.limits.<stage>.{wall_ms,cpu_ms,memory_bytes}[.max]
void addStageLimitKeys(std::vector<KeySpec>& keys, const std::string& stage, const StageLimits& def,
                       const StageLimits& max) {
  const std::string p = "master.limits." + stage + ".";
  keys.push_back(
      intKey(p + "wall_ms", def.wall_ms, 1, kDayMs, stage + " stage wall-clock limit (default)"));
  keys.push_back(intKey(p + "wall_ms.max", max.wall_ms, 1, kDayMs,
                        stage + " stage wall-clock limit (maximum)"));
  keys.push_back(
      intKey(p + "cpu_ms", def.cpu_ms, 1, kDayMs, stage + " stage CPU time limit (default)"));
  keys.push_back(
      intKey(p + "cpu_ms.max", max.cpu_ms, 1, kDayMs, stage + " stage CPU time limit (maximum)"));
  keys.push_back(intKey(p + "memory_bytes", def.memory_bytes, kMiB, int64_t{1} << 40,
                        stage + " stage memory limit (default)"));
  keys.push_back(intKey(p + "memory_bytes.max", max.memory_bytes, kMiB, int64_t{1} << 40,
                        stage + " stage memory limit (maximum)"));
}

ConfigTable makeTable() {
  const Limits def = defaultLimits();
  std::vector<KeySpec> k = {
      stringKey("master.bind", "127.0.0.1", "address every port listens on"),
      intKey("master.client.port", 7400, 0, 65535, "port for clients; 0: the kernel chooses"),
      intKey("master.slave.port", 7401, 0, 65535, "port for slaves; 0: the kernel chooses"),
      intKey("master.http.port", 7480, 0, 65535,
             "port of the HTTP API; 0 when master.client.port is 0"),
      pathKey("master.slave.tokens.file", "", "a token per slave: slave-name = token lines"),
      secretKey("master.slave.token", "required without master.slave.tokens.file (or the next key)",
                "the one token every slave presents"),
      pathKey("master.slave.token.file", "", "file whose first line is master.slave.token"),
      secretListKey("master.client.tokens", "API tokens clients authenticate with"),
      pathKey("master.client.tokens.file", "", "more client tokens, from a file"),
      secretListKey("master.operator.tokens", "tokens of operators, who see every job"),
      pathKey("master.operator.tokens.file", "", "more operator tokens, from a file"),
      enumKey("master.monitor.other_jobs", "none", {"none", "summary", "all"},
              "what a client sees of other clients' jobs"),
      boolKey("master.client.auth.loopback", false, "clients on loopback need a token too"),
      pathKey("master.journal.path", "", "SQLite journal of jobs and outcomes; none: memory only"),
      intKey("master.journal.max.bytes", int64_t{1} << 30, 1024, int64_t{1} << 50,
             "most bytes of results the journal keeps (at least a frame)"),
      intKey("master.journal.client.max.bytes", int64_t{256} << 20, 1024, int64_t{1} << 50,
             "most bytes of results the journal keeps per client"),
      enumKey("master.journal.sync", "normal", {"normal", "full"}, "full: fsync every commit"),
      intKey("master.results.retention.s", 3600, 1, int64_t{366} * 86400,
             "how long results answer lookups"),
      intKey("master.results.memory.max", 10000, 0, 100000000, "most finished jobs kept in memory"),
      intKey("master.results.memory.bytes", 256 * kMiB, 0, int64_t{1} << 40,
             "and most bytes of them"),
      pathKey("master.ready.file", "", "file the master writes its ports to once it listens"),
      intKey("master.heartbeat.ms", 1000, 10, 600000, "how often slaves send a heartbeat"),
      computedIntKey("master.heartbeat.timeout.ms", "5 × heartbeat", 20, 3600000,
                     "a slave silent this long is dropped (at least 2 × heartbeat)"),
      intKey("master.register.timeout.ms", 10000, 100, 3600000,
             "a slave must register within this"),
      intKey("master.queue.max", 1000, 1, 10000000, "jobs waiting per language"),
      intKey("master.job.attempts", 3, 1, 100, "assignments of one job before it fails"),
      intKey("master.frame.max.bytes", 16 * kMiB, 1024, int64_t{1} << 30, "largest frame accepted"),
      intKey("master.frame.timeout.ms", 30000, 100, 3600000,
             "a frame must arrive whole within this"),
      intKey("master.client.idle.ms", 300000, 100, 86400000, "an idle client connection is closed"),
      intKey("master.client.auth.timeout.ms", 10000, 100, 3600000,
             "a client's first request must arrive within this"),
      intKey("master.connections.max", 256, 2, 100000, "connections served at once, per port"),
      intKey("master.connections.per.address", 32, 0, 100000,
             "connections per client address and port"),
      boolKey("master.connections.per.address.loopback", false, "the cap above also for loopback"),
      intKey("master.shutdown.timeout.ms", 30000, 0, 3600000,
             "on SIGTERM, wait this long for jobs"),
      boolKey("master.tls.enabled", false, "every port speaks only TLS"),
      pathKey("master.tls.certificate", "", "PEM file of the master's certificate"),
      pathKey("master.tls.key", "", "PEM file of the certificate's private key"),
      boolKey("master.http.enabled", true, "false: no HTTP port"),
      intKey("master.http.threads", 256, HttpSettings{}.reserved_threads + 1, 100000,
             "HTTP requests served at once"),
      intKey("master.http.backlog", 1024, 1, 1000000, "HTTP connections waiting for a thread"),
      intKey("master.http.body.max.bytes", 16 * kMiB, 1024, int64_t{1} << 30,
             "largest HTTP request body"),
      intKey("master.http.timeout.ms", 30000, 100, 3600000,
             "an HTTP connection silent this long is closed"),
      intKey("master.http.request.timeout.ms", 60000, 100, 3600000,
             "an HTTP request must arrive within this"),
      intKey("master.http.queue.wait.ms", 60000, 100, 86400000,
             "an execute request waits this long for a slave"),
      intKey("master.http.batch.max", 100, 1, 100000, "jobs in one batch request"),
      listKey("master.callback.allow",
              "URL prefixes a callback_url may start with; none: callbacks refused"),
      secretKey("master.callback.secret", "required with master.callback.allow (or the next key)",
                "the HMAC-SHA256 key callbacks are signed with"),
      pathKey("master.callback.secret.file", "", "file whose first line is master.callback.secret"),
      intKey("master.callback.attempts", 6, 1, 100, "deliveries of a callback tried"),
      intKey("master.callback.retry.ms", 1000, 10, 3600000,
             "delay before the second try, doubled each try after"),
      intKey("master.callback.retry.max.ms", 60000, 10, 86400000, "longest delay between tries"),
      intKey("master.callback.timeout.ms", 5000, 100, 600000, "one delivery's deadline"),
      intKey("master.callback.pending.max", 10000, 1, 10000000,
             "callbacks waiting for their job or a retry"),
      intKey("master.callback.threads", 2, 1, 256, "deliveries made at once"),
  };
  addStageLimitKeys(k, "run", def.run, {30000, 30000, int64_t{2} << 30});
  addStageLimitKeys(k, "compile", def.compile, {60000, 60000, int64_t{2} << 30});
  k.push_back(intKey("master.limits.output_bytes", def.output_bytes, 1, int64_t{1} << 30,
                     "output kept per stream per stage (default)"));
  k.push_back(intKey("master.limits.output_bytes.max", 16 * kMiB, 1, int64_t{1} << 30,
                     "output kept per stream per stage (maximum)"));
  k.push_back(
      intKey("master.limits.processes", def.processes, 1, 100000, "processes per stage (default)"));
  k.push_back(
      intKey("master.limits.processes.max", 256, 1, 100000, "processes per stage (maximum)"));
  k.push_back(intKey("master.limits.stdin_bytes.max", 16 * kMiB, 0, int64_t{1} << 30,
                     "largest stdin of a job (and of each of its test cases)"));
  k.push_back(intKey("master.limits.tests.max", 1000, 1, 1000000,
                     "test cases of a judged job (docs/judging.md)"));
  k.push_back(intKey("master.limits.interactive.wall_ms", 300000, 1, 86400000,
                     "run wall-clock limit of an interactive job (default)"));
  k.push_back(intKey("master.limits.interactive.wall_ms.max", 1800000, 1, 86400000,
                     "run wall-clock limit of an interactive job (maximum)"));
  k.push_back(intKey("master.limits.idle_ms", 30000, 100, 86400000,
                     "an interactive job with no input and no output this long ends (default)"));
  k.push_back(intKey("master.limits.idle_ms.max", 300000, 100, 86400000,
                     "idle limit of an interactive job (maximum)"));
  k.push_back(
      intKey("master.stream.buffer.bytes", kMiB, 4096, int64_t{1} << 30,
             "live output queued for a client that does not read, past which it is dropped"));
  return ConfigTable{"master.", std::move(k)};
}

StageLimits stageLimits(const ConfigReader& config, const std::string& stage, bool max) {
  const std::string suffix = max ? ".max" : "";
  const std::string p = "master.limits." + stage + ".";
  StageLimits l;
  l.wall_ms = config.integer(p + "wall_ms" + suffix);
  l.cpu_ms = config.integer(p + "cpu_ms" + suffix);
  l.memory_bytes = config.integer(p + "memory_bytes" + suffix);
  return l;
}

// Slaves cut results to fit a frame (docs/protocol.md, "Results fit"): refuses a frame limit
// with no room for a result, and says from which output size results are cut.
void checkResultsFit(const SchedulerConfig& sc, Poco::Logger& log) {
  const size_t frame = sc.max_frame_bytes;
  const auto fits = [&](int64_t output_bytes) {
    return worstCaseResultBytes(output_bytes) + kResultFrameReserveBytes <= frame;
  };
  if (!fits(0))
    throw ConfigError("master.frame.max.bytes = " + std::to_string(frame) +
                      " leaves no room for a result; "
                      "set at least " +
                      std::to_string(worstCaseResultBytes(0) + kResultFrameReserveBytes));
  int64_t whole = 0;  // the largest output per stream that always arrives whole
  for (int64_t step = int64_t{1} << 40; step > 0; step /= 2)
    if (fits(whole + step)) whole += step;
  if (!fits(sc.defaults.output_bytes)) {
    log.warning(
        "master.frame.max.bytes = %z: a job within the default output limit "
        "(master.limits.output_bytes = %s) may have its output cut to fit a frame; outputs "
        "of up to %s bytes per stream always arrive whole",
        frame, std::to_string(sc.defaults.output_bytes), std::to_string(whole));
  } else if (!fits(sc.maxima.output_bytes)) {
    log.information(
        "a job asking for more than %s bytes of output per stream (up to "
        "master.limits.output_bytes.max = %s) may have it cut to fit a frame "
        "(master.frame.max.bytes = %z)",
        std::to_string(whole), std::to_string(sc.maxima.output_bytes), frame);
  }
}

ConnectionSettings readConnections(const ConfigReader& config) {
  ConnectionSettings c;
  // Per-slave tokens when the file is given; else the one shared token.
  if (const std::string path = config.string("master.slave.tokens.file"); !path.empty()) {
    std::string error;
    c.slave_credentials = SlaveCredentials::fromFile(path, &error);
    if (!c.slave_credentials) throw ConfigError(error);
  } else {
    c.slave_credentials = SlaveCredentials::shared(config.requiredSecret("master.slave.token"));
  }
  c.max_frame_bytes = static_cast<size_t>(config.integer("master.frame.max.bytes"));
  // A peer may fall this far behind in reading before it counts as gone.
  c.max_output_bytes = 4 * c.max_frame_bytes + (1u << 20);
  c.client_tokens = config.secretList("master.client.tokens");
  c.operator_tokens = config.secretList("master.operator.tokens");
  c.client_auth_loopback = config.boolean("master.client.auth.loopback");
  c.register_timeout = milliseconds(config.integer("master.register.timeout.ms"));
  c.client_idle = milliseconds(config.integer("master.client.idle.ms"));
  c.frame_timeout = milliseconds(config.integer("master.frame.timeout.ms"));
  c.max_connections = static_cast<int>(config.integer("master.connections.max"));
  // One address may not take a port's every slot; loopback peers (a proxy, the CLI) only when
  // asked.
  c.per_address = static_cast<int>(config.integer("master.connections.per.address"));
  c.per_address_loopback = config.boolean("master.connections.per.address.loopback");
  c.auth_timeout = milliseconds(config.integer("master.client.auth.timeout.ms"));
  return c;
}

SchedulerConfig readScheduler(const ConfigReader& config) {
  SchedulerConfig sc;
  sc.heartbeat_ms = static_cast<int>(config.integer("master.heartbeat.ms"));
  sc.queue_max = static_cast<size_t>(config.integer("master.queue.max"));
  sc.max_attempts = static_cast<int>(config.integer("master.job.attempts"));
  sc.result_retention_ms = config.integer("master.results.retention.s") * 1000;
  sc.results_in_memory = static_cast<size_t>(config.integer("master.results.memory.max"));
  sc.results_memory_bytes = static_cast<size_t>(config.integer("master.results.memory.bytes"));
  sc.defaults.run = stageLimits(config, "run", false);
  sc.defaults.compile = stageLimits(config, "compile", false);
  sc.maxima.run = stageLimits(config, "run", true);
  sc.maxima.compile = stageLimits(config, "compile", true);
  sc.defaults.output_bytes = config.integer("master.limits.output_bytes");
  sc.maxima.output_bytes = config.integer("master.limits.output_bytes.max");
  sc.defaults.processes = config.integer("master.limits.processes");
  sc.maxima.processes = config.integer("master.limits.processes.max");
  sc.max_stdin_bytes = config.integer("master.limits.stdin_bytes.max");
  sc.max_tests = config.integer("master.limits.tests.max");
  sc.interactive_wall_ms = config.integer("master.limits.interactive.wall_ms");
  sc.interactive_wall_ms_max = config.integer("master.limits.interactive.wall_ms.max");
  sc.idle_ms = config.integer("master.limits.idle_ms");
  sc.idle_ms_max = config.integer("master.limits.idle_ms.max");
  sc.stream_buffer_bytes = static_cast<size_t>(config.integer("master.stream.buffer.bytes"));
  const std::string other_jobs = config.choice("master.monitor.other_jobs");
  sc.other_jobs = other_jobs == "all"       ? OtherJobs::kAll
                  : other_jobs == "summary" ? OtherJobs::kSummary
                                            : OtherJobs::kNone;
  return sc;
}

CallbackSettings readCallbacks(const ConfigReader& config) {
  CallbackSettings c;
  c.allow = config.list("master.callback.allow");
  for (const std::string& prefix : c.allow)
    if (!checkCallbackUrl(prefix, {prefix}).isOk())
      throw ConfigError("master.callback.allow: \"" + prefix +
                        "\" is not an absolute http:// or https:// URL prefix "
                        "(e.g. https://hooks.example.org/polyrun/)");
  c.secret = config.secret("master.callback.secret");
  if (!c.allow.empty() && c.secret.empty())
    throw ConfigError(
        "master.callback.allow is set but master.callback.secret(.file) is not: callbacks are "
        "signed with it; put a long random secret in a file readable by the master only and name "
        "it in master.callback.secret.file");
  c.attempts = static_cast<int>(config.integer("master.callback.attempts"));
  c.first_retry = milliseconds(config.integer("master.callback.retry.ms"));
  c.max_retry = milliseconds(config.integer("master.callback.retry.max.ms"));
  c.timeout = milliseconds(config.integer("master.callback.timeout.ms"));
  c.max_pending = static_cast<size_t>(config.integer("master.callback.pending.max"));
  c.threads = static_cast<int>(config.integer("master.callback.threads"));
  return c;
}

JournalConfig readJournal(const ConfigReader& config, const SchedulerConfig& sc) {
  JournalConfig jc;
  jc.path = config.string("master.journal.path");
  jc.retention_ms = sc.result_retention_ms;
  jc.full_sync = config.choice("master.journal.sync") == "full";
  // A result is at most a frame: a bound below that could not keep even the newest one.
  const auto frame = static_cast<int64_t>(sc.max_frame_bytes);
  jc.max_bytes =
      config.integer("master.journal.max.bytes",
                     {.def = std::max(int64_t{1} << 30, frame), .min = frame, .max = {}});
  jc.client_max_bytes =
      config.integer("master.journal.client.max.bytes",
                     {.def = std::max(std::min(int64_t{256} << 20, jc.max_bytes), frame),
                      .min = frame,
                      .max = jc.max_bytes});
  return jc;
}
}  // namespace

const ConfigTable& masterKeyTable() {
  static const ConfigTable table = makeTable();
  return table;
}

MasterSettings readMasterSettings(const ConfigReader& config, Poco::Logger& log) {
  MasterSettings s;
  s.bind = config.string("master.bind");
  s.connections = readConnections(config);
  s.tls_enabled = config.boolean("master.tls.enabled");
  s.tls_certificate = config.string("master.tls.certificate");
  s.tls_key = config.string("master.tls.key");
  s.scheduler = readScheduler(config);
  const int heartbeat_ms = s.scheduler.heartbeat_ms;
  s.connections.heartbeat_timeout =
      milliseconds(config.integer("master.heartbeat.timeout.ms",
                                  {.def = 5 * heartbeat_ms, .min = 2 * heartbeat_ms, .max = {}}));
  s.scheduler.max_frame_bytes = s.connections.max_frame_bytes;
  checkResultsFit(s.scheduler, log);
  s.shutdown_timeout = milliseconds(config.integer("master.shutdown.timeout.ms"));
  s.journal = readJournal(config, s.scheduler);

  s.http_enabled = config.boolean("master.http.enabled");
  s.http.max_body_bytes = static_cast<size_t>(config.integer("master.http.body.max.bytes"));
  s.http.threads = static_cast<int>(config.integer("master.http.threads"));
  s.http.client_tokens = s.connections.client_tokens;
  s.http.operator_tokens = s.connections.operator_tokens;
  s.http.auth_loopback = s.connections.client_auth_loopback;
  s.http.queue_wait = milliseconds(config.integer("master.http.queue.wait.ms"));
  s.http.batch_max = static_cast<size_t>(config.integer("master.http.batch.max"));
  s.callbacks = readCallbacks(config);
  s.http_server.threads = s.http.threads;
  s.http_server.backlog = static_cast<int>(config.integer("master.http.backlog"));
  s.http_server.read_timeout = milliseconds(config.integer("master.http.timeout.ms"));
  s.http_server.request_timeout = milliseconds(config.integer("master.http.request.timeout.ms"));
  s.http_server.per_address = s.connections.per_address;
  s.http_server.per_address_loopback = s.connections.per_address_loopback;

  s.client_port = static_cast<int>(config.integer("master.client.port"));
  s.slave_port = static_cast<int>(config.integer("master.slave.port"));
  // Processes started on port 0 (tests, scripts) get a free HTTP port too, unless they name one.
  IntBounds http_port;
  if (s.client_port == 0) http_port.def = 0;
  s.http_port = static_cast<int>(config.integer("master.http.port", http_port));
  s.ready_file = config.string("master.ready.file");
  return s;
}

}  // namespace polyrun::master
