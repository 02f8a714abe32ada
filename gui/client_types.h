// The data the GUI passes between the connection, the models and the widgets, in Qt types.
// Conversion from the wire's JSON (nlohmann) happens only here and in master_connection.cpp:
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
  double loadAvg = 0;
  double cpuBusy = -1;  // share of CPU time busy since the previous heartbeat, 0..1; -1 unknown
  double memoryFreeBytes = 0;
  QStringList languages;       // "python 3.11.2"
  qint64 lastHeartbeatMs = 0;  // how long ago the last heartbeat arrived

  bool operator==(const SlaveInfo&) const = default;
};

/// One finished job in a list of recent jobs: an entry of the master's `recent_jobs` (when it
/// sends one) or a run of this client.
struct JobSummary {
  QString jobId;
  QString client;  // who submitted it ("127.0.0.1:50210"); empty when unknown or this client
  QString language;
  QString version;
  QString verdict;  // wire name, or a client-side state ("stopped", an error code)
  QString slave;
  qint64 queueMs = 0;
  qint64 totalMs = 0;
  qint64 finishedAgoMs = -1;  // how long ago it finished; -1 when unknown

  bool operator==(const JobSummary&) const = default;
};

/// A whole `cluster` reply.
struct ClusterSnapshot {
  qint64 uptimeMs = 0;
  QString masterState;  // "serving", "stopping"; empty when not said
  qint64 clients = -1;  // client connections; -1 when not said
  QList<SlaveInfo> slaves;
  QMap<QString, qint64> queues;  // language -> jobs waiting
  qint64 submitted = 0;
  qint64 completed = 0;
  qint64 running = 0;    // jobs on a slave right now
  qint64 cancelled = 0;  // jobs cancelled since the master started
  QMap<QString, qint64> byVerdict;
  QMap<QString, qint64> byLanguage;
  /// True when the reply carried a `recent_jobs` array (jobs of every client); otherwise the
  /// GUI can only show its own jobs.
  bool hasRecentJobs = false;
  QList<JobSummary> recentJobs;  // newest first

  /// Jobs waiting in all queues together.
  qint64 queuedTotal() const;
};

/// One stage (compile or run) of a finished job.
struct StageOutcome {
  QString verdict;  // wire name: "OK", "RUNTIME_ERROR", ...
  QString stdoutText;
  QString stderrText;
  bool stdoutTruncated = false;
  bool stderrTruncated = false;
  int exitCode = -1;  // -1 when the process did not exit normally
  int signal = 0;
  qint64 cpuMs = 0;
  qint64 wallMs = 0;
  qint64 memoryBytes = 0;  // peak resident set size
  QString message;
};

/// A finished job (a `result` message).
struct RunOutcome {
  QString jobId;
  QString slave;
  QString language;
  QString version;
  QString verdict;                      // the job's overall verdict, wire name
  QString message;                      // why, for anything but OK
  std::optional<StageOutcome> compile;  // only for compiled languages
  std::optional<StageOutcome> run;      // absent when compilation failed
  qint64 queueMs = 0;
  qint64 totalMs = 0;
};

/// A file of a job. Content is raw bytes: sent as utf8 when it is valid UTF-8, else base64.
struct JobFile {
  QString name;  // may be empty: the runner then picks one (e.g. Java names it after the class)
  QByteArray content;
};

/// Limits of the run stage a user may set. 0 means "the master's default" (master.limits.*);
/// a value over the master's maximum is answered with a bad_limits error.
struct RunLimits {
  qint64 wallMs = 0;
  qint64 cpuMs = 0;
  qint64 memoryBytes = 0;

  bool isDefault() const { return wallMs == 0 && cpuMs == 0 && memoryBytes == 0; }
  bool operator==(const RunLimits&) const = default;
};

/// What the user asks to run.
struct JobRequest {
  QString language;      // canonical name or alias
  QString version;       // empty or "*" = any
  QList<JobFile> files;  // files[0] is the main file
  QString stdinText;
  QStringList args;
  RunLimits limits;  // the compile stage always gets the master's defaults
};

// Conversions from the wire. They never throw: a field of the wrong type counts as absent and
// entries that make no sense (no language, no slave name) are skipped, so a newer master with
// extra or changed fields still shows what can be shown.
QList<Runtime> runtimesFromJson(const nlohmann::json& reply);
ClusterSnapshot clusterSnapshotFromJson(const nlohmann::json& reply);
/// False (and *error set) when the result does not parse with core's job_json rules.
bool runOutcomeFromJson(const nlohmann::json& result, RunOutcome* out, QString* error);
/// The `job` object of a `submit` message. Limits left at 0 are not sent.
nlohmann::json jobRequestToJson(const JobRequest& request);

}  // namespace polyrun::gui

Q_DECLARE_METATYPE(polyrun::gui::Runtime)
Q_DECLARE_METATYPE(polyrun::gui::ClusterSnapshot)
Q_DECLARE_METATYPE(polyrun::gui::RunOutcome)
Q_DECLARE_METATYPE(polyrun::gui::JobSummary)
