#include "commands.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli_format.h"
#include "cli_util.h"
#include "live_input.h"
#include "master_client.h"
#include "polyrun/base64.h"
#include "polyrun/case_files.h"
#include "polyrun/job.h"
#include "polyrun/job_json.h"
#include "polyrun/wire_bytes.h"
#include "progress_line.h"

namespace polyrun::cli {
namespace {

using nlohmann::json;

// runtimes and cluster are answered from the master's memory: a few seconds is plenty.
constexpr int kQueryTimeoutMs = 10'000;
constexpr int kConnectTimeoutMs = 5'000;
constexpr int64_t kBytesPerMb = int64_t{1} << 20;

void printError(const std::string& message) {
  std::fprintf(stderr, "polyrun: %s\n", message.c_str());
  std::fflush(stderr);
}

void writeBytes(std::FILE* stream, const std::string& bytes) {
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), stream);
  std::fflush(stream);
}

std::string pretty(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string stringField(const json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool hasType(const json& j, const char* type) { return stringField(j, "type") == type; }

// Reads a whole file as bytes. Uses stdio so that errno names the reason.
bool readFile(const std::string& path, std::string* out, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "cannot read \"" + path + "\": it is a directory; pass a source file";
    return false;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = "cannot read \"" + path + "\": " + std::strerror(errno) +
             "; check the path and its permissions";
    return false;
  }
  std::string data;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) data.append(buffer, n);
  const bool failed = std::ferror(f);
  const int saved_errno = errno;
  std::fclose(f);
  if (failed) {
    *error = "cannot read \"" + path + "\": " + std::strerror(saved_errno);
    return false;
  }
  *out = std::move(data);
  return true;
}

bool readStdin(std::string* out, std::string* error) {
  std::string data;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) data.append(buffer, n);
  if (std::ferror(stdin)) {
    *error = std::string("cannot read standard input: ") + std::strerror(errno);
    return false;
  }
  *out = std::move(data);
  return true;
}

// Resolves and connects; on failure prints why and returns the exit code in *exit_code.
std::unique_ptr<MasterClient> connectToMaster(const Options& options, ProgressLine* progress,
                                              int* exit_code) {
  const MasterAddress address = resolveMasterAddress(options.master, std::getenv(kMasterEnvVar));
  std::string host;
  uint16_t port = 0;
  std::string error;
  if (!parseHostPort(address.text, &host, &port, &error)) {
    progress->clear();
    printError(error + (address.source == kMasterEnvVar
                            ? std::string(" (from the environment variable ") + kMasterEnvVar + ")"
                            : std::string()));
    *exit_code = kExitUsage;
    return nullptr;
  }
  auto client = std::make_unique<MasterClient>(host, port);
  if (options.tls) {
    if (options.ca_file.empty()) {
      progress->clear();
      printError(
          "--tls needs --ca-file FILE: the PEM certificate of the CA that signed the master's");
      *exit_code = kExitUsage;
      return nullptr;
    }
    if (!client->enableTls(options.ca_file, &error, "--ca-file")) {
      progress->clear();
      printError(error);
      *exit_code = kExitUsage;
      return nullptr;
    }
  }
  progress->show("connecting to " + client->address());
  if (!client->connect(&error, kConnectTimeoutMs)) {
    progress->clear();
    printError(error);
    *exit_code = kExitUnavailable;
    return nullptr;
  }
  const char* env_token = std::getenv(kTokenEnvVar);
  const std::string token = !options.token.empty() ? options.token : env_token ? env_token : "";
  if (!token.empty()) {
    const auto reply =
        client->request({{"type", "auth"}, {"token", token}}, kConnectTimeoutMs, &error);
    if (!reply || reply->value("type", "") != "authenticated") {
      progress->clear();
      printError(reply ? "the master refused the client token (" +
                             std::string(options.token.empty() ? kTokenEnvVar : "--token") +
                             "): " + reply->value("message", reply->dump()) +
                             "; use one of the master's master.client.tokens"
                       : error);
      *exit_code = reply ? kExitRefused : kExitUnavailable;
      return nullptr;
    }
  }
  return client;
}

