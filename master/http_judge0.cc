#include "http_judge0.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "judge0.h"
#include "polyrun/base64.h"
#include "polyrun/json_parse.h"
#include "polyrun/wire_bytes.h"

namespace polyrun::master {
namespace {
using nlohmann::json;

// Judge0 CE's own maxima for the fields polyrun accepts but does not act on (app/helpers/
// config.rb defaults): a value outside them is refused as Judge0 refuses it.
constexpr double kMaxCpuExtraTimeS = 5;
constexpr int64_t kMaxStackLimitKb = 128000;
constexpr int64_t kMaxNumberOfRuns = 20;
// Judge0 CE's defaults for them, shown in fields=*.
constexpr int64_t kDefaultCpuExtraTimeMs = 1000;
constexpr int64_t kDefaultStackLimitKb = 64000;
// Judge0's bounds that do not depend on a configuration.
constexpr int64_t kMinMemoryLimitKb = 2048;
constexpr double kMinWallTimeS = 1;
constexpr size_t kMaxOptionsChars = 512;  // compiler_options, command_line_arguments

constexpr const char* kBlank = "can't be blank";

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Ruby's String#blank?: empty, or whitespace only.
bool isBlank(std::string_view s) { return std::all_of(s.begin(), s.end(), isSpace); }

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A request parameter as Rails hands it to the model: scalars only (permit drops arrays and
// objects), a number as its text. nullopt for null, absent, array, object.
std::optional<std::string> scalarText(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_number()) return it->dump();
  return std::nullopt;
}

// Characters, not bytes, as Rails' length validation counts them.
size_t utf8Length(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (uint8_t(c) & 0xc0) != 0x80; }));
}

// Ruby's String#to_i: leading whitespace, a sign, digits (underscores between them); 0 when
// there are none. Saturates instead of growing a bignum.
int64_t rubyToI(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && isSpace(s[i])) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int64_t value = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '_' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))
      continue;
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) break;
    value = value > (INT64_MAX - 9) / 10 ? INT64_MAX : value * 10 + (s[i] - '0');
  }
  return negative ? -value : value;
}

// A number as Rails prints a validation's bound: 30 or 2.5.
std::string shownNumber(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    return std::to_string(static_cast<int64_t>(value));
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

// Milliseconds as Judge0 shows a decimal column: "0.002", "1.5", "5.0".
std::string seconds(int64_t ms) {
  if (ms < 0) ms = 0;
  std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
  while (fraction.size() > 1 && fraction.back() == '0') fraction.pop_back();
  return std::to_string(ms / 1000) + "." + fraction;
}

// Ruby's Base64.encode64: lines of 60 characters, each ending in a newline.
std::string encode64(std::string_view bytes) {
  const std::string flat = base64Encode(bytes);
  std::string out;
  out.reserve(flat.size() + flat.size() / 60 + 1);
  for (size_t i = 0; i < flat.size(); i += 60) {
    out.append(flat, i, 60);
    out += '\n';
  }
  return out;
}

// ActiveSupport's time format: "2026-12-07T16:15:40.123Z".
json isoTime(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return nullptr;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buffer[96];  // room for any int the format can meet; a real date takes 24
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buffer;
}

// Collects Rails-style validation errors: field -> [messages].
class Errors {
 public:
  void add(const std::string& field, std::string message) {
    body_[field].push_back(std::move(message));
  }
  bool has(const std::string& field) const { return body_.contains(field); }
  json take() { return body_.empty() ? json(nullptr) : std::move(body_); }

 private:
  json body_ = json::object();
};

// A numeric field as Rails' numericality validation reads it. nullopt when absent, null or
// blank (the default applies); *bad when it is not a number.
std::optional<double> readNumber(const json& body, const char* field, Errors* errors) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null() || it->is_array() || it->is_object()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string_view text = trimmed(it->get_ref<const std::string&>());
    if (text.empty()) return std::nullopt;
    const std::string copy(text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str() + copy.size() && std::isfinite(value) &&
        copy.find_first_of("xXnN") == std::string::npos)
      return value;
  }
  errors->add(field, "is not a number");
  return std::nullopt;
}

