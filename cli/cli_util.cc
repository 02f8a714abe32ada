#include "cli_util.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <set>

#include "polyrun/job.h"

namespace polyrun::cli {
namespace {

using nlohmann::json;

std::string stringField(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t intField(const json& j, const char* key, int64_t fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return fallback;
  return it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
}

const json& objectField(const json& j, const char* key) {
  static const json kEmpty = json::object();
  if (!j.is_object()) return kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string normalizedExtension(const std::string& ext) {
  return !ext.empty() && ext.front() != '.' ? "." + ext : ext;
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

// Languages whose extension is the longest suffix of `name`; `fold` compares without case.
std::vector<std::string> matchLanguages(const json& runtimes, std::string_view name, bool fold) {
  const std::string subject = fold ? lower(name) : std::string(name);
  size_t best = 0;
  std::set<std::string> languages;
  for (const auto& runtime : runtimes) {
    const std::string language = stringField(runtime, "language");
    auto exts = runtime.is_object() ? runtime.find("extensions") : runtime.end();
    if (language.empty() || exts == runtime.end() || !exts->is_array()) continue;
    for (const auto& e : *exts) {
      if (!e.is_string()) continue;
      std::string ext = normalizedExtension(e.get<std::string>());
      if (fold) ext = lower(ext);
      if (ext.size() <= 1 || ext.size() > subject.size() ||
          subject.compare(subject.size() - ext.size(), ext.size(), ext) != 0)
        continue;
      if (ext.size() > best) {
        best = ext.size();
        languages.clear();
      }
      if (ext.size() == best) languages.insert(language);
    }
  }
  return {languages.begin(), languages.end()};
}

}  // namespace

MasterAddress resolveMasterAddress(const std::optional<std::string>& flag, const char* env_value) {
  if (flag) return {*flag, "--master"};
  if (env_value && *env_value) return {env_value, kMasterEnvVar};
  return {"127.0.0.1:7400", "default"};
}

std::vector<std::string> knownExtensions(const json& runtimes) {
  std::set<std::string> all;
  if (!runtimes.is_array()) return {};
  for (const auto& runtime : runtimes) {
    if (!runtime.is_object()) continue;
    auto exts = runtime.find("extensions");
    if (exts == runtime.end() || !exts->is_array()) continue;
    for (const auto& e : *exts)
      if (e.is_string() && !e.get<std::string>().empty())
        all.insert(normalizedExtension(e.get<std::string>()));
  }
  return {all.begin(), all.end()};
}

bool languageForFile(const json& runtimes, std::string_view file_name, std::string* language,
                     std::string* error) {
  const std::string name(file_name);
  if (!runtimes.is_array() || runtimes.empty()) {
    *error = "cannot tell the language of \"" + name +
             "\": the master offers no languages right now (is a slave connected? start "
             "polyrun-slave, then check with polyrun runtimes)";
    return false;
  }
  std::vector<std::string> found = matchLanguages(runtimes, file_name, false);
  if (found.empty()) found = matchLanguages(runtimes, file_name, true);
  if (found.size() > 1) {
    // Languages that share an extension (c++, c++20 and c++23 share .cpp): the one the extension
    // itself names ("cpp", an alias of c++) is meant; otherwise the user must choose.
    const std::string guess = languageGuess(file_name);
    std::vector<std::string> named;
    for (const std::string& candidate : found)
      if (!guess.empty() && namesLanguage(runtimes, guess, candidate)) named.push_back(candidate);
    if (named.size() == 1) found = named;
  }
  if (found.size() == 1) {
    *language = found.front();
    return true;
  }
  if (found.size() > 1) {
    *error = "\"" + name + "\" could be any of " + joined(found, ", ") +
             ": pass --lang LANGUAGE to choose one";
    return false;
  }
  const std::vector<std::string> known = knownExtensions(runtimes);
  *error = "cannot tell the language of \"" + name + "\" from its extension; known extensions: " +
           (known.empty() ? std::string("none") : joined(known, " ")) +
           ". Pass --lang LANGUAGE (see polyrun runtimes)";
  return false;
}

std::string languageGuess(std::string_view file_name) {
  const size_t slash = file_name.find_last_of('/');
  const std::string_view base =
      slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
  const size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == base.size()) return {};
  return lower(base.substr(dot + 1));
}

bool namesLanguage(const json& runtimes, const std::string& name, const std::string& language) {
  if (!runtimes.is_array()) return false;
  bool named = false;  // `language` has it as name or alias
  bool other = false;  // another language does
  for (const auto& runtime : runtimes) {
    if (!runtime.is_object()) continue;
    const std::string each = stringField(runtime, "language");
    bool match = each == name;
    if (match && each == language) return true;  // a name comes before every alias
    if (match) return false;
    const auto aliases = runtime.find("aliases");
    if (aliases != runtime.end() && aliases->is_array())
      for (const auto& a : *aliases)
        match = match || (a.is_string() && a.get<std::string>() == name);
    if (match) (each == language ? named : other) = true;
  }
  return named && !other;
}

int exitCodeForResult(const json& result) {
  const std::optional<Verdict> verdict = parseVerdict(stringField(result, "verdict"));
  if (!verdict) return kExitInternal;
  const json& run = objectField(result, "run");
  switch (*verdict) {
    case Verdict::kOk:
      return kExitOk;
    case Verdict::kRuntimeError: {
      // A shell only sees the low 8 bits; a "failure" that would read as 0 must stay a failure.
      const int64_t code = intField(run, "exit_code", 1) & 0xFF;
      return code == 0 ? kExitFailure : static_cast<int>(code);
    }
    case Verdict::kSignaled: {
      const int64_t signal = intField(run, "signal", 0);
      return signal > 0 && signal < 128 ? kExitSignalBase + static_cast<int>(signal) : kExitFailure;
    }
    case Verdict::kTimeLimit:
      return kExitTimeLimit;
    case Verdict::kCompileError:
    case Verdict::kMemoryLimit:
    case Verdict::kOutputLimit:
    case Verdict::kWrongAnswer:
    case Verdict::kSkipped:
      return kExitFailure;
    case Verdict::kInternalError:
    case Verdict::kCheckerError:  // the judging's failure, not the program's
      return kExitInternal;
  }
  return kExitInternal;
}

std::string verdictLine(const json& result) {
  const std::string name = stringField(result, "verdict");
  const std::optional<Verdict> verdict = parseVerdict(name);
  if (verdict == Verdict::kOk) return {};
  const json& run = objectField(result, "run");
  const json& compile = objectField(result, "compile");
  std::string message = stringField(result, "message");
  if (message.empty()) message = stringField(run, "message");
  if (message.empty()) message = stringField(compile, "message");
  const bool run_stage = stringField(run, "verdict") == name;

  if (!verdict) {
    return "polyrun: " + (name.empty() ? std::string("INTERNAL_ERROR") : name) + ": " +
           (message.empty() ? "the master sent a verdict this polyrun does not know; "
                              "update polyrun to match the master"
                            : message);
  }
  switch (*verdict) {
    case Verdict::kOk:
      return {};
    case Verdict::kRuntimeError:
      // Our own wording: short, and the same whatever the slave's runner says.
      return "polyrun: RUNTIME_ERROR: program exited with code " +
             std::to_string(intField(run, "exit_code", -1));
    case Verdict::kSignaled: {
      const int signal = static_cast<int>(intField(run, "signal", 0));
      return "polyrun: SIGNALED: program killed by signal " + std::to_string(signal) + " (" +
             signalName(signal) + ")";
    }
    case Verdict::kTimeLimit:
      if (message.empty()) message = "time limit exceeded";
      if (run_stage) message += " (raise it with --time-limit MS)";
      break;
    case Verdict::kMemoryLimit:
      if (message.empty()) message = "memory limit exceeded";
      if (run_stage) message += " (raise it with --memory-limit MB)";
      break;
    case Verdict::kOutputLimit:
      if (message.empty()) message = "output limit exceeded";
      break;
    case Verdict::kCompileError:
      if (message.empty()) message = "the compiler rejected the program";
      break;
    case Verdict::kInternalError:
      if (message.empty()) message = "polyrun failed to run the job";
      message += " (a fault of polyrun, not of the program: see the master and slave logs)";
      break;
    case Verdict::kCheckerError:
      if (message.empty()) message = "the checker program failed";
      message += " (a fault of the checker, not of the program: see the case's checker stage)";
      break;
    case Verdict::kWrongAnswer:  // a judged job's: its message names the case
    case Verdict::kSkipped:
      break;
  }
  return "polyrun: " + name + ": " + message;
}

int exitCodeForError(const json& error_message) {
  return stringField(error_message, "code") == "internal" ? kExitInternal : kExitRefused;
}

std::string signalName(int signal) {
  switch (signal) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGTRAP:
      return "SIGTRAP";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGALRM:
      return "SIGALRM";
    case SIGTERM:
      return "SIGTERM";
    case SIGXCPU:
      return "SIGXCPU";
    case SIGXFSZ:
      return "SIGXFSZ";
    case SIGSYS:
      return "SIGSYS";
    default:
      return "signal " + std::to_string(signal);
  }
}

std::string progressText(const json& event, std::string* slave) {
  const std::string type = stringField(event, "type");
  const std::string job_id = stringField(event, "job_id");
  if (type == "accepted") return "submitted as job " + job_id;
  const std::string named = stringField(event, "slave");
  if (!named.empty()) *slave = named;
  const std::string state = stringField(event, "state");
  const std::string on = slave->empty() ? std::string() : " on " + *slave;
  if (state == "queued") return "queued, waiting for a free slave (job " + job_id + ")";
  if (state == "assigned") return "assigned to " + (slave->empty() ? "a slave" : *slave);
  if (state == "compiling") return "compiling" + on;
  if (state == "running") return "running" + on;
  return state.empty() ? type : state + on;
}

int testExitCode(const json& result) {
  const std::string verdict = stringField(result, "verdict");
  if (verdict == "OK") return kExitOk;
  if (verdict == "CHECKER_ERROR") return kExitInternal;  // the checker's failure, not the program's
  const auto tests = result.find("tests");
  // A case that failed, or a compilation that did: 1. A job that ended before its cases for a
  // reason of polyrun's: as polyrun run says it.
  if ((tests != result.end() && tests->is_array() && !tests->empty()) || verdict == "COMPILE_ERROR")
    return kExitFailure;
  return exitCodeForResult(result);
}

}  // namespace polyrun::cli