// What to do about an `error` reply, by its code.
std::string hintForErrorCode(const std::string& code) {
  if (code == "unknown_language") return "; see polyrun runtimes for what the cluster offers";
  if (code == "bad_limits") return "; ask for less, or raise the master's master.limits.*";
  if (code == "queue_full") return "; the cluster is busy, try again later";
  if (code == "unauthorized") return "; the master wants a client token";
  if (code == "internal") return "; this is the master's fault, see its log";
  return {};
}

// Prints a failed request/submit: a refusal from the master or a transport problem.
int reportFailure(const MasterClient& client, const std::optional<json>& reply,
                  const std::string& error, const std::string& what,
                  const std::string& timeout_hint = "; the master may be overloaded") {
  if (!reply) {
    // A timeout leaves the connection up; a disconnect does not.
    printError(error + (client.connected() ? timeout_hint : std::string()));
    return kExitUnavailable;
  }
  const std::string code = stringField(*reply, "code");
  std::string message = stringField(*reply, "message");
  if (message.empty()) message = "no reason given";
  printError("the master refused " + what + ": " + message +
             (code.empty() ? std::string() : " [" + code + "]") + hintForErrorCode(code));
  return exitCodeForError(*reply);
}

int unexpectedReply(const json& reply, const std::string& expected) {
  printError("the master answered with a \"" + stringField(reply, "type") + "\" message where \"" +
             expected +
             "\" was expected; do polyrun and polyrun-master come from the same "
             "version?");
  return kExitInternal;
}

// The program's output for people: stdout to stdout, stderr and verdicts to stderr.
// What a live run printed as it came (`output` messages), so that its result is not printed twice.
struct LiveOutput {
  size_t stdout_bytes = 0;
  size_t stderr_bytes = 0;
  size_t dropped = 0;  // bytes the master did not send (the client read too slowly)
};

// Prints one `output` message's chunks, as they are, to stdout and stderr.
void printOutput(const json& message, LiveOutput* live) {
  std::vector<OutputChunk> chunks;
  const auto it = message.find("chunks");
  if (it == message.end() || !fromJson(*it, &chunks).isOk()) return;
  if (const auto d = message.find("dropped"); d != message.end() && d->is_number_unsigned())
    live->dropped += d->get<size_t>();
  for (const OutputChunk& c : chunks) {
    const bool err = c.stream == OutputStream::kStderr;
    writeBytes(err ? stderr : stdout, c.data);
    std::fflush(err ? stderr : stdout);
    (err ? live->stderr_bytes : live->stdout_bytes) += c.data.size();
  }
}

