#include "polyrun/job_json.h"

#include <algorithm>
#include <initializer_list>

#include "polyrun/base64.h"
#include "polyrun/json_parse.h"
#include "polyrun/wire_bytes.h"

namespace polyrun {
namespace {
using nlohmann::json;

// Field readers: absent fields keep the default; a field of the wrong type is an error naming it.
// A decoder reads all its fields with them, then reports the first error (firstError()).
Status readString(const json& j, const char* key, std::string* out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) return Status::invalidArgument(where + key + " must be a string");
  *out = it->get<std::string>();
  return Status::ok();
}

Status readInt(const json& j, const char* key, int64_t* out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_number_integer() &&
      !(it->is_number_float() && it->get<double>() == int64_t(it->get<double>())))
    return Status::invalidArgument(where + key + " must be an integer");
  *out = it->get<int64_t>();
  return Status::ok();
}

Status readInt(const json& j, const char* key, int* out, const std::string& where) {
  int64_t v = *out;
  if (Status s = readInt(j, key, &v, where); !s.isOk()) return s;
  *out = static_cast<int>(v);
  return Status::ok();
}

Status readBool(const json& j, const char* key, bool* out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_boolean()) return Status::invalidArgument(where + key + " must be true or false");
  *out = it->get<bool>();
  return Status::ok();
}

Status readStrings(const json& j, const char* key, std::vector<std::string>* out,
                   const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_array()) return Status::invalidArgument(where + key + " must be an array of strings");
  out->clear();
  for (const auto& v : *it) {
    if (!v.is_string())
      return Status::invalidArgument(where + key + " must be an array of strings");
    out->push_back(v.get<std::string>());
  }
  return Status::ok();
}

// The first error of `reads` (all of them made, in order: each reads one field), or OK.
Status firstError(std::initializer_list<Status> reads) {
  for (const Status& s : reads)
    if (!s.isOk()) return s;
  return Status::ok();
}

// Reads j[key] as {wall_ms, cpu_ms, memory_bytes}; `where` prefixes the field names in errors
// ("job.limits.").
Status readStageLimits(const json& j, const char* key, StageLimits* out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  const std::string w = where + key + ".";
  if (!it->is_object()) return Status::invalidArgument(where + key + " must be an object");
  return firstError({readInt(*it, "wall_ms", &out->wall_ms, w),
                     readInt(*it, "cpu_ms", &out->cpu_ms, w),
                     readInt(*it, "memory_bytes", &out->memory_bytes, w)});
}

// One submitted file {name, content, encoding}; `where` is its path in errors ("job.files[0]").
Status readSourceFile(const json& f, const std::string& where, SourceFile* out) {
  if (!f.is_object()) return Status::invalidArgument(where + " must be an object");
  const std::string fw = where + ".";
  std::string encoding = "utf8";
  if (Status s = firstError({readString(f, "name", &out->name, fw),
                             readString(f, "content", &out->content, fw),
                             readString(f, "encoding", &encoding, fw)});
      !s.isOk())
    return s;
  if (!f.contains("content")) return Status::invalidArgument(fw + "content is missing");
  if (encoding == "utf8" || encoding.empty()) {
    out->encoding = Encoding::kUtf8;
  } else if (encoding == "base64") {
    out->encoding = Encoding::kBase64;
  } else {
    return Status::invalidArgument(fw + "encoding must be \"utf8\" or \"base64\", not " +
                                   shownValue(encoding));
  }
  return Status::ok();
}

json sourceFileJson(const SourceFile& f) {
  // Content that is not UTF-8 (read from a binary file, say) travels as base64, exactly.
  const bool as_base64 = f.encoding == Encoding::kBase64 || !isUtf8(f.content);
  return {
      {"name", f.name},
      {"content", f.encoding == Encoding::kUtf8 && as_base64 ? base64Encode(f.content) : f.content},
      {"encoding", as_base64 ? "base64" : "utf8"}};
}

// A list of byte strings (`args`): strings, all in base64 when `<key>_encoding` is "base64".
Status readByteStrings(const json& j, const char* key, std::vector<std::string>* out,
                       const std::string& where) {
  if (Status s = readStrings(j, key, out, where); !s.isOk()) return s;
  auto e = j.find(std::string(key) + "_encoding");
  if (e == j.end() || e->is_null() || *e == "utf8") return Status::ok();
  if (*e != "base64")
    return Status::invalidArgument(where + key + "_encoding must be \"utf8\" or \"base64\"");
  for (auto& a : *out) {
    auto decoded = base64Decode(a);
    if (!decoded)
      return Status::invalidArgument(where + key + " holds an element that is not valid base64 (" +
                                     key + "_encoding is \"base64\")");
    a = std::move(*decoded);
  }
  return Status::ok();
}

