#include "polyrun/job.h"

#include <algorithm>
#include <array>
#include <csignal>
#include <utility>

namespace polyrun {
namespace {
constexpr std::array<std::pair<Verdict, std::string_view>, 11> kNames{{
    {Verdict::kOk, "OK"},
    {Verdict::kCompileError, "COMPILE_ERROR"},
    {Verdict::kRuntimeError, "RUNTIME_ERROR"},
    {Verdict::kSignaled, "SIGNALED"},
    {Verdict::kTimeLimit, "TIME_LIMIT"},
    {Verdict::kMemoryLimit, "MEMORY_LIMIT"},
    {Verdict::kOutputLimit, "OUTPUT_LIMIT"},
    {Verdict::kInternalError, "INTERNAL_ERROR"},
    {Verdict::kWrongAnswer, "WRONG_ANSWER"},
    {Verdict::kSkipped, "SKIPPED"},
    {Verdict::kCheckerError, "CHECKER_ERROR"},
}};
}  // namespace

namespace {
struct NamedSignal {
  std::string_view name;
  int number;
};
constexpr NamedSignal kSignals[] = {
    {"SIGINT", SIGINT}, {"SIGTERM", SIGTERM}, {"SIGKILL", SIGKILL}, {"SIGQUIT", SIGQUIT},
    {"SIGHUP", SIGHUP}, {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}};
}  // namespace

std::string_view outputStreamName(OutputStream stream) {
  return stream == OutputStream::kStderr ? "stderr" : "stdout";
}

int signalNumber(std::string_view name) {
  for (const auto& s : kSignals)
    if (s.name == name) return s.number;
  return 0;
}

std::string_view signalName(int number) {
  for (const auto& s : kSignals)
    if (s.number == number) return s.name;
  return {};
}

std::string_view signalNames() {
  return "SIGINT, SIGTERM, SIGKILL, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2";
}

std::string_view verdictName(Verdict v) {
  for (const auto& [verdict, name] : kNames)
    if (verdict == v) return name;
  return "INTERNAL_ERROR";
}

std::optional<Verdict> parseVerdict(std::string_view name) {
  for (const auto& [verdict, n] : kNames)
    if (n == name) return verdict;
  return std::nullopt;
}

std::string_view checkerName(CheckerKind kind) {
  switch (kind) {
    case CheckerKind::kExact:
      return "exact";
    case CheckerKind::kLines:
      return "lines";
    case CheckerKind::kTokens:
      return "tokens";
    case CheckerKind::kFloat:
      return "float";
    case CheckerKind::kProgram:
      return "program";
  }
  return "lines";
}

std::optional<CheckerKind> parseCheckerName(std::string_view name) {
  for (CheckerKind kind : {CheckerKind::kExact, CheckerKind::kLines, CheckerKind::kTokens,
                           CheckerKind::kFloat, CheckerKind::kProgram}) {
    if (checkerName(kind) == name) return kind;
  }
  return std::nullopt;
}

TestSummary summarizeTests(const std::vector<CaseResult>& cases) {
  TestSummary s;
  s.total = static_cast<int64_t>(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const StageResult& run = cases[i].run;
    if (run.verdict == Verdict::kOk)
      ++s.passed;
    else if (s.first_failure == 0)
      s.first_failure = static_cast<int64_t>(i) + 1;
    s.max_cpu_ms = std::max(s.max_cpu_ms, run.cpu_ms);
    s.max_wall_ms = std::max(s.max_wall_ms, run.wall_ms);
    s.max_memory_bytes = std::max(s.max_memory_bytes, run.memory_bytes);
  }
  return s;
}

Limits defaultLimits() {
  Limits l;
  l.compile = {15000, 15000, 512ll << 20};
  l.run = {5000, 5000, 512ll << 20};
  l.output_bytes = 1 << 20;
  l.processes = 64;
  return l;
}

}  // namespace polyrun