int printResult(const json& result, const LiveOutput* streamed = nullptr) {
  const json empty = json::object();
  const json& compile =
      result.contains("compile") && result["compile"].is_object() ? result["compile"] : empty;
  const json& run = result.contains("run") && result["run"].is_object() ? result["run"] : empty;
  const std::string verdict = stringField(result, "verdict");

  // The compiler's output matters only when compiling went wrong.
  const bool compile_failed =
      verdict == "COMPILE_ERROR" || (!compile.empty() && stringField(compile, "verdict") != "OK" &&
                                     !stringField(compile, "verdict").empty());
  // Outputs are byte strings, base64 when they are not UTF-8 (docs/protocol.md).
  const auto bytesOf = [](const json& stage, const char* key) {
    std::string bytes;
    if (Status s = getBytes(stage, key, &bytes, "result."); !s.isOk())
      printError("warning: " + s.message());
    return bytes;
  };
  if (compile_failed) {
    writeBytes(stderr, bytesOf(compile, "stdout"));
    writeBytes(stderr, bytesOf(compile, "stderr"));
  }
  // What the run wrote was printed as it came, unless the master dropped some of it.
  if (!streamed || streamed->dropped > 0) {
    if (streamed)
      printError("note: " + std::to_string(streamed->dropped) +
                 " bytes of the program's live output were not sent (this terminal read too "
                 "slowly); its whole output follows");
    writeBytes(stdout, bytesOf(run, "stdout"));
    writeBytes(stderr, bytesOf(run, "stderr"));
  } else {  // the rest, if the stream ended early (e.g. a result cut to fit a frame: nothing)
    const std::string out = bytesOf(run, "stdout"), err = bytesOf(run, "stderr");
    if (out.size() > streamed->stdout_bytes) writeBytes(stdout, out.substr(streamed->stdout_bytes));
    if (err.size() > streamed->stderr_bytes) writeBytes(stderr, err.substr(streamed->stderr_bytes));
  }

  if (verdict != "OUTPUT_LIMIT") {
    for (const char* stream : {"stdout", "stderr"}) {
      const auto it = run.find(std::string(stream) + "_truncated");
      if (it != run.end() && it->is_boolean() && it->get<bool>())
        printError(
            std::string("note: the program's ") + stream +
            " was cut at the output limit (or to fit the master's frame limit); the rest was "
            "dropped");
    }
  }
  const std::string line = verdictLine(result);
  if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
  if (verdict == "COMPILE_ERROR") std::fprintf(stderr, "polyrun: compilation failed\n");
  std::fflush(stderr);
  return exitCodeForResult(result);
}

// Takes back a submit sent on a guess the master's runtimes did not confirm: once the master
// has answered it, cancels the job it accepted (a refusal needs nothing). Best effort: the
// caller goes on either way, and the answers that follow are kept, unread.
void withdrawSubmit(MasterClient* client, const std::string& submit_id) {
  std::string error;
  const std::optional<json> reply = client->awaitReply(submit_id, kQueryTimeoutMs, &error);
  if (!reply || !hasType(*reply, "accepted")) return;
  const std::string job_id = reply->value("job_id", std::string());
  if (!job_id.empty())
    client->send({{"type", "cancel"}, {"id", client->nextId()}, {"job_id", job_id}}, &error);
}

}  // namespace