void putByteStrings(json& j, const char* key, const std::vector<std::string>& values) {
  if (std::all_of(values.begin(), values.end(), [](const std::string& a) { return isUtf8(a); })) {
    j[key] = values;
    return;
  }
  json list = json::array();
  for (const auto& a : values) list.push_back(base64Encode(a));
  j[key] = std::move(list);
  j[std::string(key) + "_encoding"] = "base64";
}

Status readDouble(const json& j, const char* key, double* out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_number()) return Status::invalidArgument(where + key + " must be a number");
  *out = it->get<double>();
  return Status::ok();
}

// `checker`: a kind's name, or {"kind", "abs_tolerance", "rel_tolerance"}, or a checker program
// {"kind": "program", "language", "version", "source": {name, content, encoding}, "limits"}.
Status readChecker(const json& j, CheckerOptions* out) {
  auto it = j.find("checker");
  if (it == j.end() || it->is_null()) return Status::ok();
  std::string kind;
  bool has_source = false;
  if (it->is_string()) {
    kind = it->get<std::string>();
  } else if (it->is_object()) {
    const std::string w = "job.checker.";
    if (Status s = firstError({readString(*it, "kind", &kind, w),
                               readDouble(*it, "abs_tolerance", &out->abs_tolerance, w),
                               readDouble(*it, "rel_tolerance", &out->rel_tolerance, w),
                               readString(*it, "language", &out->language, w),
                               readString(*it, "version", &out->version, w),
                               readStageLimits(*it, "limits", &out->limits, w)});
        !s.isOk())
      return s;
    if (auto source = it->find("source"); source != it->end() && !source->is_null()) {
      if (Status s = readSourceFile(*source, "job.checker.source", &out->source); !s.isOk())
        return s;
      has_source = true;
    }
  } else {
    return Status::invalidArgument(
        "job.checker must be a checker's name or an object {kind, abs_tolerance, rel_tolerance} "
        "or {kind: \"program\", language, version, source, limits}");
  }
  if (!kind.empty()) {
    auto parsed = parseCheckerName(kind);
    if (!parsed)
      return Status::invalidArgument("job.checker " + shownValue(kind) +
                                     " is not a checker: use \"exact\", \"lines\", \"tokens\", "
                                     "\"float\" or \"program\"");
    out->kind = *parsed;
  }
  if (out->kind != CheckerKind::kProgram) {
    if (has_source || !out->language.empty())
      return Status::invalidArgument(
          "job.checker.source and job.checker.language are for a checker program: set "
          "job.checker.kind to \"program\" or leave them out");
    return Status::ok();
  }
  if (out->language.empty())
    return Status::invalidArgument(
        "job.checker.language is missing: a checker program names its language (see `polyrun "
        "runtimes`)");
  if (!has_source)
    return Status::invalidArgument(
        "job.checker.source is missing: a checker program needs its source {name, content, "
        "encoding}");
  return Status::ok();
}

Status readTests(const json& j, Job* job) {
  // Checked with or without cases: a wrong checker is the client's mistake either way.
  if (Status s = firstError({readChecker(j, &job->checker),
                             readBool(j, "stop_on_failure", &job->stop_on_failure, "job.")});
      !s.isOk())
    return s;
  auto tests = j.find("tests");
  if (tests == j.end() || tests->is_null()) return Status::ok();
  if (!tests->is_array())
    return Status::invalidArgument(
        "job.tests must be an array of {name, stdin, args, expected_stdout}");
  job->tests.clear();
  job->tests.reserve(tests->size());
  for (size_t i = 0; i < tests->size(); ++i) {
    const json& c = (*tests)[i];
    const std::string w = "job.tests[" + std::to_string(i) + "].";
    if (!c.is_object())
      return Status::invalidArgument("job.tests[" + std::to_string(i) + "] must be an object");
    TestCase& t = job->tests.emplace_back();
    if (Status s =
            firstError({readString(c, "name", &t.name, w), getBytes(c, "stdin", &t.stdin_data, w)});
        !s.isOk())
      return s;
    if (auto a = c.find("args"); a != c.end() && !a->is_null()) {
      if (Status s = readByteStrings(c, "args", &t.args.emplace(), w); !s.isOk()) return s;
    }
    if (auto e = c.find("expected_stdout"); e != c.end() && !e->is_null()) {
      if (Status s = getBytes(c, "expected_stdout", &t.expected_stdout.emplace(), w); !s.isOk())
        return s;
    }
  }
  return Status::ok();
}

