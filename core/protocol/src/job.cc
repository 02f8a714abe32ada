#include "polyrun/job.h"

#include <array>
#include <utility>

namespace polyrun {
namespace {
constexpr std::array<std::pair<Verdict, std::string_view>, 8> kNames{{
    {Verdict::kOk, "OK"},
    {Verdict::kCompileError, "COMPILE_ERROR"},
    {Verdict::kRuntimeError, "RUNTIME_ERROR"},
    {Verdict::kSignaled, "SIGNALED"},
    {Verdict::kTimeLimit, "TIME_LIMIT"},
    {Verdict::kMemoryLimit, "MEMORY_LIMIT"},
    {Verdict::kOutputLimit, "OUTPUT_LIMIT"},
    {Verdict::kInternalError, "INTERNAL_ERROR"},
}};
}  // namespace

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

Limits defaultLimits() {
  Limits l;
  l.compile = {15000, 15000, 512ll << 20};
  l.run = {5000, 5000, 512ll << 20};
  l.output_bytes = 1 << 20;
  l.processes = 64;
  return l;
}

}  // namespace polyrun