namespace {

// Reads the job's files (the first is the main file); kExitOk, or the exit code once the problem
// was printed.
int readJobFiles(const std::vector<std::string>& paths, Job* job) {
  std::map<std::string, std::string> paths_by_name;  // to refuse two files of the same name
  for (const std::string& path : paths) {
    std::string bytes;
    std::string error;
    if (!readFile(path, &bytes, &error)) {
      printError(error);
      return kExitNoInput;
    }
    SourceFile file;
    file.name = std::filesystem::path(path).filename().string();
    if (auto [it, inserted] = paths_by_name.emplace(file.name, path); !inserted) {
      printError("\"" + it->second + "\" and \"" + path + "\" are both named \"" + file.name +
                 "\" in the job; rename one, the job's files need distinct names");
      return kExitUsage;
    }
    // JSON strings hold UTF-8 only; anything else travels base64-encoded, byte for byte.
    if (isValidUtf8(bytes)) {
      file.content = std::move(bytes);
    } else {
      file.content = base64Encode(bytes);
      file.encoding = Encoding::kBase64;
    }
    job->files.push_back(std::move(file));
  }
  return kExitOk;
}

// The program's stdin (--stdin) and arguments; kExitOk, or the exit code once the problem was
// printed.
int readJobInput(const Options& options, const ProgressLine& progress, Job* job) {
  if (options.stdin_path) {
    std::string error;
    bool ok;
    if (*options.stdin_path == "-") {
      if (progress.enabled() && ::isatty(STDIN_FILENO) == 1)
        std::fprintf(stderr,
                     "polyrun: reading the program's input from the terminal; end it "
                     "with Ctrl-D\n");
      ok = readStdin(&job->stdin_data, &error);
    } else {
      ok = readFile(*options.stdin_path, &job->stdin_data, &error);
    }
    if (!ok) {
      printError(error);
      return kExitNoInput;
    }
  }
  // Input and arguments that are not UTF-8 travel base64-encoded, byte for byte (job_json.h).
  job->args = options.args;
  return kExitOk;
}

void applyLimitOptions(const Options& options, Job* job) {
  job->version = options.version;
  job->limits.run.wall_ms = options.time_limit_ms;
  // The CPU limit follows the wall limit; otherwise a longer --time-limit would still stop at
  // the master's default CPU limit.
  job->limits.run.cpu_ms = options.time_limit_ms;
  job->limits.run.memory_bytes = options.memory_limit_mb * kBytesPerMb;
}

// Connects, names the language (from the main file's extension unless --lang), submits and
// waits for the result, calling `on_event` with each progress message. kExitOk with *result
// set, or the exit code once the problem was printed.
// `on_connected` is given the client once connected (a live job's input uses it), and nullptr
// before the client goes away.
// With `accepted_only`, *result_out is the master's `accepted` instead, and nothing is awaited
// beyond it.
int submitAndWait(const Options& options, Job& job, ProgressLine& progress,
                  const std::function<void(const json&)>& on_event, json* result_out,
                  bool accepted_only = false,
                  const std::function<void(MasterClient*)>& on_connected = {}) {
  int exit_code = kExitOk;
  std::unique_ptr<MasterClient> client = connectToMaster(options, &progress, &exit_code);
  if (!client) return exit_code;
  // Told of the client now, and of its end (nullptr) before it goes.
  struct Told {
    const std::function<void(MasterClient*)>& on_connected;
    ~Told() {
      if (on_connected) on_connected(nullptr);
    }
  } told{on_connected};
  if (on_connected) on_connected(client.get());

  // A checker program's language from its extension as the runtimes list it, as the main
  // file's: the bare extension ("cc", "exs") names a language only sometimes. Kept when the
  // runtimes do not tell (the master then says what is wrong with it).
  if (job.checker.kind == CheckerKind::kProgram &&
      job.checker.language == languageGuess(job.checker.source.name)) {
    std::string error, language;
    const std::optional<json> reply =
        client->request({{"type", "runtimes"}}, kQueryTimeoutMs, &error);
    const auto runtimes = reply ? reply->find("runtimes") : json::const_iterator();
    if (reply && hasType(*reply, "runtimes") && runtimes != reply->end() &&
        languageForFile(*runtimes, job.checker.source.name, &language, &error))
      job.checker.language = language;
  }

  job.language = options.language;
  // Without --lang the master's runtimes say which language the file is. The likely one's
  // submit goes right behind that question, so that the usual case waits for one round trip,
  // not two; when the answer does not confirm it, that submit is withdrawn.
  std::string guessed_id;
  if (job.language.empty()) {
    progress.show("asking " + client->address() + " which languages it offers");
    std::string error;
    const std::string runtimes_id = client->sendRequest({{"type", "runtimes"}}, &error);
    const std::string guess = languageGuess(job.files.front().name);
    if (!runtimes_id.empty() && !guess.empty()) {
      Job guessed = job;
      guessed.language = guess;
      guessed_id = client->sendSubmit(guessed, &error);
    }
    std::optional<json> reply;
    if (!runtimes_id.empty() && (guess.empty() || !guessed_id.empty()))
      reply = client->awaitReply(runtimes_id, kQueryTimeoutMs, &error);
    if (!reply || hasType(*reply, "error")) {
      progress.clear();
      return reportFailure(*client, reply, error, "the runtimes request");
    }
    const auto runtimes = reply->find("runtimes");
    if (!hasType(*reply, "runtimes") || runtimes == reply->end()) {
      progress.clear();
      return unexpectedReply(*reply, "runtimes");
    }
    const bool known = languageForFile(*runtimes, job.files.front().name, &job.language, &error);
    if (!guessed_id.empty() && !(known && namesLanguage(*runtimes, guess, job.language))) {
      withdrawSubmit(client.get(), guessed_id);
      guessed_id.clear();
    }
    if (!known) {
      progress.clear();
      printError(error);
      return runtimes->empty() ? kExitUnavailable : kExitUsage;
    }
  }

  progress.show("submitting " + job.files.front().name + " (" + job.language + ")");
  std::string slave;
  std::string error;
  if (accepted_only) {
    const std::string id = guessed_id.empty() ? client->sendSubmit(job, &error) : guessed_id;
    std::optional<json> reply;
    if (!id.empty()) reply = client->awaitReply(id, kQueryTimeoutMs, &error);
    progress.clear();
    if (!reply || hasType(*reply, "error")) return reportFailure(*client, reply, error, "the job");
    if (!hasType(*reply, "accepted") || stringField(*reply, "job_id").empty())
      return unexpectedReply(*reply, "accepted");
    *result_out = *reply;
    return kExitOk;
  }
  const int wait_ms =
      options.wait_ms <= 0 ? -1 : static_cast<int>(std::min<int64_t>(options.wait_ms, INT_MAX));
  // A live job's output clears the progress line for good (it would garble the output), and so
  // does an interactive job starting to run (what the user types would).
  bool live_shown = false;
  const auto shown = [&](const json& event) {
    if (on_event) on_event(event);
    if (job.live() &&
        (hasType(event, "output") || (job.interactive && stringField(event, "state") == "running")))
      live_shown = true;
    if (live_shown) return progress.clear();
    progress.show(progressText(event, &slave));
  };
  std::optional<json> reply = guessed_id.empty()
                                  ? client->submit(job, wait_ms, &error, shown)
                                  : client->awaitJob(guessed_id, wait_ms, &error, shown);
  progress.clear();
  if (!reply || hasType(*reply, "error"))
    return reportFailure(*client, reply, error, "the job",
                         "; the job may still be queued or running: raise --wait, or look at "
                         "polyrun status");
  if (hasType(*reply, "cancelled")) {
    std::fprintf(stderr, "polyrun: the job %s was cancelled before it finished\n",
                 reply->value("job_id", std::string("?")).c_str());
    return kExitCancelled;
  }
  const auto result = reply->find("result");
  if (!hasType(*reply, "result") || result == reply->end() || !result->is_object())
    return unexpectedReply(*reply, "result");
  *result_out = *result;
  return kExitOk;
}

}  // namespace