// Rails' numericality bounds: greater than (strict) or at least `min`, at most `max`.
bool withinBounds(double value, const char* field, double min, bool min_strict, double max,
                  Errors* errors) {
  if (min_strict ? !(value > min) : !(value >= min)) {
    errors->add(field, std::string("must be greater than ") + (min_strict ? "" : "or equal to ") +
                           shownNumber(min));
    return false;
  }
  if (!(value <= max)) {
    errors->add(field, "must be less than or equal to " + shownNumber(max));
    return false;
  }
  return true;
}

// A boolean field as Rails casts it: nullopt when absent, null or blank; false for false, 0,
// "0", "f", "false", "off" (any case of those two spellings Rails lists); true otherwise.
std::optional<bool> readBool(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null() || it->is_array() || it->is_object()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number()) return it->get<double>() != 0;
  const std::string& s = it->get_ref<const std::string&>();
  if (s.empty()) return std::nullopt;
  for (const char* no : {"0", "f", "F", "false", "FALSE", "off", "OFF"})
    if (s == no) return false;
  return true;
}

// Decodes a text field sent with base64_encoded=true.
std::optional<std::string> decodedText(std::optional<std::string> text, bool base64,
                                       const char* field, Errors* errors) {
  if (!text || !base64) return text;
  std::optional<std::string> bytes = base64Decode(*text);
  if (!bytes)
    errors->add(field,
                "is not valid Base64 (base64_encoded=true): encode it with the standard "
                "alphabet, or send it as text without base64_encoded=true");
  return bytes;
}

// The language_id: mapped by judge0.h and, when any slave is connected, offered by one.
void readLanguage(const json& body, const json& runtimes, Judge0Submission* out, Errors* errors) {
  auto it = body.find("language_id");
  std::optional<int64_t> id;
  if (it != body.end()) {
    if (it->is_boolean()) {
      id = it->get<bool>() ? 1 : 0;
    } else if (it->is_number()) {
      const double d = it->get<double>();
      id = std::isfinite(d) && std::fabs(d) < 9e18 ? static_cast<int64_t>(d) : INT64_MAX;
    } else if (it->is_string() && !isBlank(it->get_ref<const std::string&>())) {
      id = rubyToI(it->get_ref<const std::string&>());
    }
  }
  if (!id) {
    errors->add("language_id", kBlank);
    return;
  }
  const int small = *id >= INT_MIN && *id <= INT_MAX ? static_cast<int>(*id) : 0;
  std::optional<std::string_view> language;
  if (small == *id) language = polyrunLanguageForJudge0(small);
  if (language && runtimes.is_array() && !runtimes.empty()) {
    bool offered = false;
    for (const auto& r : runtimes) {
      if (!r.is_object() || r.value("language", "") != *language) continue;
      offered = true;
      out->compiled = out->compiled || r.value("compiled", false);
    }
    if (!offered) language.reset();
  }
  if (!language) {
    errors->add("language_id", small == *id
                                   ? judge0LanguageError(small)
                                   : "language with id " + std::to_string(*id) + " doesn't exist");
    return;
  }
  out->request.language_id = small;
  out->job.language = std::string(*language);
  out->job.version = "*";
}

