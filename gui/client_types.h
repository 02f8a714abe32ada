// The data the GUI passes between the connection, the models and the widgets, in Qt types.
// Conversion from the wire's JSON (nlohmann) happens only here and in master_connection.cc:
// everything above the connection sees these structs, never JSON.
#pragma once

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace polyrun::gui {

/// One language + version offered by at least one connected slave (a `runtimes` reply entry).
struct Runtime {
  QString language;  // canonical name: "python", "c", "c++", "java"
  QString version;
  QStringList aliases;
  QStringList extensions;  // with the dot: ".py"
  bool compiled = false;
  int slaves = 0;  // how many connected slaves offer it

  bool operator==(const Runtime&) const = default;
};

/// One slave as the master's `cluster` reply describes it.
struct SlaveInfo {
  qint64 id = 0;
  QString name;
  QString address;  // "host:port" as the master sees the slave
  QString state;    // "ready", ... (free text from the master)
  /// How it limits a job's memory and processes: "cgroup", "rlimits" (weaker, chosen by its
  /// operator), "none" (plain processes); empty from a master that does not say.
  QString limits;
  int running = 0;
  int capacity = 0;
  double load_avg = 0;
  double cpu_busy = -1;  // share of CPU time busy since the previous heartbeat, 0..1; -1 unknown
  double memory_free_bytes = 0;
  QStringList languages;         // "python 3.11.2"
  qint64 last_heartbeat_ms = 0;  // how long ago the last heartbeat arrived

  bool operator==(const SlaveInfo&) const = default;
};

/// One finished job in a list of recent jobs: an entry of the master's `recent_jobs` (when it
/// sends one) or a run of this client.
struct JobSummary {
  QString job_id;
  QString client;  // who submitted it ("127.0.0.1:50210"); empty when unknown or this client
  QString language;
  QString version;
  QString verdict;  // wire name, or a client-side state ("stopped", an error code)
  QString slave;
  qint64 queue_ms = 0;
  qint64 total_ms = 0;
  qint64 finished_ago_ms = -1;  // how long ago it finished; -1 when unknown

  bool operator==(const JobSummary&) const = default;
};

/// A whole `cluster` reply.
struct ClusterSnapshot {
  qint64 uptime_ms = 0;
  QString master_state;  // "serving", "stopping"; empty when not said
  qint64 clients = -1;   // client connections; -1 when not said
  QList<SlaveInfo> slaves;
  QMap<QString, qint64> queues;  // language -> jobs waiting
  qint64 submitted = 0;
  qint64 completed = 0;
  qint64 running = 0;    // jobs on a slave right now
  qint64 cancelled = 0;  // jobs cancelled since the master started
  QMap<QString, qint64> by_verdict;
  QMap<QString, qint64> by_language;
  /// True when the reply carried a `recent_jobs` array (jobs of every client); otherwise the
  /// GUI can only show its own jobs.
  bool has_recent_jobs = false;
  QList<JobSummary> recent_jobs;  // newest first

  /// Jobs waiting in all queues together.
  qint64 queuedTotal() const;
};

/// One stage (compile or run) of a finished job.
struct StageOutcome {
  QString verdict;  // wire name: "OK", "RUNTIME_ERROR", ...
  QString stdout_text;
  QString stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  int exit_code = -1;  // -1 when the process did not exit normally
  int signal = 0;
  qint64 cpu_ms = 0;
  qint64 wall_ms = 0;
  qint64 memory_bytes = 0;  // peak resident set size
  QString message;
};

/// One test case's end (docs/judging.md): as a `progress` message's `test` object tells it
/// (no outputs then) or as an entry of a result's `tests` (with them). `run.verdict` is the
/// case's: OK, WRONG_ANSWER, a limit, SKIPPED...
struct CaseOutcome {
  int index = -1;  // 0-based position in the job's tests
  QString name;
  StageOutcome run;
  /// The checker program's run on this case (a judge with a checker program, when it ran): its
  /// stdout's first line is what it says about the output. No outputs in a progress message.
  std::optional<StageOutcome> checker;
  /// For WRONG_ANSWER: where the program's output first differs, 1-based, in its lines and
  /// bytes (polyrun/checker.h); 0 otherwise.
  qint64 line = 0;
  qint64 column = 0;
};

/// A judged job's totals (a result's `summary`).
struct TestsSummary {
  qint64 total = 0;
  qint64 passed = 0;
  qint64 first_failure = 0;  // 1-based number of the first case that did not pass; 0 = none
  qint64 max_cpu_ms = 0;
  qint64 max_wall_ms = 0;
  qint64 max_memory_bytes = 0;
};

/// A finished job (a `result` message).
struct RunOutcome {
  QString job_id;
  QString slave;
  QString language;
  QString version;
  QString verdict;                      // the job's overall verdict, wire name
  QString message;                      // why, for anything but OK
  std::optional<StageOutcome> compile;  // only for compiled languages
  std::optional<StageOutcome> run;      // absent when compilation failed
  /// A judged job's cases, in the job's order (empty for other jobs and when compilation
  /// failed), and their totals.
  QList<CaseOutcome> tests;
  TestsSummary summary;
  qint64 queue_ms = 0;
  qint64 total_ms = 0;
};

/// A file of a job. Content is raw bytes: sent as utf8 when it is valid UTF-8, else base64.
struct JobFile {
  QString name;  // may be empty: the runner then picks one (e.g. Java names it after the class)
  QByteArray content;
};

/// Limits of the run stage a user may set. 0 means "the master's default" (master.limits.*);
/// a value over the master's maximum is answered with a bad_limits error.
struct RunLimits {
  qint64 wall_ms = 0;
  qint64 cpu_ms = 0;
  qint64 memory_bytes = 0;

  bool isDefault() const { return wall_ms == 0 && cpu_ms == 0 && memory_bytes == 0; }
  bool operator==(const RunLimits&) const = default;
};

/// One test case of a judged job (docs/judging.md).
struct TestCaseInput {
  QString name;  // empty: the master numbers it
  QString stdin_text;
  /// What stdout must be; absent: the case is run, not checked.
  std::optional<QString> expected_stdout;

  bool operator==(const TestCaseInput&) const = default;
};

/// How a judged job's outputs are checked and run.
struct JudgeOptions {
  QString checker = QStringLiteral("lines");  // exact, lines, tokens, float or program (wire names)
  double tolerance = 1e-6;                    // float: absolute and relative
  bool stop_on_failure = false;
  /// checker "program": the checker's source file on this machine (read when a run starts, so
  /// edits to it count); empty while none is chosen.
  QString checker_path;

  bool operator==(const JudgeOptions&) const = default;
};

/// What the user asks to run.
struct JobRequest {
  QString language;      // canonical name or alias
  QString version;       // empty or "*" = any
  QList<JobFile> files;  // files[0] is the main file
  QString stdin_text;
  QStringList args;
  RunLimits limits;  // the compile stage always gets the master's defaults
  /// Non-empty: a judged job, compiled once and run once per case (stdin_text is then not used).
  QList<TestCaseInput> tests;
  JudgeOptions judge;  // sent only with tests
  /// judge.checker "program": the checker as sent (docs/checkers.md, "Checker programs"), its
  /// limits the job's run limits.
  QString checker_language;  // canonical name or alias
  QString checker_version = QStringLiteral("*");
  JobFile checker_source;
  /// Live run (docs/protocol.md, "Interactive and streamed jobs"): the output comes in `output`
  /// messages as the program writes it; `interactive` also keeps its stdin open for input().
  /// Neither may be combined with `tests`.
  bool stream = false;
  bool interactive = false;
};

/// A piece of a live run's output: the bytes one stream got, as the program wrote them (a
/// multi-byte character may be split between two chunks).
struct LiveChunk {
  bool is_stderr = false;
  QByteArray data;

  bool operator==(const LiveChunk&) const = default;
};

/// One `output` message: its chunks in the order the slave read them, and how many bytes the
/// master dropped before it for a client that did not keep up.
struct LiveOutput {
  QList<LiveChunk> chunks;
  qint64 dropped = 0;
};

/// One of the cluster's events (an `event` message's `event`, docs/protocol.md "subscribe ->
/// event"), or an `events_dropped` marker standing for events this client read too slowly to get.
struct ClusterEvent {
  qint64 id = 0;       // counts from 1, restarting with the master; 0 for events_dropped
  qint64 time_ms = 0;  // Unix time; 0 when the master did not say
  QString level;       // "info", "warning" or "error" (anything else is shown as is)
  QString kind;        // "slave_lost", ... (event_kind in master/events.h)
  QString message;     // for people
  QString slave;       // the slave it is about, or empty; likewise the three below
  QString language;
  QString job_id;
  QString client;
  qint64 dropped_from = 0, dropped_to = 0;  // events_dropped: the ids missed, inclusive

  bool isDropMarker() const { return kind == QLatin1String("events_dropped"); }
  bool operator==(const ClusterEvent&) const = default;
};

/// The first line of what a checker program said about a case: its stdout's, or its stderr's
/// when stdout has none (testlib writes to stderr); empty when it said nothing.
QString checkerSaid(const StageOutcome& checker);

// Conversions from the wire. They never throw: a field of the wrong type counts as absent and
// entries that make no sense (no language, no slave name) are skipped, so a newer master with
// extra or changed fields still shows what can be shown.
QList<Runtime> runtimesFromJson(const nlohmann::json& reply);
ClusterSnapshot clusterSnapshotFromJson(const nlohmann::json& reply);
/// False (and *error set) when the result does not parse with core's job_json rules.
bool runOutcomeFromJson(const nlohmann::json& result, RunOutcome* out, QString* error);
/// A `progress` message's `test` object. False (and *error set) when it is not a case's result
/// or has no `index`.
bool caseOutcomeFromJson(const nlohmann::json& test, CaseOutcome* out, QString* error);
/// The `job` object of a `submit` message. Limits left at 0 are not sent.
nlohmann::json jobRequestToJson(const JobRequest& request);
/// An `output` message's chunks and `dropped`, with core's rules for byte strings. False (and
/// *error set) when it does not parse.
bool liveOutputFromJson(const nlohmann::json& message, LiveOutput* out, QString* error);
/// An `event` message's `event` object. False (and *error set) when it is no object or has no
/// `kind`; other missing fields are left empty.
bool clusterEventFromJson(const nlohmann::json& event, ClusterEvent* out, QString* error);

}  // namespace polyrun::gui

Q_DECLARE_METATYPE(polyrun::gui::Runtime)
Q_DECLARE_METATYPE(polyrun::gui::ClusterSnapshot)
Q_DECLARE_METATYPE(polyrun::gui::RunOutcome)
Q_DECLARE_METATYPE(polyrun::gui::JobSummary)
Q_DECLARE_METATYPE(polyrun::gui::CaseOutcome)
Q_DECLARE_METATYPE(polyrun::gui::LiveOutput)
Q_DECLARE_METATYPE(polyrun::gui::ClusterEvent)
