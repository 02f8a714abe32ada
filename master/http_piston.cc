#include "http_piston.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "polyrun/base64.h"
#include "polyrun/json_parse.h"
#include "polyrun/wire_bytes.h"
#include "router.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

// Reads one Piston limit into *value: absent, null or 0 leaves the master's default (0); -1
// asks for the maximum.
bool readLimit(const json& body, const char* field, int64_t max, const char* unit, int64_t* value,
               std::string* error) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number()) {
    *error = std::string(field) + " must be a number of " + unit +
             ", or -1 for this master's maximum; got " + shownValue(*it);
    return false;
  }
  const double d = it->get<double>();
  if (d == -1) {
    *value = max;
    return true;
  }
  if (!(d >= 0)) {  // negative, or NaN
    *error = std::string(field) + " = " + shownValue(*it) +
             " is negative; use -1 for this master's maximum, or leave it out for the default";
    return false;
  }
  if (d > static_cast<double>(max)) {
    *error = std::string(field) + " = " + shownValue(*it) + " is over this master's maximum of " +
             std::to_string(max) + " " + unit + "; use -1 for the maximum";
    return false;
  }
  // Fractions round up so that a tiny positive limit never becomes 0 (the default).
  *value = static_cast<int64_t>(std::ceil(d));
  return true;
}

bool readFiles(const json& body, Job* job, std::string* error) {
  auto it = body.find("files");
  if (it == body.end() || !it->is_array()) {
    *error = "files is required as an array of {\"name\"?, \"content\", \"encoding\"?} objects" +
             std::string(it == body.end() ? "" : "; got " + shownValue(*it));
    return false;
  }
  if (it->empty()) {
    *error = "files is empty: send at least one file (the first is the main file)";
    return false;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& f = (*it)[i];
    const std::string at = "files[" + std::to_string(i) + "]";
    if (!f.is_object()) {
      *error =
          at + " must be an object {\"name\"?, \"content\", \"encoding\"?}; got " + shownValue(f);
      return false;
    }
    SourceFile file;
    auto content = f.find("content");
    if (content == f.end() || !content->is_string()) {
      *error = at + ".content is required as a string";
      return false;
    }
    file.content = content->get<std::string>();
    if (auto name = f.find("name"); name != f.end() && !name->is_null()) {
      if (!name->is_string()) {
        *error = at + ".name must be a string; got " + shownValue(*name);
        return false;
      }
      file.name = name->get<std::string>();
    }
    std::string encoding = "utf8";
    if (auto e = f.find("encoding"); e != f.end() && !e->is_null()) {
      if (!e->is_string()) {
        *error = at + ".encoding must be \"utf8\", \"base64\" or \"hex\"; got " + shownValue(*e);
        return false;
      }
      encoding = e->get<std::string>();
    }
    if (encoding == "base64") {
      if (!base64Decode(file.content)) {
        *error = at + ".content is not valid base64 (encoding \"base64\")";
        return false;
      }
      file.encoding = Encoding::kBase64;
    } else if (encoding == "hex") {
      const std::string& hex = file.content;
      std::string bytes;
      auto nibble = [](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      bool ok = hex.size() % 2 == 0;
      for (size_t k = 0; ok && k < hex.size(); k += 2) {
        const int hi = nibble(hex[k]), lo = nibble(hex[k + 1]);
        ok = hi >= 0 && lo >= 0;
        bytes.push_back(static_cast<char>(hi * 16 + lo));
      }
      if (!ok) {
        *error = at + ".content is not valid hex (encoding \"hex\": pairs of 0-9a-f)";
        return false;
      }
      file.content = base64Encode(bytes);  // the wire knows utf8 and base64 only
      file.encoding = Encoding::kBase64;
    } else if (encoding != "utf8") {
      *error = at + ".encoding " + shownValue(encoding) +
               " is unknown; use \"utf8\", \"base64\" or \"hex\"";
      return false;
    }
    job->files.push_back(std::move(file));
  }
  return true;
}

bool readStrings(const json& body, const char* field, std::vector<std::string>* out,
                 std::string* error) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_array()) {
    *error = std::string(field) + " must be an array of strings; got " + shownValue(*it);
    return false;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) {
      *error = std::string(field) + "[" + std::to_string(i) + "] must be a string; got " +
               shownValue((*it)[i]);
      return false;
    }
    out->push_back((*it)[i].get<std::string>());
  }
  return true;
}

