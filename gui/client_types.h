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
  int running = 0;
  int capacity = 0;
  double loadAvg = 0;
  double memoryFreeBytes = 0;
  QStringList languages;       // "python 3.11.2"
  qint64 lastHeartbeatMs = 0;  // how long ago the last heartbeat arrived

  bool operator==(const SlaveInfo&) const = default;
};

/// A whole `cluster` reply.
struct ClusterSnapshot {
  qint64 uptimeMs = 0;
  QList<SlaveInfo> slaves;
  QMap<QString, qint64> queues;  // language -> jobs waiting
  qint64 submitted = 0;
  qint64 completed = 0;
  QMap<QString, qint64> byVerdict;
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

/// What the user asks to run. Limits are left to the master's defaults for now.
struct JobRequest {
  QString language;      // canonical name or alias
  QString version;       // empty or "*" = any
  QList<JobFile> files;  // files[0] is the main file
  QString stdinText;
  QStringList args;
};

// Conversions from the wire. They never throw: a field of the wrong type counts as absent and
// entries that make no sense (no language, no slave name) are skipped, so a newer master with
// extra or changed fields still shows what can be shown.
QList<Runtime> runtimesFromJson(const nlohmann::json& reply);
ClusterSnapshot clusterSnapshotFromJson(const nlohmann::json& reply);
/// False (and *error set) when the result does not parse with core's job_json rules.
bool runOutcomeFromJson(const nlohmann::json& result, RunOutcome* out, QString* error);
/// The `job` object of a `submit` message.
nlohmann::json jobRequestToJson(const JobRequest& request);

}  // namespace polyrun::gui

Q_DECLARE_METATYPE(polyrun::gui::Runtime)
Q_DECLARE_METATYPE(polyrun::gui::ClusterSnapshot)
Q_DECLARE_METATYPE(polyrun::gui::RunOutcome)
