#include "client_types.h"

#include <QStringDecoder>
#include <limits>
#include <nlohmann/json.hpp>

#include "polyrun/base64.h"
#include "polyrun/job.h"
#include "polyrun/job_json.h"
#include "polyrun/runner.h"

namespace polyrun::gui {
namespace {
using nlohmann::json;

// Tolerant readers: a missing field or one of the wrong type gives the default. nlohmann's own
// value() throws on a type mismatch, which must never reach the Qt event loop.
QString stringField(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return QString::fromStdString(it->get_ref<const std::string&>());
}

qint64 intField(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<qint64>();
  if (it->is_number_float()) return static_cast<qint64>(it->get<double>());
  return 0;
}

double numberField(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

const json* objectField(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

const json* arrayField(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

QStringList toQStringList(const std::vector<std::string>& v) {
  QStringList out;
  out.reserve(static_cast<qsizetype>(v.size()));
  for (const auto& s : v) out << QString::fromStdString(s);
  return out;
}

QMap<QString, qint64> countsField(const json& j, const char* key) {
  QMap<QString, qint64> out;
  const json* object = objectField(j, key);
  if (!object) return out;
  for (auto it = object->begin(); it != object->end(); ++it) {
    if (it.value().is_number())
      out.insert(QString::fromStdString(it.key()), intField(*object, it.key().c_str()));
  }
  return out;
}

StageOutcome toStageOutcome(const StageResult& s) {
  StageOutcome out;
  out.verdict = QString::fromUtf8(verdictName(s.verdict).data(),
                                  static_cast<qsizetype>(verdictName(s.verdict).size()));
  out.stdout_text = QString::fromStdString(s.stdout_data);
  out.stderr_text = QString::fromStdString(s.stderr_data);
  out.stdout_truncated = s.stdout_truncated;
  out.stderr_truncated = s.stderr_truncated;
  out.exit_code = s.exit_code;
  out.signal = s.signal;
  out.cpu_ms = s.cpu_ms;
  out.wall_ms = s.wall_ms;
  out.memory_bytes = s.memory_bytes;
  out.message = QString::fromStdString(s.message);
  return out;
}

CaseOutcome toCaseOutcome(int index, const CaseResult& c) {
  CaseOutcome out;
  out.index = index;
  out.name = QString::fromStdString(c.name);
  out.run = toStageOutcome(c.run);
  if (c.checker) out.checker = toStageOutcome(*c.checker);
  out.line = c.line;
  out.column = c.column;
  return out;
}

// Stateless: an incomplete sequence at the end counts as an error too.
bool isValidUtf8(const QByteArray& bytes) {
  QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
  const QString decoded = decoder.decode(bytes);
  return !decoder.hasError();
}

SourceFile sourceFile(const JobFile& f) {
  SourceFile file;
  file.name = f.name.toStdString();
  const std::string_view bytes(f.content.constData(), static_cast<size_t>(f.content.size()));
  if (isValidUtf8(f.content)) {
    file.content = std::string(bytes);
  } else {
    // JSON strings must be UTF-8: anything else would be mangled (U+FFFD) on the way.
    file.content = base64Encode(bytes);
    file.encoding = Encoding::kBase64;
  }
  return file;
}

}  // namespace

QList<Runtime> runtimesFromJson(const json& reply) {
  QList<Runtime> out;
  const json* entries = arrayField(reply, "runtimes");
  if (!entries) return out;
  for (const json& entry : *entries) {
    // The entry has the shape of a slave's language description plus "slaves": reuse core's
    // parser so both sides agree on what a valid entry is.
    RunnerInfo info;
    if (!polyrun::fromJson(entry, &info).isOk()) continue;
    Runtime r;
    r.language = QString::fromStdString(info.language);
    r.version = QString::fromStdString(info.version);
    r.aliases = toQStringList(info.aliases);
    r.extensions = toQStringList(info.extensions);
    // The rest of the client compares with the dot; a definition may write "rb" (the CLI takes
    // both too).
    for (QString& ext : r.extensions)
      if (!ext.isEmpty() && !ext.startsWith('.')) ext.prepend('.');
    r.compiled = info.compiled;
    r.slaves = static_cast<int>(intField(entry, "slaves"));
    out << r;
  }
  return out;
}

ClusterSnapshot clusterSnapshotFromJson(const json& reply) {
  ClusterSnapshot out;
  out.uptime_ms = intField(reply, "uptime_ms");
  out.master_state = stringField(reply, "state");
  if (reply.is_object() && reply.contains("clients") && reply["clients"].is_number())
    out.clients = intField(reply, "clients");
  if (const json* slaves = arrayField(reply, "slaves")) {
    for (const json& s : *slaves) {
      SlaveInfo info;
      info.name = stringField(s, "name");
      if (info.name.isEmpty()) continue;
      info.id = intField(s, "id");
      info.address = stringField(s, "address");
      info.state = stringField(s, "state");
      info.limits = stringField(s, "limits");
      info.running = static_cast<int>(intField(s, "running"));
      info.capacity = static_cast<int>(intField(s, "capacity"));
      if (const json* load = objectField(s, "load")) {
        info.load_avg = numberField(*load, "load_avg");
        if (load->contains("cpu_busy") && (*load)["cpu_busy"].is_number())
          info.cpu_busy = numberField(*load, "cpu_busy");
        info.memory_free_bytes = numberField(*load, "memory_free_bytes");
      }
      if (const json* languages = arrayField(s, "languages")) {
        for (const json& l : *languages) {
          if (l.is_string()) {
            info.languages << QString::fromStdString(l.get<std::string>());
            continue;
          }
          const QString name = stringField(l, "language");
          if (name.isEmpty()) continue;
          const QString version = stringField(l, "version");
          info.languages << (version.isEmpty() ? name : name + ' ' + version);
        }
      }
      info.last_heartbeat_ms = intField(s, "last_heartbeat_ms");
      out.slaves << info;
    }
  }
  out.queues = countsField(reply, "queues");
  if (const json* counters = objectField(reply, "counters")) {
    out.submitted = intField(*counters, "submitted");
    out.completed = intField(*counters, "completed");
    out.running = intField(*counters, "running");
    out.cancelled = intField(*counters, "cancelled");
    out.by_verdict = countsField(*counters, "by_verdict");
    out.by_language = countsField(*counters, "by_language");
  }
  if (const json* recent = arrayField(reply, "recent_jobs")) {
    out.has_recent_jobs = true;
    for (const json& j : *recent) {
      JobSummary job;
      job.job_id = stringField(j, "job_id");
      if (job.job_id.isEmpty()) continue;
      job.client = stringField(j, "client");
      job.language = stringField(j, "language");
      job.version = stringField(j, "version");
      job.verdict = stringField(j, "verdict");
      job.slave = stringField(j, "slave");
      job.queue_ms = intField(j, "queue_ms");
      job.total_ms = intField(j, "total_ms");
      job.finished_ago_ms =
          j.is_object() && j.contains("finished_ms_ago") ? intField(j, "finished_ms_ago") : -1;
      out.recent_jobs << job;
    }
  }
  return out;
}

qint64 ClusterSnapshot::queuedTotal() const {
  qint64 total = 0;
  for (qint64 n : queues) total += n;
  return total;
}

bool runOutcomeFromJson(const json& result, RunOutcome* out, QString* error) {
  JobResult r;
  if (polyrun::Status s = polyrun::fromJson(result, &r); !s.isOk()) {
    *error = QString::fromStdString(s.message());
    return false;
  }
  out->job_id = QString::fromStdString(r.job_id);
  out->slave = QString::fromStdString(r.slave);
  out->language = QString::fromStdString(r.language);
  out->version = QString::fromStdString(r.version);
  const std::string_view verdict = verdictName(r.verdict);
  out->verdict = QString::fromUtf8(verdict.data(), static_cast<qsizetype>(verdict.size()));
  out->message = QString::fromStdString(r.message);
  out->compile.reset();
  out->run.reset();
  if (r.compile) out->compile = toStageOutcome(*r.compile);
  if (r.run) out->run = toStageOutcome(*r.run);
  out->tests.clear();
  for (size_t i = 0; i < r.tests.size(); ++i)
    out->tests << toCaseOutcome(static_cast<int>(i), r.tests[i]);
  // Computed from the cases, as the master computes the `summary` it sends.
  const TestSummary summary = summarizeTests(r.tests);
  out->summary = TestsSummary{summary.total,      summary.passed,      summary.first_failure,
                              summary.max_cpu_ms, summary.max_wall_ms, summary.max_memory_bytes};
  out->queue_ms = r.queue_ms;
  out->total_ms = r.total_ms;
  return true;
}

bool caseOutcomeFromJson(const json& test, CaseOutcome* out, QString* error) {
  CaseResult c;
  if (!test.is_object()) {
    *error = QStringLiteral("test must be an object");
    return false;
  }
  if (polyrun::Status s = polyrun::fromJson(test, &c.run); !s.isOk()) {
    *error = QString::fromStdString(s.message());
    return false;
  }
  auto index = test.find("index");
  if (index == test.end() || !index->is_number_unsigned() ||
      index->get<quint64>() > quint64(std::numeric_limits<int>::max())) {
    *error = QStringLiteral("test.index must be a case's 0-based number");
    return false;
  }
  if (auto checker = test.find("checker"); checker != test.end() && checker->is_object()) {
    // Optional detail: a checker stage that does not parse is left out, the case still shows.
    StageResult stage;
    if (polyrun::fromJson(*checker, &stage).isOk()) c.checker = stage;
  }
  *out = toCaseOutcome(index->get<int>(), c);
  out->name = stringField(test, "name");
  out->line = intField(test, "line");
  out->column = intField(test, "column");
  return true;
}

QString checkerSaid(const StageOutcome& checker) {
  const QString& text =
      checker.stdout_text.trimmed().isEmpty() ? checker.stderr_text : checker.stdout_text;
  for (const QString& line : text.split('\n')) {
    if (!line.trimmed().isEmpty()) return line.trimmed();
  }
  return {};
}

json jobRequestToJson(const JobRequest& request) {
  Job job;
  job.language = request.language.toStdString();
  job.version = request.version.toStdString();
  for (const JobFile& f : request.files) job.files.push_back(sourceFile(f));
  job.stdin_data = request.stdin_text.toStdString();
  for (const QString& a : request.args) job.args.push_back(a.toStdString());
  job.limits.run.wall_ms = request.limits.wall_ms;
  job.limits.run.cpu_ms = request.limits.cpu_ms;
  job.limits.run.memory_bytes = request.limits.memory_bytes;
  for (const TestCaseInput& t : request.tests) {
    TestCase& c = job.tests.emplace_back();
    c.name = t.name.toStdString();
    c.stdin_data = t.stdin_text.toStdString();
    if (t.expected_stdout) c.expected_stdout = t.expected_stdout->toStdString();
  }
  if (!request.tests.isEmpty()) {
    job.checker.kind =
        parseCheckerName(request.judge.checker.toStdString()).value_or(CheckerKind::kLines);
    job.checker.abs_tolerance = job.checker.rel_tolerance = request.judge.tolerance;
    if (job.checker.kind == CheckerKind::kProgram) {
      job.checker.language = request.checker_language.toStdString();
      job.checker.version = request.checker_version.toStdString();
      job.checker.source = sourceFile(request.checker_source);
    }
    job.stop_on_failure = request.judge.stop_on_failure;
  }
  job.stream = request.stream;
  job.interactive = request.interactive;
  json out = polyrun::toJson(job);
  // 0 already means "the master's default" on the wire; leaving the zeros out keeps the frame
  // to what the user chose.
  if (auto limits = out.find("limits"); limits != out.end() && limits->is_object()) {
    for (const char* stage : {"compile", "run"}) {
      auto s = limits->find(stage);
      if (s == limits->end() || !s->is_object()) continue;
      for (auto it = s->begin(); it != s->end();) {
        it = it->is_number() && it->get<double>() == 0 ? s->erase(it) : std::next(it);
      }
      if (s->empty()) limits->erase(s);
    }
    for (const char* key : {"output_bytes", "processes"}) {
      auto it = limits->find(key);
      if (it != limits->end() && it->is_number() && it->get<double>() == 0) limits->erase(it);
    }
    if (limits->empty()) out.erase(limits);
  }
  return out;
}

bool liveOutputFromJson(const json& message, LiveOutput* out, QString* error) {
  *out = {};
  auto chunks = message.find("chunks");
  if (chunks == message.end()) {
    *error = QStringLiteral("the output message has no \"chunks\"");
    return false;
  }
  std::vector<OutputChunk> decoded;
  if (polyrun::Status s = polyrun::fromJson(*chunks, &decoded); !s.isOk()) {
    *error = QString::fromStdString(s.message());
    return false;
  }
  for (OutputChunk& c : decoded) {
    out->chunks.append({c.stream == OutputStream::kStderr,
                        QByteArray(c.data.data(), static_cast<qsizetype>(c.data.size()))});
  }
  if (auto dropped = message.find("dropped"); dropped != message.end()) {
    if (!dropped->is_number_integer() || dropped->get<qint64>() < 0) {
      *error = QStringLiteral("\"dropped\" must be a count of bytes");
      return false;
    }
    out->dropped = dropped->get<qint64>();
  }
  return true;
}

bool clusterEventFromJson(const json& event, ClusterEvent* out, QString* error) {
  *out = {};
  if (!event.is_object()) {
    *error = QStringLiteral("the event message has no \"event\" object");
    return false;
  }
  out->kind = stringField(event, "kind");
  if (out->kind.isEmpty()) {
    *error = QStringLiteral("the event has no \"kind\"");
    return false;
  }
  out->id = intField(event, "id");
  out->time_ms = intField(event, "time_ms");
  out->level = stringField(event, "level");
  out->message = stringField(event, "message");
  out->slave = stringField(event, "slave");
  out->language = stringField(event, "language");
  out->job_id = stringField(event, "job_id");
  out->client = stringField(event, "client");
  out->dropped_from = intField(event, "from");
  out->dropped_to = intField(event, "to");
  return true;
}

}  // namespace polyrun::gui