int runCommand(const Options& options) {
  Job job;
  if (int code = readJobFiles(options.files, &job); code != kExitOk) return code;
  ProgressLine progress(true);
  // Live unless the whole result is wanted (--json): output as it is written, and what the
  // user types goes to the program when it is interactive (a terminal, or --interactive).
  job.stream = !options.json;
  job.interactive =
      options.interactive || (job.stream && !options.stdin_path && ::isatty(STDIN_FILENO) == 1);
  if (int code = readJobInput(options, progress, &job); code != kExitOk) return code;
  applyLimitOptions(options, &job);
  std::optional<LiveInput> input;
  if (job.live()) input.emplace();  // Ctrl-C from now on goes to the program
  LiveOutput live;
  MasterClient* client = nullptr;
  const auto on_event = [&](const json& event) {
    if (hasType(event, "output")) return printOutput(event, &live);
    if (hasType(event, "accepted") && input && client)
      input->start(client, stringField(event, "job_id"), job.interactive);
    // Back in the queue after its slave was lost: its output starts over.
    if (stringField(event, "state") == "queued" && live.stdout_bytes + live.stderr_bytes > 0) {
      printError("note: the job's slave was lost; the job runs again from the start");
      live = LiveOutput{};
    }
  };
  json result;
  if (int code = submitAndWait(options, job, progress, on_event, &result, false,
                               [&](MasterClient* c) {
                                 client = c;
                                 if (!c) input.reset();  // before the client goes
                               });
      code != kExitOk)
    return code;

  if (options.json) {
    writeBytes(stdout, pretty(result));
    return exitCodeForResult(result);
  }
  return printResult(result, job.live() ? &live : nullptr);
}