bool resolveRuntime(const json& body, const json& runtimes, PistonExecute* out,
                    std::string* error) {
  auto lang = body.find("language");
  if (lang == body.end() || !lang->is_string() || lang->get<std::string>().empty()) {
    *error =
        "language is required as a string, e.g. \"python\" (GET /api/v2/runtimes lists those "
        "offered)";
    return false;
  }
  std::string pattern = "*";
  if (auto v = body.find("version"); v != body.end() && !v->is_null()) {
    if (!v->is_string()) {
      *error = "version must be a string: \"*\", a version, or its prefix such as \"3\"; got " +
               shownValue(*v);
      return false;
    }
    if (!v->get<std::string>().empty()) pattern = v->get<std::string>();
  }
  const std::string name = lang->get<std::string>();
  out->language = name;
  out->job.language = name;
  out->job.version = pattern;
  if (!runtimes.is_array() || runtimes.empty()) return true;  // no slave yet: the job waits

  std::set<std::string> offered;
  std::string canonical;
  for (const auto& r : runtimes) {
    const std::string l = r.value("language", "");
    offered.insert(l);
    const auto aliases = r.value("aliases", json::array());
    if (l == name || std::find(aliases.begin(), aliases.end(), name) != aliases.end())
      canonical = l;
  }
  if (canonical.empty()) {
    std::string list;
    for (const auto& l : offered) list += (list.empty() ? "" : ", ") + l;
    *error = "language " + shownValue(name) + " is not offered by any slave; offered: " + list +
             " (GET /api/v2/runtimes)";
    return false;
  }
  std::string newest, versions;
  for (const auto& r : runtimes) {
    if (r.value("language", "") != canonical) continue;
    const std::string v = r.value("version", "");
    versions += (versions.empty() ? "" : ", ") + v;
    if (!versionMatches(v, pattern == "*" ? "" : pattern)) continue;
    if (newest.empty() || compareVersions(v, newest) > 0) {
      newest = v;
      out->compiled = r.value("compiled", false);
    }
  }
  if (newest.empty()) {
    // Piston's own words too ("runtime python-9 is unknown"), with the pattern cut short.
    const std::string cut = pattern.size() > 32 ? pattern.substr(0, 32) + "..." : pattern;
    *error = "version " + shownValue(pattern) + " of " + canonical + " is not offered (runtime " +
             canonical + "-" + cut + " is unknown); versions offered: " + versions;
    return false;
  }
  out->language = canonical;
  out->version = newest;
  return true;
}

json pistonStage(const StageResult& s) {
  json stage = {{"stdout", s.stdout_data},
                {"stderr", s.stderr_data},
                {"output", s.stdout_data + s.stderr_data},
                {"stdout_truncated", s.stdout_truncated},
                {"stderr_truncated", s.stderr_truncated},
                {"code", s.exit_code >= 0 && s.signal == 0 ? json(s.exit_code) : json(nullptr)},
                {"signal", signalName(s.signal)},
                {"message", s.message.empty() ? json(nullptr) : json(s.message)},
                {"status", pistonStatus(s)},
                {"cpu_time", s.cpu_ms},
                {"wall_time", s.wall_ms},
                {"memory", s.memory_bytes},
                {"verdict", verdictName(s.verdict)}};
  // Piston's fields are text (bytes that are not UTF-8 become U+FFFD when sent); the exact
  // bytes of such an output come along in base64 (docs/http-api.md).
  for (const auto& [key, bytes] :
       {std::pair<const char*, const std::string&>{"stdout", s.stdout_data},
        {"stderr", s.stderr_data}}) {
    if (!isUtf8(bytes)) stage[std::string(key) + "_base64"] = base64Encode(bytes);
  }
  if (stage.contains("stdout_base64") || stage.contains("stderr_base64"))
    stage["output_base64"] = base64Encode(s.stdout_data + s.stderr_data);
  return stage;
}

// The stage shown when nothing ran (the job failed before, or was lost): its message also goes
// to stderr, where a Piston user looks.
StageResult stageWithout(const JobResult& r) {
  StageResult s;
  s.verdict = r.verdict == Verdict::kOk ? Verdict::kInternalError : r.verdict;
  s.message = r.message.empty() ? "the job ended without running" : r.message;
  s.stderr_data = s.message + "\n";
  return s;
}

}  // namespace

json signalName(int signal) {
  if (signal == 0) return nullptr;
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? json(std::string("SIG") + abbrev) : json("SIG" + std::to_string(signal));
}

