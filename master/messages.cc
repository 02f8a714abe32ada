#include "messages.h"

#include <algorithm>
#include <cmath>

#include "polyrun/job_json.h"
#include "polyrun/protocol.h"
#include "polyrun/wire_bytes.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

bool fail(DecodeError* error, std::string_view code, std::string message) {
  error->code = code;
  error->message = std::move(message);
  return false;
}

bool badMessage(DecodeError* error, std::string message) {
  return fail(error, errc::kBadMessage, std::move(message));
}

// An optional string field: absent or null keeps *out.
bool optionalString(const json& m, const char* type, const char* key, std::string* out,
                    DecodeError* error) {
  auto it = m.find(key);
  if (it == m.end() || it->is_null()) return true;
  if (!it->is_string())
    return badMessage(error, std::string(type) + ": \"" + key + "\" must be a string");
  *out = it->get<std::string>();
  return true;
}

bool requiredString(const json& m, const char* type, const char* key, std::string* out,
                    DecodeError* error) {
  auto it = m.find(key);
  if (it == m.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return badMessage(error, std::string(type) + " needs \"" + key + "\", a non-empty string");
  *out = it->get<std::string>();
  return true;
}

bool optionalBool(const json& m, const char* type, const char* key, bool* out, DecodeError* error) {
  auto it = m.find(key);
  if (it == m.end() || it->is_null()) return true;
  if (!it->is_boolean())
    return badMessage(error, std::string(type) + ": \"" + key + "\" must be true or false");
  *out = it->get<bool>();
  return true;
}

bool optionalNumber(const json& m, const char* where, const char* key, double* out,
                    DecodeError* error) {
  auto it = m.find(key);
  if (it == m.end() || it->is_null()) return true;
  if (!it->is_number())
    return badMessage(error, std::string(where) + "." + key + " must be a number");
  const double v = it->get<double>();
  if (!std::isfinite(v))
    return badMessage(error, std::string(where) + "." + key + " must be finite");
  *out = v;
  return true;
}

// An integer within [lo, hi]; out-of-range values are clamped (a slave's counters are advice).
bool optionalInt(const json& m, const char* where, const char* key, int64_t lo, int64_t hi,
                 int64_t* out, DecodeError* error) {
  double v = static_cast<double>(*out);
  if (!optionalNumber(m, where, key, &v, error)) return false;
  v = std::clamp(v, static_cast<double>(lo), static_cast<double>(hi));
  *out = static_cast<int64_t>(v);
  return true;
}

bool decodeLoad(const json& m, SlaveLoad* load, DecodeError* error) {
  auto it = m.find("load");
  if (it == m.end() || it->is_null()) return true;
  if (!it->is_object()) return badMessage(error, "\"load\" must be an object");
  const json& l = *it;
  int64_t running = 0, assigned = 0, peak = 0, capacity = 0, memory = 0;
  if (!optionalInt(l, "load", "running", 0, 1 << 20, &running, error) ||
      !optionalInt(l, "load", "assigned", 0, 1 << 20, &assigned, error) ||
      !optionalInt(l, "load", "peak_assigned", 0, 1 << 20, &peak, error) ||
      !optionalInt(l, "load", "capacity", 0, kMaxSlaveCapacity, &capacity, error) ||
      !optionalInt(l, "load", "memory_free_bytes", 0, int64_t{1} << 60, &memory, error) ||
      !optionalNumber(l, "load", "load_avg", &load->load_avg, error) ||
      !optionalNumber(l, "load", "cpu_busy", &load->cpu_busy, error))
    return false;
  load->running = static_cast<int>(running);
  load->assigned = static_cast<int>(assigned);
  load->peak_assigned = static_cast<int>(peak);
  load->capacity = static_cast<int>(capacity);
  load->memory_free_bytes = memory;
  load->load_avg = std::clamp(load->load_avg, 0.0, 1e6);
  load->cpu_busy = std::clamp(load->cpu_busy, 0.0, 1.0);
  return true;
}

bool decodeLanguages(const json& m, const char* type, std::vector<RunnerInfo>* out,
                     DecodeError* error) {
  auto it = m.find("languages");
  if (it == m.end() || !it->is_array())
    return badMessage(error, std::string(type) + ": \"languages\" must be an array");
  for (size_t i = 0; i < it->size(); ++i) {
    RunnerInfo info;
    if (Status s = fromJson((*it)[i], &info); !s.isOk())
      return badMessage(
          error, std::string(type) + ": languages[" + std::to_string(i) + "]: " + s.message());
    out->push_back(std::move(info));
  }
  return true;
}

bool decodePlugins(const json& m, json* out, DecodeError* error) {
  auto it = m.find("plugins");
  if (it == m.end() || it->is_null()) return true;
  if (!it->is_array()) return badMessage(error, "\"plugins\" must be an array");
  *out = *it;
  return true;
}

// FrameReader already refuses a message without a "type" string; decoding checks again so that
// it is safe on any JSON value.
const std::string* typeOf(const json& m) {
  if (!m.is_object()) return nullptr;
  auto it = m.find("type");
  if (it == m.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

}  // namespace

bool decodeClientRequest(const json& m, ClientRequest* r, DecodeError* error) {
  if (!m.is_object()) return badMessage(error, "a message must be a JSON object");
  if (auto id = m.find("id"); id != m.end() && !id->is_null()) {
    if (!id->is_string() && !id->is_number())
      return badMessage(error, "\"id\" must be a string or a number");
    r->id = *id;
  }
  const std::string* type_ptr = typeOf(m);
  if (!type_ptr) return badMessage(error, "a message must be an object with a \"type\" string");
  const std::string& type = *type_ptr;
  if (type == msg::kSubmit) {
    r->kind = ClientRequest::Kind::kSubmit;
    auto job = m.find("job");
    if (job == m.end()) return badMessage(error, "submit needs a \"job\" object");
    if (Status s = fromJson(*job, &r->job); !s.isOk()) return badMessage(error, s.message());
    return true;
  }
  if (type == msg::kRuntimes) {
    r->kind = ClientRequest::Kind::kRuntimes;
    return true;
  }
  if (type == msg::kCluster) {
    r->kind = ClientRequest::Kind::kCluster;
    return true;
  }
  if (type == msg::kJob) {
    r->kind = ClientRequest::Kind::kJob;
    return requiredString(m, "job", "job_id", &r->job_id, error) &&
           optionalBool(m, "job", "wait", &r->wait, error);
  }
  if (type == msg::kCancel) {
    r->kind = ClientRequest::Kind::kCancel;
    return requiredString(m, "cancel", "job_id", &r->job_id, error);
  }
  if (type == msg::kAuth) {
    r->kind = ClientRequest::Kind::kAuth;
    return optionalString(m, "auth", "token", &r->token, error);
  }
  if (type == msg::kInput) {
    r->kind = ClientRequest::Kind::kInput;
    if (!requiredString(m, "input", "job_id", &r->job_id, error) ||
        !optionalBool(m, "input", "eof", &r->eof, error))
      return false;
    if (Status s = getBytes(m, "data", &r->data, "input."); !s.isOk())
      return badMessage(error, s.message());
    return true;
  }
  if (type == msg::kSignal) {
    r->kind = ClientRequest::Kind::kSignal;
    std::string name;
    if (!requiredString(m, "signal", "job_id", &r->job_id, error) ||
        !requiredString(m, "signal", "signal", &name, error))
      return false;
    r->signal = signalNumber(name);
    if (r->signal == 0)
      return badMessage(error, "signal: \"signal\" must be one of " + std::string(signalNames()) +
                                   ", not \"" + name.substr(0, 32) + "\"");
    return true;
  }
  return fail(error, errc::kUnknownType,
              "unknown message type \"" + type.substr(0, 64) +
                  "\" on the client port; expected submit, job, cancel, input, signal, runtimes, "
                  "cluster or auth (docs/protocol.md)");
}

bool decodeSlaveMessage(const json& m, SlaveMessage* s, DecodeError* error) {
  const std::string* type_ptr = typeOf(m);
  if (!type_ptr) return badMessage(error, "a message must be an object with a \"type\" string");
  const std::string& type = *type_ptr;
  if (type == msg::kRegister) {
    s->kind = SlaveMessage::Kind::kRegister;
    int64_t capacity = 1;
    if (!optionalString(m, "register", "token", &s->token, error) ||
        !optionalString(m, "register", "name", &s->name, error) ||
        !optionalInt(m, "register", "capacity", 0, kMaxSlaveCapacity, &capacity, error) ||
        !optionalBool(m, "register", "draining", &s->draining, error) ||
        !optionalString(m, "register", "limits", &s->limits, error) ||
        !decodeLanguages(m, "register", &s->languages, error) ||
        !decodePlugins(m, &s->plugins, error) || !decodeLoad(m, &s->load, error))
      return false;
    s->capacity = static_cast<int>(capacity);
    if (s->limits.empty() || s->limits.size() > 32)
      return badMessage(error,
                        "register: \"limits\" must be a mode name such as cgroup or rlimits");
    if (auto jobs = m.find("jobs"); jobs != m.end() && !jobs->is_null()) {
      if (!jobs->is_array())
        return badMessage(error, "register: \"jobs\" must be an array of job ids");
      for (const auto& j : *jobs) {
        if (!j.is_string())
          return badMessage(error, "register: \"jobs\" must be an array of job ids");
        s->jobs.push_back(j.get<std::string>());
      }
    }
    return true;
  }
  if (type == msg::kHeartbeat) {
    s->kind = SlaveMessage::Kind::kHeartbeat;
    return decodeLoad(m, &s->load, error);
  }
  if (type == msg::kLanguages) {
    s->kind = SlaveMessage::Kind::kLanguages;
    return decodeLanguages(m, "languages", &s->languages, error) &&
           decodePlugins(m, &s->plugins, error);
  }
  if (type == msg::kProgress) {
    s->kind = SlaveMessage::Kind::kProgress;
    std::string name;
    if (!requiredString(m, "progress", "job_id", &s->job_id, error) ||
        !requiredString(m, "progress", "state", &name, error))
      return false;
    const std::optional<JobState> st = parseJobState(name);
    if (st != JobState::kCompiling && st != JobState::kRunning)
      return badMessage(error, "progress: \"state\" must be \"compiling\" or \"running\", not \"" +
                                   name.substr(0, 32) + "\"");
    s->state = *st;
    auto test = m.find("test");
    if (test == m.end() || test->is_null()) return true;
    // A judged job's case, decoded like a result's (and encoded again for the client).
    CaseResult& c = s->test.emplace();
    int64_t index = -1;
    if (!test->is_object())
      return badMessage(error, "progress: \"test\" must be a test case's result: not an object");
    if (Status read = fromJson(*test, &c.run); !read.isOk())
      return badMessage(error,
                        "progress: \"test\" must be a test case's result: " + read.message());
    if (auto i = test->find("index"); i != test->end() && i->is_number_unsigned())
      index = i->get<int64_t>();
    if (index < 0) return badMessage(error, "progress: \"test\" needs its \"index\"");
    s->test_index = static_cast<size_t>(index);
    if (auto n = test->find("name"); n != test->end() && n->is_string()) c.name = *n;
    for (auto [key, out] : {std::pair{"line", &c.line}, std::pair{"column", &c.column}})
      if (auto v = test->find(key); v != test->end() && v->is_number_integer()) *out = *v;
    if (auto k = test->find("checker"); k != test->end() && !k->is_null()) {
      if (Status read = fromJson(*k, &c.checker.emplace()); !read.isOk())
        return badMessage(error,
                          "progress: \"test\".checker must be the checker program's "
                          "stage: " +
                              read.message());
    }
    return true;
  }
  if (type == msg::kResult) {
    s->kind = SlaveMessage::Kind::kResult;
    auto it = m.find("result");
    std::string outer_id;
    if (!optionalString(m, "result", "job_id", &outer_id, error)) return false;
    std::string why;
    if (it != m.end()) why = fromJson(*it, &s->result).message();
    if (it == m.end() || !why.empty()) {
      if (outer_id.empty())
        return badMessage(
            error, "result: " + (why.empty() ? std::string("needs a \"result\" object") : why));
      s->result = JobResult{};
      s->result_error = why.empty() ? "no \"result\" object" : why;
    }
    if (!outer_id.empty()) s->result.job_id = outer_id;
    if (s->result.job_id.empty()) return badMessage(error, "result needs \"job_id\"");
    s->job_id = s->result.job_id;
    return true;
  }
  if (type == msg::kCancelled) {
    s->kind = SlaveMessage::Kind::kCancelled;
    return requiredString(m, "cancelled", "job_id", &s->job_id, error);
  }
  if (type == msg::kDrain) {
    s->kind = SlaveMessage::Kind::kDrain;
    return true;
  }
  if (type == msg::kOutput) {
    s->kind = SlaveMessage::Kind::kOutput;
    if (!requiredString(m, "output", "job_id", &s->job_id, error)) return false;
    auto chunks = m.find("chunks");
    std::vector<OutputChunk> decoded;
    if (chunks == m.end()) return badMessage(error, "output needs \"chunks\"");
    if (Status st = fromJson(*chunks, &decoded); !st.isOk())
      return badMessage(error, "output: " + st.message());
    for (const OutputChunk& c : decoded) s->output_bytes += c.data.size();
    s->chunks = *chunks;
    return true;
  }
  return fail(
      error, errc::kUnknownType,
      "unknown message type \"" + type.substr(0, 64) + "\" on the slave port (docs/protocol.md)");
}

// --- Encoding ------------------------------------------------------------------------------

json encodeOutput(const json& id, const std::string& job_id, json chunks, size_t dropped) {
  json m = {{"type", msg::kOutput}, {"id", id}, {"job_id", job_id}, {"chunks", std::move(chunks)}};
  if (dropped > 0) m["dropped"] = dropped;
  return m;
}

json encodeInput(const std::string& job_id, std::string data, bool eof) {
  json m = {{"type", msg::kInput}, {"job_id", job_id}};
  putBytes(m, "data", std::move(data));
  if (eof) m["eof"] = true;
  return m;
}

json encodeSignal(const std::string& job_id, int signo) {
  return {{"type", msg::kSignal}, {"job_id", job_id}, {"signal", signalName(signo)}};
}

json encodeError(const json& id, std::string_view code, const std::string& message) {
  json m = {{"type", msg::kError}, {"code", code}, {"message", message}};
  if (!id.is_null()) m["id"] = id;
  return m;
}

json encodeAuthenticated(const json& id) { return {{"type", msg::kAuthenticated}, {"id", id}}; }

json encodeRuntimes(const json& id, json runtimes) {
  return {{"type", msg::kRuntimes}, {"id", id}, {"runtimes", std::move(runtimes)}};
}

json encodeCluster(const json& id, json snapshot) {
  snapshot["type"] = msg::kCluster;
  snapshot["id"] = id;
  return snapshot;
}

json encodeAccepted(const json& id, const std::string& job_id) {
  return {{"type", msg::kAccepted}, {"id", id}, {"job_id", job_id}};
}

json encodeProgress(const json& id, const std::string& job_id, JobState state,
                    std::optional<std::string_view> slave, const json* test) {
  json m = {
      {"type", msg::kProgress}, {"id", id}, {"job_id", job_id}, {"state", jobStateName(state)}};
  if (slave) m["slave"] = *slave;
  if (test) m["test"] = *test;
  return m;
}

json encodeResult(const json& id, const std::string& job_id, const json& result) {
  return {{"type", msg::kResult}, {"id", id}, {"job_id", job_id}, {"result", result}};
}

json encodeJobReply(const json& id, const std::string& job_id, JobState state,
                    std::optional<std::string_view> slave, const json* result) {
  json m = {{"type", msg::kJob}, {"id", id}, {"job_id", job_id}, {"state", jobStateName(state)}};
  if (slave) m["slave"] = *slave;
  if (result) m["result"] = *result;
  return m;
}

json encodeCancelled(const json& id, const std::string& job_id, JobState state) {
  return {
      {"type", msg::kCancelled}, {"id", id}, {"job_id", job_id}, {"state", jobStateName(state)}};
}

json encodeRegistered(int slave_id, int heartbeat_ms, size_t max_frame_bytes) {
  return {{"type", msg::kRegistered},
          {"slave_id", slave_id},
          {"heartbeat_ms", heartbeat_ms},
          {"max_frame_bytes", max_frame_bytes}};
}

json encodeAssign(const std::string& job_id, json job) {
  return {{"type", msg::kAssign}, {"job_id", job_id}, {"job", std::move(job)}};
}

json encodeCancel(const std::string& job_id) {
  return {{"type", msg::kCancel}, {"job_id", job_id}};
}

json encodeDraining() { return {{"type", msg::kDraining}}; }

}  // namespace polyrun::master
