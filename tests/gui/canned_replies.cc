#include "canned_replies.h"

#include "fake_master.h"
#include "polyrun/job_json.h"

using nlohmann::json;

namespace polyrun::gui::test {

JobRequest pythonJob(const QString& stdin_text) {
  JobRequest job;
  job.language = "python";
  job.version = "3.11.2";
  job.files << JobFile{"main.py", QByteArray("print(input())\n")};
  job.stdin_text = stdin_text;
  return job;
}

json runtimesReply(const json& request, bool with_java) {
  json list = {{{"language", "python"},
                {"version", "3.11.2"},
                {"aliases", {"py", "python3"}},
                {"extensions", {".py"}},
                {"compiled", false},
                {"slaves", 2}},
               {{"language", "c"},
                {"version", "12.2.0"},
                {"aliases", {"gcc"}},
                {"extensions", {".c", ".h"}},
                {"compiled", true},
                {"slaves", 1}}};
  if (with_java) {
    list.push_back({{"language", "java"},
                    {"version", "17.0.15"},
                    {"aliases", json::array()},
                    {"extensions", {".java"}},
                    {"compiled", true},
                    {"slaves", 1}});
  }
  return {{"type", "runtimes"}, {"id", request.at("id")}, {"runtimes", list}};
}

json manyRuntimes() {
  struct Entry {
    const char* language;
    std::vector<std::string> aliases;
    std::vector<std::string> extensions;
  };
  const Entry entries[] = {
      {"ada", {"gnat"}, {".adb"}},
      {"awk", {"gawk"}, {".awk"}},
      {"bash", {"sh"}, {".sh"}},
      {"c", {"gcc"}, {".c", ".h"}},
      {"c++", {"cpp", "g++"}, {".cpp", ".cc"}},
      {"c++20", {}, {".cpp"}},
      {"c++23", {}, {".cpp"}},
      {"clojure", {"clj"}, {".clj"}},
      {"cobol", {"cob"}, {".cob", ".cbl"}},
      {"commonlisp", {"lisp", "sbcl"}, {".lisp", ".lsp"}},
      {"csharp", {"cs", "c#"}, {".cs"}},
      {"d", {"dmd", "gdc"}, {".d"}},
      {"elixir", {"ex"}, {".exs", ".ex"}},
      {"erlang", {"erl"}, {".erl"}},
      {"forth", {"gforth"}, {".fth"}},
      {"fortran", {"f90"}, {".f90", ".f95"}},
      {"go", {"golang"}, {".go"}},
      {"groovy", {}, {".groovy"}},
      {"haskell", {"hs", "ghc"}, {".hs"}},
      {"java", {}, {".java"}},
      {"kotlin", {"kt"}, {".kt"}},
      {"lua", {}, {".lua"}},
      {"nim", {}, {".nim"}},
      {"nodejs", {"javascript", "js", "node"}, {".js", ".mjs"}},
      {"ocaml", {"ml"}, {".ml"}},
      {"pascal", {"fpc"}, {".pas"}},
      {"perl", {}, {".pl", ".pm"}},
      {"php", {}, {".php"}},
      {"prolog", {"swipl"}, {".pro"}},
      {"python", {"py", "python3"}, {".py"}},
      {"r", {"rscript"}, {".R"}},
      {"racket", {"rkt"}, {".rkt"}},
      {"ruby", {"rb"}, {".rb"}},
      {"rust", {"rs"}, {".rs"}},
      {"scala", {}, {".scala"}},
      {"scheme", {"guile", "scm"}, {".scm"}},
      {"sql", {"sqlite3", "sqlite"}, {".sql"}},
      {"tcl", {"tclsh"}, {".tcl"}},
      {"typescript", {"ts"}, {".ts"}},
  };
  json list = json::array();
  for (const Entry& e : entries) {
    list.push_back({{"language", e.language},
                    {"version", "1.0"},
                    {"aliases", e.aliases},
                    {"extensions", e.extensions},
                    {"compiled", false},
                    {"slaves", 1}});
  }
  return list;
}

json manyRuntimesReply(const json& request) {
  return {{"type", "runtimes"}, {"id", request.at("id")}, {"runtimes", manyRuntimes()}};
}

json clusterReply(const json& request, bool with_recent_jobs) {
  json reply = {{"type", "cluster"},
                {"id", request.at("id")},
                {"uptime_ms", 81234},
                {"state", "serving"},
                {"clients", 3},
                {"slaves",
                 {{{"id", 1},
                   {"name", "slave-a"},
                   {"address", "127.0.0.1:50122"},
                   {"state", "ready"},
                   {"running", 1},
                   {"capacity", 2},
                   {"load", {{"load_avg", 0.4}, {"memory_free_bytes", 2.1e10}}},
                   {"languages",
                    {{{"language", "python"}, {"version", "3.11.2"}},
                     {{"language", "c"}, {"version", "12.2.0"}}}},
                   {"last_heartbeat_ms", 120}},
                  {{"id", 2},
                   {"name", "slave-b"},
                   {"address", "127.0.0.1:50123"},
                   {"state", "ready"},
                   {"running", 0},
                   {"capacity", 4},
                   {"load", {{"load_avg", 0.1}, {"memory_free_bytes", 8.0e9}}},
                   {"languages", {{{"language", "python"}, {"version", "3.11.2"}}}},
                   {"last_heartbeat_ms", 800}}}},
                {"queues", {{"python", 0}, {"c", 0}}},
                {"counters",
                 {{"submitted", 12},
                  {"completed", 11},
                  {"running", 1},
                  {"by_verdict", {{"OK", 10}, {"COMPILE_ERROR", 1}}},
                  {"by_language", {{"python", 9}, {"c", 2}}}}}};
  if (with_recent_jobs) {
    reply["recent_jobs"] = {{{"job_id", "j-000011"},
                             {"client", "10.0.0.5:41000"},
                             {"language", "c"},
                             {"version", "12.2.0"},
                             {"verdict", "COMPILE_ERROR"},
                             {"slave", "slave-a"},
                             {"queue_ms", 2},
                             {"total_ms", 180},
                             {"finished_ms_ago", 4000}},
                            {{"job_id", "j-000010"},
                             {"client", "127.0.0.1:39000"},
                             {"language", "python"},
                             {"version", "3.11.2"},
                             {"verdict", "OK"},
                             {"slave", "slave-b"},
                             {"queue_ms", 0},
                             {"total_ms", 35},
                             {"finished_ms_ago", 9000}}};
  }
  return reply;
}

json okResult(const json& request, const std::string& job_id, const std::string& stdout_text) {
  const json& job = request.at("job");
  return {{"type", "result"},
          {"id", request.at("id")},
          {"job_id", job_id},
          {"result",
           {{"job_id", job_id},
            {"slave", "slave-a"},
            {"language", job.at("language")},
            {"version", "3.11.2"},
            {"verdict", "OK"},
            {"message", ""},
            {"queue_ms", 3},
            {"total_ms", 31},
            {"run",
             {{"verdict", "OK"},
              {"stdout", stdout_text},
              {"stderr", ""},
              {"exit_code", 0},
              {"signal", 0},
              {"cpu_ms", 12},
              {"wall_ms", 14},
              {"memory_bytes", 9175040}}}}}};
}

void replyToSubmit(FakeMaster& master, const json& request, const std::string& job_id) {
  const json id = request.at("id");
  master.send({{"type", "accepted"}, {"id", id}, {"job_id", job_id}});
  master.send({{"type", "progress"}, {"id", id}, {"job_id", job_id}, {"state", "queued"}});
  master.send({{"type", "progress"},
               {"id", id},
               {"job_id", job_id},
               {"state", "assigned"},
               {"slave", "slave-a"}});
  master.send({{"type", "progress"},
               {"id", id},
               {"job_id", job_id},
               {"state", "running"},
               {"slave", "slave-a"}});
  master.send(okResult(request, job_id, request.at("job").at("stdin").get<std::string>()));
}

void acceptAndRun(FakeMaster& master, const json& request, const std::string& job_id) {
  master.send({{"type", "accepted"}, {"id", request.at("id")}, {"job_id", job_id}});
  master.send({{"type", "progress"},
               {"id", request.at("id")},
               {"job_id", job_id},
               {"state", "running"},
               {"slave", "slave-b"}});
}

json unknownLanguageError(const json& request) {
  return {{"type", "error"},
          {"id", request.at("id")},
          {"code", "unknown_language"},
          {"message", "no slave offers language \"cobol\"; available: c, python"}};
}

json outputMessage(const json& request, const std::string& job_id,
                   const std::vector<OutputChunk>& chunks, int64_t dropped) {
  json m = {{"type", "output"},
            {"id", request.at("id")},
            {"job_id", job_id},
            {"chunks", polyrun::toJson(chunks)}};
  if (dropped) m["dropped"] = dropped;
  return m;
}

void answerSubmit(FakeMaster& master, const json& request, SubmitReply reply) {
  switch (reply) {
    case SubmitReply::kRunOk:
      replyToSubmit(master, request);
      break;
    case SubmitReply::kUnknownLanguage:
      master.send(unknownLanguageError(request));
      break;
    case SubmitReply::kAcceptOnly:
      acceptAndRun(master, request);
      break;
    case SubmitReply::kNothing:
      break;
  }
}

CaseResult caseResult(const std::string& name, Verdict verdict, int64_t cpu_ms,
                      int64_t memory_bytes, const std::string& stdout_text) {
  CaseResult c;
  c.name = name;
  c.run.verdict = verdict;
  c.run.exit_code = verdict == Verdict::kSkipped ? -1 : 0;
  c.run.cpu_ms = cpu_ms;
  c.run.wall_ms = cpu_ms + 2;
  c.run.memory_bytes = memory_bytes;
  c.run.stdout_data = stdout_text;
  if (verdict == Verdict::kWrongAnswer) {
    c.line = 1;
    c.column = 1;
    c.run.stderr_data = "debug: read the input\n";
    c.run.message = "line 1, column 1: expected \"5\", got \"4\"";
  } else if (verdict == Verdict::kTimeLimit) {
    c.run.exit_code = -1;
    c.run.signal = 9;
    c.run.timed_out = true;
    c.run.message = "CPU time limit of 1000 ms exceeded";
  }
  return c;
}

json caseProgress(const json& request, const std::string& job_id, size_t index,
                  const CaseResult& c) {
  return {{"type", "progress"}, {"id", request.at("id")}, {"job_id", job_id},
          {"state", "running"}, {"slave", "slave-a"},     {"test", caseProgressJson(index, c)}};
}

json judgedResult(const json& request, const std::string& job_id,
                  const std::vector<CaseResult>& cases) {
  JobResult r;
  r.job_id = job_id;
  r.slave = "slave-a";
  r.language = request.at("job").at("language").get<std::string>();
  r.version = "3.11.2";
  r.tests = cases;
  r.queue_ms = 2;
  r.total_ms = 120;
  for (const CaseResult& c : cases) {
    if (c.run.verdict == Verdict::kOk) continue;
    r.verdict = c.run.verdict;
    r.message = "case " + c.name + ": " + c.run.message;
    break;
  }
  return {{"type", "result"}, {"id", request.at("id")}, {"job_id", job_id}, {"result", toJson(r)}};
}

json cancelledReply(const json& cancel) {
  return {{"type", "cancelled"}, {"id", cancel.at("id")}, {"job_id", cancel.at("job_id")}};
}

}  // namespace polyrun::gui::test