json pistonStatus(const StageResult& s) {
  switch (s.verdict) {
    case Verdict::kOk:
      return nullptr;
    case Verdict::kRuntimeError:
      return "RE";
    case Verdict::kSignaled:
      return "SG";
    case Verdict::kTimeLimit:
      return "TO";
    case Verdict::kMemoryLimit:
      return s.signal != 0 ? "SG" : "RE";
    case Verdict::kOutputLimit:
      return s.stdout_truncated || !s.stderr_truncated ? "OL" : "EL";
    case Verdict::kInternalError:
    case Verdict::kWrongAnswer:  // judged jobs' verdicts: a Piston request has no test cases
    case Verdict::kSkipped:
    case Verdict::kCheckerError:
      return "XX";
    case Verdict::kCompileError:
      // The executor folds every compile failure into COMPILE_ERROR; its message keeps the cause.
      if (s.message.find("time limit") != std::string::npos) return "TO";
      if (s.stdout_truncated) return "OL";
      if (s.stderr_truncated) return "EL";
      if (s.signal != 0) return "SG";
      return "RE";
  }
  return "XX";
}

bool decodePistonBody(std::string_view text, const json& runtimes, const Limits& maxima,
                      PistonExecute* out, std::string* error) {
  json body;
  if (Status parsed = parseJson(text, &body); !parsed.isOk()) {
    *error = "the request body is not valid JSON (" + parsed.message() +
             "); send an object such as {\"language\": \"python\", \"version\": \"*\", "
             "\"files\": [{\"content\": \"print(1)\"}]}";
    return false;
  }
  return parsePistonExecute(body, runtimes, maxima, out, error);
}

bool parsePistonExecute(const json& body, const json& runtimes, const Limits& maxima,
                        PistonExecute* out, std::string* error) {
  if (!body.is_object()) {
    *error = "the request body must be a JSON object with language, version and files; got " +
             shownValue(body);
    return false;
  }
  if (!resolveRuntime(body, runtimes, out, error) || !readFiles(body, &out->job, error))
    return false;
  if (auto in = body.find("stdin"); in != body.end() && !in->is_null()) {
    if (!in->is_string()) {
      *error = "stdin must be a string; got " + shownValue(*in);
      return false;
    }
    out->job.stdin_data = in->get<std::string>();
  }
  if (!readStrings(body, "args", &out->job.args, error)) return false;
  Limits& l = out->job.limits;
  return readLimit(body, "compile_timeout", maxima.compile.wall_ms, "milliseconds",
                   &l.compile.wall_ms, error) &&
         readLimit(body, "run_timeout", maxima.run.wall_ms, "milliseconds", &l.run.wall_ms,
                   error) &&
         readLimit(body, "compile_cpu_time", maxima.compile.cpu_ms, "milliseconds",
                   &l.compile.cpu_ms, error) &&
         readLimit(body, "run_cpu_time", maxima.run.cpu_ms, "milliseconds", &l.run.cpu_ms, error) &&
         readLimit(body, "compile_memory_limit", maxima.compile.memory_bytes, "bytes",
                   &l.compile.memory_bytes, error) &&
         readLimit(body, "run_memory_limit", maxima.run.memory_bytes, "bytes", &l.run.memory_bytes,
                   error);
}

json pistonResponse(const JobResult& r, bool compiled) {
  json out = {{"language", r.language}, {"version", r.version}};
  std::optional<json> compile, run;
  if (r.compile) compile = pistonStage(*r.compile);
  if (r.run) run = pistonStage(*r.run);
  if (!run) run = compile ? *compile : pistonStage(stageWithout(r));  // as Piston does
  if (!compile && (compiled || r.compile)) compile = *run;
  out["run"] = std::move(*run);
  if (compile && (compiled || r.compile)) out["compile"] = std::move(*compile);
  out["verdict"] = verdictName(r.verdict);
  out["message"] = r.message.empty() ? json(nullptr) : json(r.message);
  out["job_id"] = r.job_id;
  out["slave"] = r.slave;
  out["queue_ms"] = r.queue_ms;
  out["total_ms"] = r.total_ms;
  return out;
}

json pistonRuntimes(const json& runtimes) {
  json list = json::array();
  if (!runtimes.is_array()) return list;
  for (const auto& r : runtimes) {
    json entry = r;
    entry["aliases"] = r.value("aliases", json::array());
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace polyrun::master