namespace {

// The cases of `dir` into job->tests; kExitOk, or the exit code once the problem was printed.
int readTestDir(const std::string& dir, Job* job) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) names.push_back(entry.path().filename().string());
  }
  if (ec) {
    printError("cannot read the test folder " + dir + ": " + ec.message() +
               "; give a folder of NAME.in / NAME.out files");
    return kExitNoInput;
  }
  const std::vector<CaseFiles> cases = pairCaseFiles(names);
  if (cases.empty()) {
    printError("the test folder " + dir +
               " holds no NAME.in or NAME.out file; each case is NAME.in (its stdin) and "
               "NAME.out (the output it must print)");
    return kExitNoInput;
  }
  for (const CaseFiles& c : cases) {
    TestCase& test = job->tests.emplace_back();
    test.name = c.name;
    std::string error;
    if (c.input &&
        !readFile((std::filesystem::path(dir) / *c.input).string(), &test.stdin_data, &error)) {
      printError(error);
      return kExitNoInput;
    }
    if (c.expected && !readFile((std::filesystem::path(dir) / *c.expected).string(),
                                &test.expected_stdout.emplace(), &error)) {
      printError(error);
      return kExitNoInput;
    }
  }
  return kExitOk;
}

}  // namespace

namespace {

// A judged job's cases (those `print_row` has not printed yet, as it decides), the compiler's
// output when compilation failed, and the summary; the exit code of polyrun test.
int printJudgedResult(const json& result, const std::function<void(const json&)>& print_row) {
  if (auto tests = result.find("tests"); tests != result.end() && tests->is_array()) {
    for (size_t i = 0; i < tests->size(); ++i) {
      json row = (*tests)[i];
      row["index"] = i;
      print_row(row);
    }
  }
  if (stringField(result, "verdict") == "COMPILE_ERROR") printResult(result);
  std::fputs(formatTestSummary(result).c_str(), stdout);
  return testExitCode(result);
}

}  // namespace

int testCommand(const Options& options) {
  Job job;
  if (int code = readJobFiles(options.files, &job); code != kExitOk) return code;
  if (int code = readTestDir(options.test_dir, &job); code != kExitOk) return code;
  applyLimitOptions(options, &job);
  if (!options.checker.empty()) job.checker.kind = *parseCheckerName(options.checker);
  if (!options.checker_program.empty()) {
    Job checker;  // its one file, read as the job's are
    if (int code = readJobFiles({options.checker_program}, &checker); code != kExitOk) return code;
    job.checker.kind = CheckerKind::kProgram;
    job.checker.source = std::move(checker.files.front());
    job.checker.language = languageGuess(job.checker.source.name);
    if (job.checker.language.empty()) {
      printError("cannot tell the language of the checker " + options.checker_program +
                 " from its extension: name it with its language's extension (polyrun runtimes "
                 "lists them)");
      return kExitUsage;
    }
  }
  if (options.tolerance) job.checker.abs_tolerance = job.checker.rel_tolerance = *options.tolerance;
  job.stop_on_failure = options.stop_on_failure;

  // A row per case as it ends (progress), and at the end the rows progress did not bring.
  ProgressLine progress(!options.json);
  std::vector<bool> printed(job.tests.size(), false);
  bool header = false;
  const auto printRow = [&](const json& test) {
    const auto index = test.find("index");
    if (options.json || index == test.end() || !index->is_number_unsigned() ||
        index->get<size_t>() >= printed.size() || printed[index->get<size_t>()])
      return;
    printed[index->get<size_t>()] = true;
    progress.clear();
    if (!header) {
      std::fputs(formatCaseRow(json()).c_str(), stdout);
      header = true;
    }
    std::fputs(formatCaseRow(test).c_str(), stdout);
    std::fflush(stdout);
  };
  json result;
  if (int code = submitAndWait(
          options, job, progress,
          [&](const json& event) {
            if (auto t = event.find("test"); t != event.end() && t->is_object()) printRow(*t);
          },
          &result);
      code != kExitOk)
    return code;
  if (options.json) {
    writeBytes(stdout, pretty(result));
    return testExitCode(result);
  }
  return printJudgedResult(result, printRow);
}

