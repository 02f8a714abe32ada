// libFuzzer target: arbitrary bytes as the body of `POST /api/v2/execute` (the one HTTP route
// that takes a body), through the decoder the master runs on it (master/http_piston.h,
// decodePistonBody: the bounded JSON parse, then the Piston fields). Built with clang by
// tests/fuzz/CMakeLists.txt and run by ctest for a bounded number of inputs.
//
// Besides "no crash, no sanitizer report", it checks and aborts when one fails:
// - a refusal says why, in a message of bounded size whatever the body (it goes back to the
//   client: a client's value is never echoed whole);
// - an accepted body gives a job that converts to JSON and back (job_json.h) without an error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http_piston.h"
#include "polyrun/job_json.h"

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
  return m;
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
      polyrun::Job again;
      check(polyrun::fromJson(polyrun::toJson(out.job), &again).isOk(),
            "an accepted body's job round-trips");
      check(again.files.size() == out.job.files.size(), "and keeps its files");
    } else {
      check(!error.empty(), "a refusal says why");
      check(error.size() < 1024, "a refusal quotes no client value whole");
    }
  }
  return 0;
}
