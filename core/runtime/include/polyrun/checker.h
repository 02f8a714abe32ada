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

namespace polyrun {

/// How an output is compared with the expected one.
enum class CheckerKind {
  /// Byte for byte.
  kExact,
  /// Line by line, ignoring trailing spaces, tabs and carriage returns on each line and blank
  /// lines at the end (what most judges call "standard"). Leading whitespace, whitespace inside
  /// a line and blank lines before other output count.
  kLines,
  /// The sequences of whitespace-separated tokens are equal (whitespace: space, \t, \n, \v, \f,
  /// \r; any amount of it between tokens, at the start and at the end).
  kTokens,
  /// kTokens, where two tokens that both read as numbers match within a tolerance (see
  /// CheckerOptions); any other token is compared exactly.
  kFloat,
};

struct CheckerOptions {
  CheckerKind kind = CheckerKind::kLines;
  /// kFloat only: an actual number a matches the expected b when |a - b| <= abs_tolerance or
  /// |a - b| <= rel_tolerance * |b|. A negative or NaN tolerance allows nothing beyond a == b.
  /// A number is what std::from_chars reads in full (an optional leading '+' allowed): "1",
  /// "-0.5", "1e-9", ".5", "inf", "nan". Infinite and NaN values never match a finite one; an
  /// expected NaN matches any NaN ("nan", "-nan", "NaN"); an expected infinity matches an
  /// infinity of the same sign. A token too large for a double ("1e999") is not a number.
  double abs_tolerance = 1e-6;
  double rel_tolerance = 1e-6;
};

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

/// Compares `actual` (the program's output) with `expected`.
POLYRUN_API CheckOutcome checkOutput(const CheckerOptions& options, std::string_view expected,
                                     std::string_view actual);

/// "exact", "lines", "tokens", "float": the names on the wire and on command lines.
POLYRUN_API std::string_view checkerName(CheckerKind kind);
/// Parses a name of checkerName(); nullopt when unknown (case matters).
POLYRUN_API std::optional<CheckerKind> parseCheckerName(std::string_view name);

}  // namespace polyrun