namespace {

// One request to the master and its one answer: connects, sends `request`, waits `timeout_ms`
// and checks the answer's type. kExitOk with *reply, or the exit code once the problem was
// printed. `progress_text` is shown while waiting (nothing when empty).
int askMaster(const Options& options, const json& request, const std::string& what,
              const char* answer_type, int timeout_ms, json* reply,
              const std::string& progress_text = "", const std::string& timeout_hint = "") {
  ProgressLine progress(true);
  int exit_code = kExitOk;
  std::unique_ptr<MasterClient> client = connectToMaster(options, &progress, &exit_code);
  if (!client) return exit_code;
  if (!progress_text.empty()) progress.show(progress_text);
  std::string error;
  std::optional<json> answer = client->request(request, timeout_ms, &error);
  progress.clear();
  if (!answer || hasType(*answer, "error"))
    return timeout_hint.empty() ? reportFailure(*client, answer, error, what)
                                : reportFailure(*client, answer, error, what, timeout_hint);
  if (!hasType(*answer, answer_type)) return unexpectedReply(*answer, answer_type);
  *reply = std::move(*answer);
  return kExitOk;
}

// The master's answer as JSON, without the protocol's type and id.
void printAnswer(json answer) {
  answer.erase("type");
  answer.erase("id");
  writeBytes(stdout, pretty(answer));
}

}  // namespace

int submitCommand(const Options& options) {
  Job job;
  if (int code = readJobFiles(options.files, &job); code != kExitOk) return code;
  ProgressLine progress(true);
  if (int code = readJobInput(options, progress, &job); code != kExitOk) return code;
  applyLimitOptions(options, &job);
  json accepted;
  if (int code = submitAndWait(options, job, progress, {}, &accepted, true); code != kExitOk)
    return code;
  const std::string job_id = stringField(accepted, "job_id");
  if (options.json)
    writeBytes(stdout, pretty(json{{"job_id", job_id}}));
  else
    std::printf("%s\n", job_id.c_str());
  return kExitOk;
}

int jobCommand(const Options& options) {
  const int wait_ms = !options.wait_for_end ? kQueryTimeoutMs
                      : options.wait_ms <= 0
                          ? -1
                          : static_cast<int>(std::min<int64_t>(options.wait_ms, INT_MAX));
  json answer;
  if (int code = askMaster(
          options, {{"type", "job"}, {"job_id", options.job_id}, {"wait", options.wait_for_end}},
          "the job request", "job", wait_ms, &answer,
          options.wait_for_end ? "waiting for job " + options.job_id + " to end" : "",
          options.wait_for_end ? "; the job may still be queued or running: raise --wait=MS" : "");
      code != kExitOk)
    return code;
  const std::string state = stringField(answer, "state");
  if (options.json) printAnswer(answer);
  if (state == "cancelled") {
    if (!options.json)
      std::fprintf(stderr, "polyrun: the job %s was cancelled before it finished\n",
                   options.job_id.c_str());
    return kExitCancelled;
  }
  const auto result = answer.find("result");
  if (state != "finished" || result == answer.end() || !result->is_object()) {
    if (!options.json) {
      const std::string slave = stringField(answer, "slave");
      std::printf("%s %s%s\n", options.job_id.c_str(), state.c_str(),
                  slave.empty() ? "" : (" on " + slave).c_str());
    }
    return kExitOk;
  }
  const bool judged = result->contains("tests");
  if (options.json) return judged ? testExitCode(*result) : exitCodeForResult(*result);
  if (!judged) return printResult(*result);
  bool header = false;
  return printJudgedResult(*result, [&](const json& row) {
    if (!header) std::fputs(formatCaseRow(json()).c_str(), stdout);
    header = true;
    std::fputs(formatCaseRow(row).c_str(), stdout);
  });
}