json stageLimitsJson(const StageLimits& l) {
  return {{"wall_ms", l.wall_ms}, {"cpu_ms", l.cpu_ms}, {"memory_bytes", l.memory_bytes}};
}

}  // namespace

json toJson(const Job& job) {
  json files = json::array();
  for (const auto& f : job.files) files.push_back(sourceFileJson(f));
  json j = {{"language", job.language},
            {"version", job.version},
            {"files", std::move(files)},
            {"limits",
             {{"compile", stageLimitsJson(job.limits.compile)},
              {"run", stageLimitsJson(job.limits.run)},
              {"output_bytes", job.limits.output_bytes},
              {"processes", job.limits.processes}}}};
  if (job.limits.idle_ms) j["limits"]["idle_ms"] = job.limits.idle_ms;
  if (job.stream) j["stream"] = true;
  if (job.interactive) j["interactive"] = true;
  putBytes(j, "stdin", job.stdin_data);
  putByteStrings(j, "args", job.args);
  if (!job.id.empty()) j["id"] = job.id;
  if (!job.tests.empty()) {
    json tests = json::array();
    for (const TestCase& t : job.tests) {
      json c = json::object();
      if (!t.name.empty()) c["name"] = t.name;
      putBytes(c, "stdin", t.stdin_data);
      if (t.args) putByteStrings(c, "args", *t.args);
      if (t.expected_stdout) putBytes(c, "expected_stdout", *t.expected_stdout);
      tests.push_back(std::move(c));
    }
    j["tests"] = std::move(tests);
    const CheckerOptions& checker = job.checker;
    j["checker"] = {{"kind", checkerName(checker.kind)},
                    {"abs_tolerance", checker.abs_tolerance},
                    {"rel_tolerance", checker.rel_tolerance}};
    if (checker.kind == CheckerKind::kProgram) {
      j["checker"]["language"] = checker.language;
      j["checker"]["version"] = checker.version;
      j["checker"]["source"] = sourceFileJson(checker.source);
      j["checker"]["limits"] = stageLimitsJson(checker.limits);
    }
    j["stop_on_failure"] = job.stop_on_failure;
  }
  return j;
}

Status fromJson(const json& j, Job* job) {
  if (!j.is_object()) return Status::invalidArgument("job must be an object");
  const std::string w = "job.";
  if (Status s = firstError(
          {readString(j, "id", &job->id, w), readString(j, "language", &job->language, w),
           readString(j, "version", &job->version, w), getBytes(j, "stdin", &job->stdin_data, w),
           readByteStrings(j, "args", &job->args, w), readBool(j, "stream", &job->stream, w),
           readBool(j, "interactive", &job->interactive, w)});
      !s.isOk())
    return s;
  if (Status s = readTests(j, job); !s.isOk()) return s;
  if (job->live() && !job->tests.empty())
    return Status::invalidArgument(
        std::string("job.") + (job->interactive ? "interactive" : "stream") +
        " cannot be combined with job.tests: a judged job's cases run without a live session");
  if (job->language.empty())
    return Status::invalidArgument(
        "job.language is missing: name the language (see `polyrun runtimes`)");
  auto files = j.find("files");
  if (files == j.end() || !files->is_array() || files->empty())
    return Status::invalidArgument(
        "job.files must be a non-empty array of {name, content, encoding}");
  job->files.clear();
  for (size_t i = 0; i < files->size(); ++i) {
    SourceFile& file = job->files.emplace_back();
    if (Status s = readSourceFile((*files)[i], "job.files[" + std::to_string(i) + "]", &file);
        !s.isOk())
      return s;
  }
  auto limits = j.find("limits");
  if (limits != j.end() && !limits->is_null()) {
    if (!limits->is_object()) return Status::invalidArgument("job.limits must be an object");
    if (Status s =
            firstError({readStageLimits(*limits, "compile", &job->limits.compile, "job.limits."),
                        readStageLimits(*limits, "run", &job->limits.run, "job.limits."),
                        readInt(*limits, "output_bytes", &job->limits.output_bytes, "job.limits."),
                        readInt(*limits, "processes", &job->limits.processes, "job.limits."),
                        readInt(*limits, "idle_ms", &job->limits.idle_ms, "job.limits.")});
        !s.isOk())
      return s;
  }
  return Status::ok();
}

