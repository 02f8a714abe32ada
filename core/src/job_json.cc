#include "polyrun/job_json.h"

namespace polyrun {
namespace {
using nlohmann::json;

// Field readers: absent fields keep the default; a field of the wrong type is an error naming it.
bool readString(const json& j, const char* key, std::string* out, std::string* error,
                const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_string()) {
    *error = where + key + " must be a string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

bool readInt(const json& j, const char* key, int64_t* out, std::string* error,
             const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_number_integer() && !(it->is_number_float() && it->get<double>() == int64_t(it->get<double>()))) {
    *error = where + key + " must be an integer";
    return false;
  }
  *out = it->get<int64_t>();
  return true;
}

bool readInt(const json& j, const char* key, int* out, std::string* error, const std::string& where) {
  int64_t v = *out;
  if (!readInt(j, key, &v, error, where)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool readBool(const json& j, const char* key, bool* out, std::string* error,
              const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_boolean()) {
    *error = where + key + " must be true or false";
    return false;
  }
  *out = it->get<bool>();
  return true;
}

bool readStrings(const json& j, const char* key, std::vector<std::string>* out,
                 std::string* error, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_array()) {
    *error = where + key + " must be an array of strings";
    return false;
  }
  out->clear();
  for (const auto& v : *it) {
    if (!v.is_string()) {
      *error = where + key + " must be an array of strings";
      return false;
    }
    out->push_back(v.get<std::string>());
  }
  return true;
}

bool readStageLimits(const json& j, const char* key, StageLimits* out, std::string* error) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  const std::string where = std::string("job.limits.") + key + ".";
  if (!it->is_object()) {
    *error = "job.limits." + std::string(key) + " must be an object";
    return false;
  }
  return readInt(*it, "wall_ms", &out->wall_ms, error, where) &&
         readInt(*it, "cpu_ms", &out->cpu_ms, error, where) &&
         readInt(*it, "memory_bytes", &out->memory_bytes, error, where);
}

json stageLimitsJson(const StageLimits& l) {
  return {{"wall_ms", l.wall_ms}, {"cpu_ms", l.cpu_ms}, {"memory_bytes", l.memory_bytes}};
}

}  // namespace

json toJson(const Job& job) {
  json files = json::array();
  for (const auto& f : job.files) {
    files.push_back({{"name", f.name},
                     {"content", f.content},
                     {"encoding", f.encoding == Encoding::kBase64 ? "base64" : "utf8"}});
  }
  json j = {{"language", job.language},
            {"version", job.version},
            {"files", std::move(files)},
            {"stdin", job.stdin_data},
            {"args", job.args},
            {"limits",
             {{"compile", stageLimitsJson(job.limits.compile)},
              {"run", stageLimitsJson(job.limits.run)},
              {"output_bytes", job.limits.output_bytes},
              {"processes", job.limits.processes}}}};
  if (!job.id.empty()) j["id"] = job.id;
  return j;
}

bool fromJson(const json& j, Job* job, std::string* error) {
  if (!j.is_object()) {
    *error = "job must be an object";
    return false;
  }
  const std::string w = "job.";
  if (!readString(j, "id", &job->id, error, w) ||
      !readString(j, "language", &job->language, error, w) ||
      !readString(j, "version", &job->version, error, w) ||
      !readString(j, "stdin", &job->stdin_data, error, w) ||
      !readStrings(j, "args", &job->args, error, w))
    return false;
  if (job->language.empty()) {
    *error = "job.language is missing: name the language (see `polyrun runtimes`)";
    return false;
  }
  auto files = j.find("files");
  if (files == j.end() || !files->is_array() || files->empty()) {
    *error = "job.files must be a non-empty array of {name, content, encoding}";
    return false;
  }
  job->files.clear();
  for (size_t i = 0; i < files->size(); ++i) {
    const json& f = (*files)[i];
    const std::string fw = "job.files[" + std::to_string(i) + "].";
    if (!f.is_object()) {
      *error = "job.files[" + std::to_string(i) + "] must be an object";
      return false;
    }
    SourceFile file;
    std::string encoding = "utf8";
    if (!readString(f, "name", &file.name, error, fw) ||
        !readString(f, "content", &file.content, error, fw) ||
        !readString(f, "encoding", &encoding, error, fw))
      return false;
    if (!f.contains("content")) {
      *error = fw + "content is missing";
      return false;
    }
    if (encoding == "utf8" || encoding.empty()) {
      file.encoding = Encoding::kUtf8;
    } else if (encoding == "base64") {
      file.encoding = Encoding::kBase64;
    } else {
      *error = fw + "encoding must be \"utf8\" or \"base64\", not \"" + encoding + "\"";
      return false;
    }
    job->files.push_back(std::move(file));
  }
  auto limits = j.find("limits");
  if (limits != j.end() && !limits->is_null()) {
    if (!limits->is_object()) {
      *error = "job.limits must be an object";
      return false;
    }
    if (!readStageLimits(*limits, "compile", &job->limits.compile, error) ||
        !readStageLimits(*limits, "run", &job->limits.run, error) ||
        !readInt(*limits, "output_bytes", &job->limits.output_bytes, error, "job.limits.") ||
        !readInt(*limits, "processes", &job->limits.processes, error, "job.limits."))
      return false;
  }
  return true;
}