int cancelCommand(const Options& options) {
  json reply;
  if (int code = askMaster(options, {{"type", "cancel"}, {"job_id", options.job_id}},
                           "the cancel request", "cancelled", kQueryTimeoutMs, &reply);
      code != kExitOk)
    return code;
  if (options.json)
    printAnswer(reply);
  else
    std::printf("cancelled %s (was %s)\n", options.job_id.c_str(),
                stringField(reply, "state").c_str());
  return kExitOk;
}

int runtimesCommand(const Options& options) {
  json reply;
  if (int code = askMaster(options, {{"type", "runtimes"}}, "the runtimes request", "runtimes",
                           kQueryTimeoutMs, &reply);
      code != kExitOk)
    return code;
  const auto runtimes = reply.find("runtimes");
  if (runtimes == reply.end() || !runtimes->is_array()) return unexpectedReply(reply, "runtimes");
  writeBytes(stdout, options.json ? pretty(*runtimes) : formatRuntimes(*runtimes));
  return kExitOk;
}

int statusCommand(const Options& options) {
  json reply;
  if (int code = askMaster(options, {{"type", "cluster"}}, "the cluster request", "cluster",
                           kQueryTimeoutMs, &reply);
      code != kExitOk)
    return code;
  if (options.json)
    printAnswer(reply);
  else
    writeBytes(stdout, formatClusterStatus(reply));
  return kExitOk;
}

namespace {

int levelRank(const std::string& level) {
  return level == "error" ? 2 : level == "warning" ? 1 : 0;
}

}  // namespace

int eventsCommand(const Options& options) {
  ProgressLine progress(true);
  int exit_code = kExitOk;
  std::unique_ptr<MasterClient> client = connectToMaster(options, &progress, &exit_code);
  if (!client) return exit_code;
  std::string error;
  const std::string id =
      client->sendRequest({{"type", "subscribe"}, {"after", options.after}}, &error);
  std::optional<json> answer;
  if (!id.empty()) answer = client->awaitReply(id, kQueryTimeoutMs, &error);
  progress.clear();
  if (!answer || hasType(*answer, "error"))
    return reportFailure(*client, answer, error, "the subscription");
  if (!hasType(*answer, "subscribed")) return unexpectedReply(*answer, "subscribed");
  // Without --follow, the events kept up to the newest when subscribing, then done.
  const uint64_t newest = answer->value("newest", uint64_t{0});
  const int min_rank = levelRank(options.min_level);
  if (!options.follow && newest <= options.after) return kExitOk;
  for (;;) {
    std::optional<json> message = client->receive(-1, &error);
    if (!message) {
      printError(error + "; the master closed the event stream (it may be stopping)");
      return kExitUnavailable;
    }
    if (hasType(*message, "error")) return reportFailure(*client, message, error, "the events");
    if (!hasType(*message, "event")) continue;
    const json& event = (*message)["event"];
    if (!event.is_object()) continue;
    if (levelRank(event.value("level", "")) >= min_rank) {
      writeBytes(stdout, options.json
                             ? event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"
                             : formatEvent(event));
      std::fflush(stdout);
    }
    if (!options.follow && event.value("id", uint64_t{0}) >= newest) return kExitOk;
  }
}

}  // namespace polyrun::cli