// The run limits and the fields Judge0 validates, in the order of app/models/submission.rb.
void readLimits(const json& body, const Limits& maxima, const Limits& defaults,
                Judge0Submission* out, Errors* errors) {
  Judge0Request& r = out->request;
  Limits& l = out->job.limits;
  auto toMs = [](double s) { return static_cast<int64_t>(std::ceil(s * 1000 - 1e-9)); };

  if (auto v = readNumber(body, "number_of_runs", errors);
      v && withinBounds(*v, "number_of_runs", 0, true, kMaxNumberOfRuns, errors))
    r.number_of_runs = static_cast<int64_t>(*v);

  const double max_cpu_s = maxima.run.cpu_ms / 1000.0;
  r.cpu_time_ms = defaults.run.cpu_ms;
  if (auto v = readNumber(body, "cpu_time_limit", errors);
      v && withinBounds(*v, "cpu_time_limit", 0, false, max_cpu_s, errors)) {
    // isolate reads 0 as "no limit": the most polyrun allows.
    l.run.cpu_ms = *v == 0 ? maxima.run.cpu_ms : std::max<int64_t>(1, toMs(*v));
    r.cpu_time_ms = l.run.cpu_ms;
  }

  r.cpu_extra_time_ms = kDefaultCpuExtraTimeMs;
  if (auto v = readNumber(body, "cpu_extra_time", errors);
      v && withinBounds(*v, "cpu_extra_time", 0, false, kMaxCpuExtraTimeS, errors))
    r.cpu_extra_time_ms = toMs(*v);

  const double max_wall_s = maxima.run.wall_ms / 1000.0;
  r.wall_time_ms = defaults.run.wall_ms;
  if (auto v = readNumber(body, "wall_time_limit", errors)) {
    if (withinBounds(*v, "wall_time_limit", kMinWallTimeS, false, max_wall_s, errors)) {
      l.run.wall_ms = toMs(*v);
      r.wall_time_ms = l.run.wall_ms;
    }
  } else if (l.run.cpu_ms > 0 && !errors->has("wall_time_limit")) {
    // Only a CPU limit: the wall limit leaves it room, as Judge0's default wall limit (10 s)
    // does its CPU limit (5 s) plus its extra time.
    l.run.wall_ms = std::min(maxima.run.wall_ms,
                             std::max(defaults.run.wall_ms, l.run.cpu_ms + r.cpu_extra_time_ms));
    r.wall_time_ms = l.run.wall_ms;
  }

  r.memory_limit_kb = defaults.run.memory_bytes / 1024;
  if (auto v = readNumber(body, "memory_limit", errors);
      v && withinBounds(*v, "memory_limit", kMinMemoryLimitKb, false,
                        static_cast<double>(maxima.run.memory_bytes / 1024), errors)) {
    r.memory_limit_kb = static_cast<int64_t>(*v);
    l.run.memory_bytes = r.memory_limit_kb * 1024;
  }

  r.stack_limit_kb = kDefaultStackLimitKb;
  if (auto v = readNumber(body, "stack_limit", errors);
      v && withinBounds(*v, "stack_limit", 0, false, kMaxStackLimitKb, errors))
    r.stack_limit_kb = static_cast<int64_t>(*v);

  r.max_processes_and_or_threads = defaults.processes;
  if (auto v = readNumber(body, "max_processes_and_or_threads", errors);
      v && withinBounds(*v, "max_processes_and_or_threads", 0, true,
                        static_cast<double>(maxima.processes), errors)) {
    r.max_processes_and_or_threads = static_cast<int64_t>(*v);
    l.processes = r.max_processes_and_or_threads;
  }

  r.max_file_size_kb = defaults.output_bytes / 1024;
  if (auto v = readNumber(body, "max_file_size", errors);
      v && withinBounds(*v, "max_file_size", 0, false,
                        static_cast<double>(maxima.output_bytes / 1024), errors)) {
    // isolate reads 0 as "no limit": the most polyrun allows.
    const auto kb = static_cast<int64_t>(*v);
    l.output_bytes = kb == 0 ? maxima.output_bytes : kb * 1024;
    r.max_file_size_kb = l.output_bytes / 1024;
  }
}

// compiler_options, command_line_arguments: Rails' length check, then what polyrun does.
std::optional<std::string> readOptions(const json& body, const char* field, Errors* errors) {
  std::optional<std::string> text = scalarText(body, field);
  if (text && utf8Length(*text) > kMaxOptionsChars)
    errors->add(field,
                "is too long (maximum is " + std::to_string(kMaxOptionsChars) + " characters)");
  return text;
}

void readOptionalFields(const json& body, Judge0Submission* out, Errors* errors) {
  Judge0Request& r = out->request;
  r.compiler_options = readOptions(body, "compiler_options", errors);
  if (r.compiler_options && !isBlank(*r.compiler_options))
    errors->add("compiler_options", "setting compiler options is not allowed");

  r.command_line_arguments = readOptions(body, "command_line_arguments", errors);
  if (r.command_line_arguments && !errors->has("command_line_arguments")) {
    std::string error;
    if (!splitJudge0Arguments(*r.command_line_arguments, &out->job.args, &error))
      errors->add("command_line_arguments", error);
  }

  if (auto url = scalarText(body, "callback_url"); url && !isBlank(*url)) {
    std::string lower = std::string(trimmed(*url).substr(0, 8));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0)
      errors->add("callback_url", "must be an http:// or https:// URL");
    r.callback_url = std::string(trimmed(*url));
  }

  if (auto files = scalarText(body, "additional_files"); files && !isBlank(*files))
    errors->add("additional_files", "setting additional files is not allowed");

  r.redirect_stderr_to_stdout = readBool(body, "redirect_stderr_to_stdout").value_or(false);
  for (const char* field :
       {"enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit"}) {
    if (readBool(body, field).value_or(false)) errors->add(field, "this option cannot be enabled");
  }
  if (readBool(body, "enable_network").value_or(false))
    errors->add("enable_network", "enabling network is not allowed");
}