json toJson(const StageResult& s) {
  return {{"verdict", verdictName(s.verdict)},
          {"stdout", s.stdout_data},
          {"stderr", s.stderr_data},
          {"stdout_truncated", s.stdout_truncated},
          {"stderr_truncated", s.stderr_truncated},
          {"exit_code", s.exit_code},
          {"signal", s.signal},
          {"cpu_ms", s.cpu_ms},
          {"wall_ms", s.wall_ms},
          {"memory_bytes", s.memory_bytes},
          {"message", s.message},
          {"cached", s.cached}};
}

bool fromJson(const json& j, StageResult* s, std::string* error) {
  if (!j.is_object()) {
    *error = "stage result must be an object";
    return false;
  }
  const std::string w = "stage.";
  std::string verdict = "OK";
  if (!readString(j, "verdict", &verdict, error, w) ||
      !readString(j, "stdout", &s->stdout_data, error, w) ||
      !readString(j, "stderr", &s->stderr_data, error, w) ||
      !readBool(j, "stdout_truncated", &s->stdout_truncated, error, w) ||
      !readBool(j, "stderr_truncated", &s->stderr_truncated, error, w) ||
      !readInt(j, "exit_code", &s->exit_code, error, w) ||
      !readInt(j, "signal", &s->signal, error, w) ||
      !readInt(j, "cpu_ms", &s->cpu_ms, error, w) ||
      !readInt(j, "wall_ms", &s->wall_ms, error, w) ||
      !readInt(j, "memory_bytes", &s->memory_bytes, error, w) ||
      !readString(j, "message", &s->message, error, w) ||
      !readBool(j, "cached", &s->cached, error, w))
    return false;
  auto v = parseVerdict(verdict);
  if (!v) {
    *error = "stage.verdict \"" + verdict + "\" is not a known verdict";
    return false;
  }
  s->verdict = *v;
  return true;
}

json toJson(JobResult&& r) {
  // The outputs are the only large fields: taken out, the rest is copied as usual.
  std::optional<std::string> outputs[4];
  StageResult* stages[2] = {r.compile ? &*r.compile : nullptr, r.run ? &*r.run : nullptr};
  for (int i = 0; i < 2; ++i) {
    if (!stages[i]) continue;
    outputs[2 * i] = std::move(stages[i]->stdout_data);
    outputs[2 * i + 1] = std::move(stages[i]->stderr_data);
    stages[i]->stdout_data.clear();
    stages[i]->stderr_data.clear();
  }
  json j = toJson(static_cast<const JobResult&>(r));
  const char* names[2] = {"compile", "run"};
  for (int i = 0; i < 2; ++i) {
    if (!stages[i]) continue;
    j[names[i]]["stdout"] = std::move(*outputs[2 * i]);
    j[names[i]]["stderr"] = std::move(*outputs[2 * i + 1]);
  }
  return j;
}

json toJson(const JobResult& r) {
  json j = {{"job_id", r.job_id},     {"slave", r.slave},       {"language", r.language},
            {"version", r.version},   {"verdict", verdictName(r.verdict)},
            {"message", r.message},   {"queue_ms", r.queue_ms}, {"total_ms", r.total_ms}};
  if (r.compile) j["compile"] = toJson(*r.compile);
  if (r.run) j["run"] = toJson(*r.run);
  return j;
}

bool fromJson(const json& j, JobResult* r, std::string* error) {
  if (!j.is_object()) {
    *error = "result must be an object";
    return false;
  }
  const std::string w = "result.";
  std::string verdict = "OK";
  if (!readString(j, "job_id", &r->job_id, error, w) ||
      !readString(j, "slave", &r->slave, error, w) ||
      !readString(j, "language", &r->language, error, w) ||
      !readString(j, "version", &r->version, error, w) ||
      !readString(j, "verdict", &verdict, error, w) ||
      !readString(j, "message", &r->message, error, w) ||
      !readInt(j, "queue_ms", &r->queue_ms, error, w) ||
      !readInt(j, "total_ms", &r->total_ms, error, w))
    return false;
  auto v = parseVerdict(verdict);
  if (!v) {
    *error = "result.verdict \"" + verdict + "\" is not a known verdict";
    return false;
  }
  r->verdict = *v;
  for (const char* stage : {"compile", "run"}) {
    auto it = j.find(stage);
    if (it == j.end() || it->is_null()) continue;
    StageResult s;
    if (!fromJson(*it, &s, error)) {
      *error = std::string("result.") + stage + ": " + *error;
      return false;
    }
    (std::string_view(stage) == "compile" ? r->compile : r->run) = std::move(s);
  }
  return true;
}

json toJson(const RunnerInfo& info) {
  return {{"language", info.language},
          {"version", info.version},
          {"aliases", info.aliases},
          {"extensions", info.extensions},
          {"compiled", info.compiled}};
}

bool fromJson(const json& j, RunnerInfo* info, std::string* error) {
  if (!j.is_object()) {
    *error = "language entry must be an object";
    return false;
  }
  const std::string w = "language.";
  if (!readString(j, "language", &info->language, error, w) ||
      !readString(j, "version", &info->version, error, w) ||
      !readStrings(j, "aliases", &info->aliases, error, w) ||
      !readStrings(j, "extensions", &info->extensions, error, w) ||
      !readBool(j, "compiled", &info->compiled, error, w))
    return false;
  if (info->language.empty()) {
    *error = "language.language is missing";
    return false;
  }
  return true;
}

}  // namespace polyrun
