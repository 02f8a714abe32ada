// libFuzzer target: arbitrary bytes as the body of `POST /api/v2/execute`, of polyrun's
// `POST /api/v1/jobs` and `.../batch` (the bounded JSON parse, then the native job of
// polyrun/job_json.h, each batch item alike), and of Judge0's
// `POST /submissions` and `POST /submissions/batch`, through the decoders the master runs on them
// (master/http_piston.h, decodePistonBody: the bounded JSON parse, then the Piston fields;
// master/http_judge0.h: parseJudge0Body, then decodeJudge0Submission / decodeJudge0Batch). Built
// with clang by tests/fuzz/CMakeLists.txt and run by ctest for a bounded number of inputs.
//
// Besides "no crash, no sanitizer report", it checks and aborts when one fails:
// - a refusal says why, in a message of bounded size whatever the body (it goes back to the
//   client: a client's value is never echoed whole);
// - an accepted body gives a job that converts to JSON and back (job_json.h) without an error;
// - a Judge0 submission's answer (fields=*) serializes, with and without base64.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http_judge0.h"
#include "http_piston.h"
#include "polyrun/job_json.h"
#include "polyrun/json_parse.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
  }
}

// What a master with slaves offers (Scheduler::runtimes()): aliases and versions to resolve.
const nlohmann::json& runtimes() {
  static const nlohmann::json r = nlohmann::json::parse(R"([
    {"language": "python", "version": "3.11.2", "aliases": ["py", "python3"], "compiled": false},
    {"language": "c++", "version": "12.2.0", "aliases": ["cpp", "g++"], "compiled": true},
    {"language": "java", "version": "17.0.6", "aliases": [], "compiled": true}])");
  return r;
}

polyrun::Limits maxima() {
  polyrun::Limits m;
  m.run = {30000, 30000, 2ll << 30};
  m.compile = {60000, 60000, 2ll << 30};
  m.output_bytes = 16 << 20;
  m.processes = 256;
  return m;
}

void checkJob(const polyrun::Job& job) {
  polyrun::Job again;
  check(polyrun::fromJson(polyrun::toJson(job), &again).isOk(),
        "an accepted body's job round-trips");
  check(again.files.size() == job.files.size(), "and keeps its files");
}

// POST /api/v1/jobs (an object: the job) and /api/v1/jobs/batch ({"jobs": [job, ...]}).
void nativeJobs(std::string_view text) {
  nlohmann::json body;
  if (!polyrun::parseJson(text, &body).isOk() || !body.is_object()) return;
  std::vector<const nlohmann::json*> items = {&body};
  if (auto jobs = body.find("jobs"); jobs != body.end() && jobs->is_array())
    for (const auto& item : *jobs) items.push_back(&item);
  for (const nlohmann::json* item : items) {
    polyrun::Job job;
    if (polyrun::Status s = polyrun::fromJson(*item, &job); s.isOk())
      checkJob(job);
    else
      check(!s.message().empty() && s.message().size() < 1024,
            "a refused job says why, quoting no client value whole");
  }
}

void judge0(std::string_view text) {
  namespace m = polyrun::master;
  nlohmann::json body;
  if (const nlohmann::json error = m::parseJudge0Body(text, &body); !error.is_null()) {
    check(error.dump().size() < 1024, "a Judge0 400 quotes no client value whole");
    return;
  }
  std::vector<std::string> all;
  m::parseJudge0Fields("*", &all);
  const nlohmann::json none = nlohmann::json::array();
  for (const nlohmann::json* offered : {&runtimes(), &none}) {
    for (bool base64 : {false, true}) {
      m::Judge0Submission out;
      const nlohmann::json error = m::decodeJudge0Submission(body, base64, *offered, maxima(),
                                                             polyrun::defaultLimits(), &out);
      if (error.is_null()) {
        checkJob(out.job);
        check(out.job.files.size() == 1, "a Judge0 submission is one file");
        m::Judge0View view;
        view.token = "t";
        view.request = &out.request;
        for (bool encoded : {false, true}) {
          const std::optional<nlohmann::json> shown = m::judge0Submission(view, all, encoded);
          check(shown.has_value() || !encoded, "base64 shows any submission");
          if (shown) check(!shown->dump().empty(), "an answer serializes");
        }
      } else {
        check(error.is_object() && !error.empty(), "a 422 names the refused fields");
        check(error.dump().size() < 4096, "a 422 quotes no client value whole");
      }
      std::vector<m::Judge0BatchItem> items;
      const nlohmann::json batch = m::decodeJudge0Batch(body, base64, *offered, maxima(),
                                                        polyrun::defaultLimits(), 20, &items);
      if (batch.is_null()) {
        for (const auto& item : items)
          if (item.error.is_null()) checkJob(item.submission.job);
      } else {
        check(batch.dump().size() < 1024, "a batch's 400 quotes no client value whole");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // With no slave yet every language passes (the job waits): both paths are decoders in use.
  for (const nlohmann::json* offered : {&runtimes(), static_cast<const nlohmann::json*>(nullptr)}) {
    polyrun::master::PistonExecute out;
    std::string error;
    const nlohmann::json none = nlohmann::json::array();
    if (polyrun::master::decodePistonBody(body, offered ? *offered : none, maxima(), &out,
                                          &error)) {
      checkJob(out.job);
    } else {
      check(!error.empty(), "a refusal says why");
      check(error.size() < 1024, "a refusal quotes no client value whole");
    }
  }
  nativeJobs(body);
  judge0(body);
  return 0;
}