json toJson(const std::vector<OutputChunk>& chunks) {
  json out = json::array();
  for (const OutputChunk& c : chunks) {
    json j = {{"stream", outputStreamName(c.stream)}};
    putBytes(j, "data", c.data);
    out.push_back(std::move(j));
  }
  return out;
}

Status fromJson(const json& j, std::vector<OutputChunk>* chunks) {
  if (!j.is_array()) return Status::invalidArgument("chunks must be an array of {stream, data}");
  chunks->clear();
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string w = "chunks[" + std::to_string(i) + "].";
    const json& c = j[i];
    if (!c.is_object())
      return Status::invalidArgument("chunks[" + std::to_string(i) + "] must be an object");
    std::string stream;
    OutputChunk& chunk = chunks->emplace_back();
    if (Status s =
            firstError({readString(c, "stream", &stream, w), getBytes(c, "data", &chunk.data, w)});
        !s.isOk())
      return s;
    if (stream == "stderr")
      chunk.stream = OutputStream::kStderr;
    else if (stream != "stdout")
      return Status::invalidArgument(w + "stream must be \"stdout\" or \"stderr\"");
  }
  return Status::ok();
}

namespace {
// A stage's JSON with its outputs given apart, so that toJson(JobResult&&) can move them in.
json stageJson(const StageResult& s, std::string out, std::string err) {
  json j = {{"verdict", verdictName(s.verdict)},
            {"stdout_truncated", s.stdout_truncated},
            {"stderr_truncated", s.stderr_truncated},
            {"exit_code", s.exit_code},
            {"signal", s.signal},
            {"cpu_ms", s.cpu_ms},
            {"wall_ms", s.wall_ms},
            {"memory_bytes", s.memory_bytes},
            {"message", s.message},
            {"cached", s.cached}};
  putBytes(j, "stdout", std::move(out));
  putBytes(j, "stderr", std::move(err));
  return j;
}
}  // namespace

json toJson(const StageResult& s) { return stageJson(s, s.stdout_data, s.stderr_data); }

Status fromJson(const json& j, StageResult* s) {
  if (!j.is_object()) return Status::invalidArgument("stage result must be an object");
  const std::string w = "stage.";
  std::string verdict = "OK";
  if (Status read = firstError(
          {readString(j, "verdict", &verdict, w), getBytes(j, "stdout", &s->stdout_data, w),
           getBytes(j, "stderr", &s->stderr_data, w),
           readBool(j, "stdout_truncated", &s->stdout_truncated, w),
           readBool(j, "stderr_truncated", &s->stderr_truncated, w),
           readInt(j, "exit_code", &s->exit_code, w), readInt(j, "signal", &s->signal, w),
           readInt(j, "cpu_ms", &s->cpu_ms, w), readInt(j, "wall_ms", &s->wall_ms, w),
           readInt(j, "memory_bytes", &s->memory_bytes, w),
           readString(j, "message", &s->message, w), readBool(j, "cached", &s->cached, w)});
      !read.isOk())
    return read;
  auto v = parseVerdict(verdict);
  if (!v)
    return Status::invalidArgument("stage.verdict " + shownValue(verdict) +
                                   " is not a known verdict");
  s->verdict = *v;
  return Status::ok();
}

namespace {
json resultHead(const JobResult& r) {
  return {{"job_id", r.job_id},
          {"slave", r.slave},
          {"language", r.language},
          {"version", r.version},
          {"verdict", verdictName(r.verdict)},
          {"message", r.message},
          {"queue_ms", r.queue_ms},
          {"total_ms", r.total_ms}};
}

// A case's JSON: its run stage's fields, with its outputs given apart (see stageJson()), and
// the checker program's stage under "checker".
json caseJson(const CaseResult& c, std::string out, std::string err, json checker) {
  json j = stageJson(c.run, std::move(out), std::move(err));
  j["name"] = c.name;
  j["line"] = c.line;
  j["column"] = c.column;
  if (!checker.is_null()) j["checker"] = std::move(checker);
  return j;
}

json summaryJson(const TestSummary& s) {
  return {{"total", s.total},
          {"passed", s.passed},
          {"first_failure", s.first_failure},
          {"max_cpu_ms", s.max_cpu_ms},
          {"max_wall_ms", s.max_wall_ms},
          {"max_memory_bytes", s.max_memory_bytes}};
}
}  // namespace

