// The built-in output checkers: does a program's output match the expected output of a test
// case, and if not, where does it first differ. Pure functions over bytes; docs/checkers.md
// gives the rules with examples.
//
// Every checker runs in time linear in the two outputs and allocates nothing beyond the message
// (a few hundred bytes at most), so 16 MiB outputs cost one pass each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "polyrun/export.h"
#include "polyrun/job.h"  // CheckerKind, CheckerOptions: part of a job on the wire

namespace polyrun {

/// A checker's decision.
struct CheckOutcome {
  bool accepted = false;
  /// For a wrong answer: where the actual output first differs, 1-based, in the actual output's
  /// lines (split at \n) and bytes (the column counts bytes, not characters). For missing output,
  /// where the actual output ended (kLines: the first missing line, column 1).
  int64_t line = 0;
  int64_t column = 0;
  /// For a wrong answer, a short description for a person, e.g.
  /// `line 3, column 5: expected "42", got "41"`, `expected more output: line 4 is missing
  /// (expected "7")` or `extra output from line 5: "debug"`. Quoted values are excerpts of at most
  /// 32 bytes of the outputs, made printable: control bytes, `"`, `\` and bytes that are not
  /// valid UTF-8 are escaped (\n, \x01); "..." marks a cut. Empty when accepted.
  std::string message;
};

/// Compares `actual` (the program's output) with `expected`. A kProgram checker is run by
/// executeJob(), not here: it is never accepted here.
POLYRUN_API CheckOutcome checkOutput(const CheckerOptions& options, std::string_view expected,
                                     std::string_view actual);

}  // namespace polyrun