const char* const kTextFields[] = {"source_code", "stdin",   "expected_output", "stdout",
                                   "stderr",      "message", "compile_output"};

bool isTextField(std::string_view name) {
  return std::find(std::begin(kTextFields), std::end(kTextFields), name) != std::end(kTextFields);
}

std::optional<std::string> nonEmpty(std::string s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

json decodeJudge0Submission(const json& body, bool base64_encoded, const json& runtimes,
                            const Limits& maxima, const Limits& defaults, Judge0Submission* out) {
  static const json kNoFields = json::object();
  const json& b = body.is_object() ? body : kNoFields;
  *out = Judge0Submission{};
  Errors errors;

  std::optional<std::string> source =
      decodedText(scalarText(b, "source_code"), base64_encoded, "source_code", &errors);
  if (!errors.has("source_code") && (!source || isBlank(*source)))
    errors.add("source_code", kBlank);
  readLanguage(b, runtimes, out, &errors);
  std::optional<std::string> in =
      decodedText(scalarText(b, "stdin"), base64_encoded, "stdin", &errors);
  std::optional<std::string> expected =
      decodedText(scalarText(b, "expected_output"), base64_encoded, "expected_output", &errors);
  readLimits(b, maxima, defaults, out, &errors);
  readOptionalFields(b, out, &errors);

  Judge0Request& r = out->request;
  r.source_code = source.value_or("");
  r.stdin_data = in;
  r.expected_output = expected;
  Job& job = out->job;
  SourceFile file;
  if (isUtf8(r.source_code)) {
    file.content = r.source_code;
  } else {
    file.content = base64Encode(r.source_code);
    file.encoding = Encoding::kBase64;
  }
  job.files = {std::move(file)};
  if (expected) {
    TestCase one;
    one.stdin_data = in.value_or("");
    one.expected_stdout = *expected;
    job.tests = {std::move(one)};
    job.checker.kind = CheckerKind::kLines;  // Judge0's strip: see docs/judge0.md
  } else {
    job.stdin_data = in.value_or("");
  }
  return errors.take();
}

json parseJudge0Body(std::string_view text, json* body) {
  if (isBlank(text)) {
    *body = json::object();
    return nullptr;
  }
  if (Status parsed = parseJson(text, body); !parsed.isOk()) {
    return {{"status", 400},
            {"error", "Bad Request"},
            {"message", "the request body is not valid JSON (" + parsed.message() +
                            "); send an object such as {\"language_id\": 71, \"source_code\": "
                            "\"print(1)\"}"}};
  }
  return nullptr;
}

bool judge0ParamTrue(const std::optional<std::string>& query, const json& body, const char* name) {
  if (query) return *query == "true";
  if (!body.is_object()) return false;
  auto it = body.find(name);
  return it != body.end() && it->is_string() && it->get_ref<const std::string&>() == "true";
}

bool splitJudge0Arguments(std::string_view text, std::vector<std::string>* args,
                          std::string* error) {
  std::string s;
  for (char c : trimmed(text))
    if (std::string_view("$&;<>|`").find(c) == std::string_view::npos) s += c;
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (isSpace(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;  // a comment, to the end of the script's line; Judge0's line is the whole string
    } else if (c == '\\') {
      in_word = true;
      if (i + 1 < s.size()) word += s[++i];
    } else if (c == '\'' || c == '"') {
      // A quoted part of the word, up to its closing quote: literal inside '...'; inside "..."
      // a backslash escapes only \ and " (bash's others, $ and `, are already gone).
      in_word = true;
      size_t j = i + 1;
      for (; j < s.size() && s[j] != c; ++j) {
        if (c == '"' && s[j] == '\\' && j + 1 < s.size() && (s[j + 1] == '\\' || s[j + 1] == '"'))
          ++j;
        word += s[j];
      }
      if (j >= s.size()) {
        *error = std::string("has an unterminated ") + (c == '"' ? "double" : "single") +
                 " quote: close it, or escape it with a backslash";
        return false;
      }
      i = j;
    } else {
      in_word = true;
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  *args = std::move(words);
  return true;
}

const std::vector<std::string>& judge0DefaultFields() {
  static const std::vector<std::string> fields = {"token",  "time",           "memory",  "stdout",
                                                  "stderr", "compile_output", "message", "status"};
  return fields;
}

const std::vector<std::string>& judge0AllFields() {
  // Judge0 CE 1.13.1's submissions columns (app/models/submission.rb) without its id, then
  // status and language (app/serializers/submission_serializer.rb).
  static const std::vector<std::string> fields = {
      "source_code",
      "language_id",
      "stdin",
      "expected_output",
      "stdout",
      "status_id",
      "created_at",
      "finished_at",
      "time",
      "memory",
      "stderr",
      "token",
      "number_of_runs",
      "cpu_time_limit",
      "cpu_extra_time",
      "wall_time_limit",
      "memory_limit",
      "stack_limit",
      "max_processes_and_or_threads",
      "enable_per_process_and_thread_time_limit",
      "enable_per_process_and_thread_memory_limit",
      "max_file_size",
      "compile_output",
      "exit_code",
      "exit_signal",
      "message",
      "wall_time",
      "compiler_options",
      "command_line_arguments",
      "redirect_stderr_to_stdout",
      "callback_url",
      "additional_files",
      "enable_network",
      "status",
      "language",
  };
  return fields;
}

json parseJudge0Fields(const std::optional<std::string>& text, std::vector<std::string>* fields) {
  std::vector<std::string> names;
  if (text) {
    size_t start = 0;
    while (true) {
      const size_t comma = text->find(',', start);
      names.push_back(text->substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    while (!names.empty() && names.back().empty()) names.pop_back();  // as Ruby's split
  }
  const auto& all = judge0AllFields();
  std::vector<std::string> valid, invalid;
  bool every = false;
  for (const auto& name : names) {
    if (name == "*") {
      every = true;
    } else if (std::find(all.begin(), all.end(), name) == all.end()) {
      invalid.push_back(name);
    } else {
      valid.push_back(name);
    }
  }
  if (!invalid.empty()) {
    std::string list;
    for (const auto& name : invalid) list += (list.empty() ? "" : ", ") + name;
    return {{"error", "invalid fields: [" + list + "]"}};
  }
  *fields = every ? all : valid.empty() ? judge0DefaultFields() : valid;
  return nullptr;
}

std::optional<json> judge0Submission(const Judge0View& v, const std::vector<std::string>& fields,
                                     bool base64_encoded) {
  const JobResult* result = v.state == JobState::kFinished ? v.result : nullptr;
  const StageResult* compile = result && result->compile ? &*result->compile : nullptr;
  const StageResult* run = nullptr;
  if (result)
    run = !result->tests.empty() ? &result->tests.front().run
          : result->run          ? &*result->run
                                 : nullptr;
  const bool compile_failed = result && (result->verdict == Verdict::kCompileError ||
                                         (compile && compile->verdict == Verdict::kCompileError));
  if (compile_failed) run = nullptr;  // Judge0 shows nothing of a run after a compile error
  const Judge0Request* req = v.request;
  const bool redirect = req && req->redirect_stderr_to_stdout;

  Judge0StatusId status = Judge0StatusId::kInQueue;
  switch (v.state) {
    case JobState::kQueued:
      break;
    case JobState::kAssigned:
    case JobState::kCompiling:
    case JobState::kRunning:
      status = Judge0StatusId::kProcessing;
      break;
    case JobState::kCancelled:
      status = Judge0StatusId::kInternalError;
      break;
    case JobState::kFinished:
      if (!result)
        status = Judge0StatusId::kInternalError;
      else if (compile_failed)
        status = Judge0StatusId::kCompilationError;
      else if (run)
        status = judge0StatusFor(run->verdict, run->signal, false);
      else
        status = judge0StatusFor(result->verdict, 0, false);
      break;
  }

  int language_id = v.language_id ? v.language_id : req ? req->language_id : 0;
  if (!language_id && result) {
    const std::vector<int> ids = judge0IdsForLanguage(result->language);
    if (!ids.empty()) language_id = ids.front();
  }

  auto text = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "source_code") return req ? std::optional(req->source_code) : std::nullopt;
    if (name == "stdin") return req ? req->stdin_data : std::nullopt;
    if (name == "expected_output") return req ? req->expected_output : std::nullopt;
    if (name == "stdout")
      return run ? nonEmpty(run->stdout_data + (redirect ? run->stderr_data : "")) : std::nullopt;
    if (name == "stderr") return run && !redirect ? nonEmpty(run->stderr_data) : std::nullopt;
    if (name == "compile_output") {
      if (!compile) return std::nullopt;
      if (compile_failed && compile->timed_out) return "Compilation time limit exceeded.";
      std::string out = compile->stdout_data + compile->stderr_data;
      if (out.empty() && compile_failed) out = compile->message;
      return nonEmpty(std::move(out));
    }
    // message
    if (v.state == JobState::kCancelled)
      return result && !result->message.empty()
                 ? result->message
                 : "the job was cancelled before it finished (polyrun)";
    if (compile_failed || !result) return std::nullopt;
    if (run) return nonEmpty(run->message);
    return nonEmpty(result->message);
  };
  auto number = [](bool known, int64_t value) { return known ? json(value) : json(nullptr); };

  json out = json::object();
  for (const std::string& name : fields) {
    if (isTextField(name)) {
      const std::optional<std::string> bytes = text(name);
      if (!bytes) {
        out[name] = nullptr;
      } else if (base64_encoded) {
        out[name] = encode64(*bytes);
      } else if (!isUtf8(*bytes)) {
        return std::nullopt;
      } else {
        out[name] = *bytes;
      }
    } else if (name == "token") {
      out[name] = v.token;
    } else if (name == "status") {
      out[name] = {{"id", static_cast<int>(status)},
                   {"description", *judge0StatusDescription(static_cast<int>(status))}};
    } else if (name == "status_id") {
      out[name] = static_cast<int>(status);
    } else if (name == "language_id") {
      out[name] = language_id ? json(language_id) : json(nullptr);
    } else if (name == "language") {
      out[name] = nullptr;
      for (const Judge0Language& l : judge0Languages())
        if (l.id == language_id) out[name] = {{"id", l.id}, {"name", std::string(l.name)}};
    } else if (name == "time") {
      out[name] = run ? json(seconds(run->cpu_ms)) : json(nullptr);
    } else if (name == "wall_time") {
      out[name] = run ? json(seconds(run->wall_ms)) : json(nullptr);
    } else if (name == "memory") {
      out[name] = number(run, run ? (run->memory_bytes + 1023) / 1024 : 0);
    } else if (name == "exit_code") {
      // isolate reports no exit code for a killed program, which Judge0 shows as 0.
      out[name] = number(run, run ? std::max(run->exit_code, 0) : 0);
    } else if (name == "exit_signal") {
      out[name] = number(run && run->signal != 0, run ? run->signal : 0);
    } else if (name == "created_at") {
      out[name] = isoTime(v.created_at);
    } else if (name == "finished_at") {
      out[name] = v.state == JobState::kFinished || v.state == JobState::kCancelled
                      ? isoTime(v.finished_at)
                      : json(nullptr);
    } else if (name == "number_of_runs") {
      out[name] = number(req, req ? req->number_of_runs : 0);
    } else if (name == "cpu_time_limit") {
      out[name] = req ? json(seconds(req->cpu_time_ms)) : json(nullptr);
    } else if (name == "cpu_extra_time") {
      out[name] = req ? json(seconds(req->cpu_extra_time_ms)) : json(nullptr);
    } else if (name == "wall_time_limit") {
      out[name] = req ? json(seconds(req->wall_time_ms)) : json(nullptr);
    } else if (name == "memory_limit") {
      out[name] = number(req, req ? req->memory_limit_kb : 0);
    } else if (name == "stack_limit") {
      out[name] = number(req, req ? req->stack_limit_kb : 0);
    } else if (name == "max_processes_and_or_threads") {
      out[name] = number(req, req ? req->max_processes_and_or_threads : 0);
    } else if (name == "max_file_size") {
      out[name] = number(req, req ? req->max_file_size_kb : 0);
    } else if (name == "enable_per_process_and_thread_time_limit") {
      out[name] = req ? json(req->enable_per_process_and_thread_time_limit) : json(nullptr);
    } else if (name == "enable_per_process_and_thread_memory_limit") {
      out[name] = req ? json(req->enable_per_process_and_thread_memory_limit) : json(nullptr);
    } else if (name == "redirect_stderr_to_stdout") {
      out[name] = req ? json(req->redirect_stderr_to_stdout) : json(nullptr);
    } else if (name == "enable_network") {
      out[name] = req ? json(req->enable_network) : json(nullptr);
    } else if (name == "compiler_options" || name == "command_line_arguments" ||
               name == "callback_url") {
      const std::optional<std::string>* value =
          !req                         ? nullptr
          : name == "compiler_options" ? &req->compiler_options
          : name == "callback_url"     ? &req->callback_url
                                       : &req->command_line_arguments;
      out[name] = value && *value && isUtf8(**value) ? json(**value) : json(nullptr);
    } else {  // additional_files: never accepted
      out[name] = nullptr;
    }
  }
  return out;
}

json judge0Utf8Error(const std::optional<std::string>& token) {
  json body = {{"error",
                "some attributes for this submission cannot be converted to UTF-8, use "
                "base64_encoded=true query parameter"}};
  if (token) body["token"] = *token;
  return body;
}

json judge0CallbackBody(const Judge0View& view) {
  return *judge0Submission(view, judge0DefaultFields(), /*base64_encoded=*/true);
}

namespace {

json batchSizeError(size_t count, size_t max_batch) {
  if (count == 0) return {{"error", "there should be at least one submission in a batch"}};
  if (count > max_batch)
    return {{"error", "number of submissions in a batch should be less than or equal to " +
                          std::to_string(max_batch)}};
  return nullptr;
}

}  // namespace

json decodeJudge0Batch(const json& body, bool base64_encoded, const json& runtimes,
                       const Limits& maxima, const Limits& defaults, size_t max_batch,
                       std::vector<Judge0BatchItem>* items) {
  const json* list = nullptr;
  if (body.is_object()) {
    auto it = body.find("submissions");
    if (it != body.end() && !it->is_null()) list = &*it;
  }
  if (list && !list->is_array())
    return {{"error",
             "submissions must be an array of submissions, such as [{\"language_id\": "
             "71, \"source_code\": \"print(1)\"}]; got " +
                 shownValue(*list)}};
  if (json error = batchSizeError(list ? list->size() : 0, max_batch); !error.is_null())
    return error;
  items->clear();
  items->reserve(list->size());
  for (const json& item : *list) {
    Judge0BatchItem decoded;
    decoded.error = decodeJudge0Submission(item, base64_encoded, runtimes, maxima, defaults,
                                           &decoded.submission);
    items->push_back(std::move(decoded));
  }
  return nullptr;
}

json judge0BatchCreated(const std::vector<Judge0BatchItem>& items,
                        const std::vector<std::string>& tokens, int* http_status) {
  json out = json::array();
  bool any = false;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].error.is_null() && i < tokens.size()) {
      out.push_back({{"token", tokens[i]}});
      any = true;
    } else {
      out.push_back(items[i].error);
    }
  }
  *http_status = any ? 201 : 422;
  return out;
}