json toJson(const CaseResult& c) {
  return caseJson(c, c.run.stdout_data, c.run.stderr_data, c.checker ? toJson(*c.checker) : json());
}

json caseProgressJson(size_t index, const CaseResult& c) {
  json j = caseJson(c, {}, {}, c.checker ? stageJson(*c.checker, {}, {}) : json());
  for (json* stage : {&j, j.contains("checker") ? &j["checker"] : nullptr}) {
    if (!stage) continue;
    for (const char* key : {"stdout", "stderr", "stdout_truncated", "stderr_truncated", "cached"})
      stage->erase(key);
  }
  j["index"] = index;
  return j;
}

json toJson(JobResult&& r) {
  // The outputs are the only large fields: moved into their stages, the rest is copied.
  json j = resultHead(r);
  if (r.compile)
    j["compile"] =
        stageJson(*r.compile, std::move(r.compile->stdout_data), std::move(r.compile->stderr_data));
  if (r.run)
    j["run"] = stageJson(*r.run, std::move(r.run->stdout_data), std::move(r.run->stderr_data));
  if (r.checker_compile)
    j["checker_compile"] = stageJson(*r.checker_compile, std::move(r.checker_compile->stdout_data),
                                     std::move(r.checker_compile->stderr_data));
  if (!r.tests.empty()) {
    j["summary"] = summaryJson(summarizeTests(r.tests));
    json tests = json::array();
    for (CaseResult& c : r.tests) {
      json checker = c.checker ? stageJson(*c.checker, std::move(c.checker->stdout_data),
                                           std::move(c.checker->stderr_data))
                               : json();
      tests.push_back(caseJson(c, std::move(c.run.stdout_data), std::move(c.run.stderr_data),
                               std::move(checker)));
    }
    j["tests"] = std::move(tests);
  }
  return j;
}

json toJson(const JobResult& r) {
  json j = resultHead(r);
  if (r.compile) j["compile"] = toJson(*r.compile);
  if (r.run) j["run"] = toJson(*r.run);
  if (r.checker_compile) j["checker_compile"] = toJson(*r.checker_compile);
  if (!r.tests.empty()) {
    j["summary"] = summaryJson(summarizeTests(r.tests));
    json tests = json::array();
    for (const CaseResult& c : r.tests) tests.push_back(toJson(c));
    j["tests"] = std::move(tests);
  }
  return j;
}

size_t worstCaseResultBytes(int64_t output_bytes) {
  // Four outputs (compile and run, stdout and stderr), each at most base64's size, plus the
  // rest of a result: numbers, flags, the messages the executor writes, names.
  constexpr size_t kRestOfResult = 16u << 10;
  const size_t n = static_cast<size_t>(std::max<int64_t>(output_bytes, 0));
  return 4 * (kEncodedOverheadBytes + 2 + (n + 2) / 3 * 4) + kRestOfResult;
}

bool fitResult(JobResult* r, size_t max_json_bytes) {
  struct Stream {
    std::string* bytes;
    bool* truncated;
    size_t cost;
  };
  std::vector<Stream> streams;
  std::vector<StageResult*> stages;
  if (r->compile) stages.push_back(&*r->compile);
  if (r->run) stages.push_back(&*r->run);
  if (r->checker_compile) stages.push_back(&*r->checker_compile);
  for (CaseResult& c : r->tests) {
    stages.push_back(&c.run);
    if (c.checker) stages.push_back(&*c.checker);
  }
  for (StageResult* stage : stages) {
    streams.push_back({&stage->stdout_data, &stage->stdout_truncated, 0});
    streams.push_back({&stage->stderr_data, &stage->stderr_truncated, 0});
  }
  size_t outputs = 0;
  for (auto& s : streams) outputs += s.cost = encodedBytes(*s.bytes);
  // Everything but the outputs, measured with each output empty (its "" counted twice).
  std::vector<std::string> taken;
  for (auto& s : streams) {
    taken.push_back(std::move(*s.bytes));
    s.bytes->clear();
  }
  const size_t fixed = toJson(static_cast<const JobResult&>(*r))
                           .dump(-1, ' ', false, json::error_handler_t::replace)
                           .size();
  for (size_t i = 0; i < streams.size(); ++i) *streams[i].bytes = std::move(taken[i]);
  if (fixed + outputs <= max_json_bytes) return true;
  size_t left = max_json_bytes > fixed ? max_json_bytes - fixed : 0;
  // The cheapest outputs are kept whole while they cost less than an equal share of what is
  // left; the others share the rest equally.
  std::vector<Stream*> by_cost;
  for (auto& s : streams) by_cost.push_back(&s);
  std::sort(by_cost.begin(), by_cost.end(),
            [](const Stream* a, const Stream* b) { return a->cost < b->cost; });
  for (size_t i = 0; i < by_cost.size(); ++i) {
    Stream& s = *by_cost[i];
    const size_t share = left / (by_cost.size() - i);
    if (s.cost <= share) {
      left -= s.cost;
      continue;
    }
    const size_t keep = prefixWithin(*s.bytes, share);
    if (keep < s.bytes->size()) *s.truncated = true;
    s.bytes->resize(keep);
    left -= std::min(left, encodedBytes(*s.bytes));
  }
  return fixed <= max_json_bytes;
}

Status fromJson(const json& j, JobResult* r) {
  if (!j.is_object()) return Status::invalidArgument("result must be an object");
  const std::string w = "result.";
  std::string verdict = "OK";
  if (Status s = firstError(
          {readString(j, "job_id", &r->job_id, w), readString(j, "slave", &r->slave, w),
           readString(j, "language", &r->language, w), readString(j, "version", &r->version, w),
           readString(j, "verdict", &verdict, w), readString(j, "message", &r->message, w),
           readInt(j, "queue_ms", &r->queue_ms, w), readInt(j, "total_ms", &r->total_ms, w)});
      !s.isOk())
    return s;
  auto v = parseVerdict(verdict);
  if (!v)
    return Status::invalidArgument("result.verdict " + shownValue(verdict) +
                                   " is not a known verdict");
  r->verdict = *v;
  for (auto [stage, out] : {std::pair{"compile", &r->compile}, std::pair{"run", &r->run},
                            std::pair{"checker_compile", &r->checker_compile}}) {
    auto it = j.find(stage);
    if (it == j.end() || it->is_null()) continue;
    StageResult s;
    if (Status read = fromJson(*it, &s); !read.isOk())
      return Status::invalidArgument(std::string("result.") + stage + ": " + read.message());
    *out = std::move(s);
  }
  auto tests = j.find("tests");
  if (tests == j.end() || tests->is_null()) return Status::ok();
  if (!tests->is_array()) return Status::invalidArgument("result.tests must be an array");
  r->tests.clear();
  for (size_t i = 0; i < tests->size(); ++i) {
    const json& c = (*tests)[i];
    const std::string w = "result.tests[" + std::to_string(i) + "]";
    CaseResult& t = r->tests.emplace_back();
    if (Status read = fromJson(c, &t.run); !read.isOk())
      return Status::invalidArgument(w + ": " + read.message());
    if (Status s = firstError({readString(c, "name", &t.name, w + "."),
                               readInt(c, "line", &t.line, w + "."),
                               readInt(c, "column", &t.column, w + ".")});
        !s.isOk())
      return s;
    if (auto checker = c.find("checker"); checker != c.end() && !checker->is_null()) {
      if (Status read = fromJson(*checker, &t.checker.emplace()); !read.isOk())
        return Status::invalidArgument(w + ".checker: " + read.message());
    }
  }
  return Status::ok();
}

json toJson(const RunnerInfo& info) {
  return {{"language", info.language},
          {"version", info.version},
          {"aliases", info.aliases},
          {"extensions", info.extensions},
          {"compiled", info.compiled}};
}

Status fromJson(const json& j, RunnerInfo* info) {
  if (!j.is_object()) return Status::invalidArgument("language entry must be an object");
  const std::string w = "language.";
  if (Status s = firstError({readString(j, "language", &info->language, w),
                             readString(j, "version", &info->version, w),
                             readStrings(j, "aliases", &info->aliases, w),
                             readStrings(j, "extensions", &info->extensions, w),
                             readBool(j, "compiled", &info->compiled, w)});
      !s.isOk())
    return s;
  if (info->language.empty()) return Status::invalidArgument("language.language is missing");
  return Status::ok();
}

}  // namespace polyrun