json parseJudge0Tokens(std::string_view text, size_t max_batch, std::vector<std::string>* tokens) {
  std::vector<std::string> list;
  const std::string_view t = trimmed(text);
  if (!t.empty()) {
    size_t start = 0;
    while (true) {
      const size_t comma = t.find(',', start);
      list.emplace_back(t.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    while (!list.empty() && list.back().empty()) list.pop_back();
  }
  if (json error = batchSizeError(list.size(), max_batch); !error.is_null()) return error;
  *tokens = std::move(list);
  return nullptr;
}

std::optional<json> judge0BatchSubmissions(const std::vector<std::optional<Judge0View>>& views,
                                           const std::vector<std::string>& fields,
                                           bool base64_encoded) {
  json list = json::array();
  for (const auto& view : views) {
    if (!view) {
      list.push_back(nullptr);
      continue;
    }
    std::optional<json> one = judge0Submission(*view, fields, base64_encoded);
    if (!one) return std::nullopt;
    list.push_back(std::move(*one));
  }
  return json{{"submissions", std::move(list)}};
}

json judge0BatchUtf8Error() {
  return {{"error",
           "some attributes for one or more submissions cannot be converted to UTF-8, use "
           "base64_encoded=true query parameter"}};
}

namespace {

// What polyrun's built-in runners do with a Judge0 program, for GET /languages/{id}: the file
// name the runner gives the one source file and the plugins' default commands
// (docs/configuration.md says how a slave may change the flags). Languages from definition files
// have none here (their commands are in the slaves' definitions).
struct RunnerCommands {
  std::string_view language;
  std::string_view source_file;
  std::optional<std::string_view> compile_cmd;
  std::string_view run_cmd;
};

constexpr RunnerCommands kRunnerCommands[] = {
    {"c", "main.c", "gcc -std=gnu17 -O2 -pipe -o main main.c -lm", "./main"},
    {"c++", "main.cpp", "g++ -std=gnu++17 -O2 -pipe -o main main.cpp -lm", "./main"},
    {"java", "Main.java", "javac -proc:none -encoding UTF-8 -d . Main.java", "java -cp . Main"},
    {"python", "main.py", std::nullopt, "python3 -B main.py"},
    {"javascript", "main.js", std::nullopt, "node main.js"},
};

// How Judge0's PostgreSQL (glibc's en_US collation) orders names, near enough for Judge0's
// language names: letters and digits first, case ignored; the whole name breaks ties.
std::string collationKey(std::string_view name) {
  std::string key;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)))
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

json judge0LanguagesBody(const json& runtimes) {
  std::vector<const Judge0Language*> offered;
  for (const Judge0Language& l : judge0Languages()) {
    bool found = false;
    if (runtimes.is_array())
      for (const auto& r : runtimes)
        found = found || (r.is_object() && r.value("language", "") == l.polyrun_language);
    if (found) offered.push_back(&l);
  }
  std::sort(offered.begin(), offered.end(), [](const Judge0Language* a, const Judge0Language* b) {
    const std::string ka = collationKey(a->name), kb = collationKey(b->name);
    return ka != kb ? ka < kb : a->name < b->name;
  });
  json list = json::array();
  for (const Judge0Language* l : offered) list.push_back({{"id", l->id}, {"name", l->name}});
  return list;
}

std::optional<json> judge0LanguageBody(std::string_view id_text) {
  const int64_t id = rubyToI(id_text);
  for (const Judge0Language& l : judge0Languages()) {
    if (l.id != id) continue;
    for (const RunnerCommands& c : kRunnerCommands) {
      if (c.language != l.polyrun_language) continue;
      return json{{"id", l.id},
                  {"name", l.name},
                  {"is_archived", false},
                  {"source_file", c.source_file},
                  {"compile_cmd", c.compile_cmd ? json(*c.compile_cmd) : json(nullptr)},
                  {"run_cmd", c.run_cmd}};
    }
    // A language from a definition file: its commands are the slaves' (their
    // plugins/languages/*.toml), which the master does not know.
    return json{{"id", l.id},
                {"name", l.name},
                {"is_archived", false},
                {"source_file", nullptr},
                {"compile_cmd", nullptr},
                {"run_cmd", nullptr}};
  }
  return std::nullopt;
}

json judge0StatusesBody() {
  json list = json::array();
  for (const Judge0Status& s : judge0Statuses())
    list.push_back({{"id", static_cast<int>(s.id)}, {"description", s.description}});
  return list;
}

json judge0AboutBody(std::string_view polyrun_version) {
  return {{"version", "1.13.1"},
          {"homepage", nullptr},
          {"source_code", nullptr},
          {"maintainer", "polyrun " + std::string(polyrun_version) +
                             " (Judge0 CE 1.13.1 compatible routes, docs/judge0.md)"}};
}

json judge0NotFound() { return {{"status", 404}, {"error", "Not Found"}}; }

}  // namespace polyrun::master
