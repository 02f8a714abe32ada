#include "polyrun/checker.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace polyrun {
namespace {

// An excerpt in a message shows at most this many bytes of an output...
constexpr size_t kExcerptBytes = 32;
// ...starting at most this many bytes before the first difference (at the start of its word).
constexpr size_t kBackBytes = 16;

constexpr std::array<bool, 256> makeSpaceTable() {
  std::array<bool, 256> table{};
  for (const char c : {' ', '\t', '\n', '\v', '\f', '\r'}) table[static_cast<uint8_t>(c)] = true;
  return table;
}
constexpr auto kSpace = makeSpaceTable();

bool isSpace(char c) { return kSpace[static_cast<uint8_t>(c)]; }
// What kLines ignores at the end of a line.
bool isTrailingSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The length (2 to 4) of the well-formed UTF-8 sequence of more than one byte at text[i]
// (Unicode 15, table 3-7), or 0 when there is none.
size_t utf8SequenceLength(std::string_view text, size_t i) {
  const auto lead = static_cast<uint8_t>(text[i]);
  size_t length = 0;
  uint8_t low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead == 0xE0) {
    length = 3, low = 0xA0;
  } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    length = 3;
  } else if (lead == 0xED) {
    length = 3, high = 0x9F;  // no UTF-16 surrogates
  } else if (lead == 0xF0) {
    length = 4, low = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    length = 4;
  } else if (lead == 0xF4) {
    length = 4, high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  const auto second = static_cast<uint8_t>(text[i + 1]);
  if (second < low || second > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    const auto next = static_cast<uint8_t>(text[i + k]);
    if (next < 0x80 || next > 0xBF) return 0;
  }
  return length;
}

// The start of `text`, quoted and printable: at most kExcerptBytes of it, never half a UTF-8
// character; "..." before when `cut_before`, after when some of `text` is left out.
std::string quoted(std::string_view text, bool cut_before) {
  std::string out = cut_before ? "\"..." : "\"";
  size_t i = 0;
  while (i < text.size() && i < kExcerptBytes) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (byte >= 0x80) {
      if (const size_t length = utf8SequenceLength(text, i); length != 0) {
        if (i + length > kExcerptBytes) break;
        out.append(text.substr(i, length));
        i += length;
        continue;
      }
    }
    switch (byte) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (byte < 0x20 || byte >= 0x7F) {
          char escaped[5];
          std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
          out += escaped;
        } else {
          out += static_cast<char>(byte);
        }
    }
    ++i;
  }
  if (i < text.size()) out += "...";
  out += '"';
  return out;
}

// Where excerpts of two texts that agree on `common` (their first bytes) and differ right after
// it begin: the start of the word holding the difference, at most kBackBytes back, not inside a
// UTF-8 character. Only `common` is read, so the excerpts of both sides start at the same offset.
size_t excerptStart(std::string_view common) {
  size_t start = common.size();
  while (start > 0 && common.size() - start < kBackBytes && !isSpace(common[start - 1])) --start;
  for (int k = 0; k < 3 && start > 0 && start < common.size() &&
                  (static_cast<uint8_t>(common[start]) & 0xC0) == 0x80;
       ++k) {
    --start;
  }
  return start;
}

// Whether an excerpt starting at `start` cuts a word of `common` (see excerptStart).
bool cutsWord(std::string_view common, size_t start) {
  return start > 0 && !isSpace(common[start - 1]);
}

size_t firstDifference(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return static_cast<size_t>(std::mismatch(a.data(), a.data() + n, b.data()).first - a.data());
}

std::string lineColumn(int64_t line, int64_t column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

CheckOutcome wrongAnswer(int64_t line, int64_t column, std::string message) {
  CheckOutcome outcome;
  outcome.line = line;
  outcome.column = column;
  outcome.message = std::move(message);
  return outcome;
}

CheckOutcome accepted() {
  CheckOutcome outcome;
  outcome.accepted = true;
  return outcome;
}

// `expected` and `actual` (a line or a token each, starting at `line`, `column`) differ at
// `diff`, their first unequal byte (or where the shorter one ends).
CheckOutcome differsAt(int64_t line, int64_t column, std::string_view expected,
                       std::string_view actual, size_t diff) {
  const std::string_view common = actual.substr(0, diff);
  const size_t start = excerptStart(common);
  const bool cut = cutsWord(common, start);
  const auto diff_column = column + static_cast<int64_t>(diff);
  return wrongAnswer(line, diff_column,
                     lineColumn(line, diff_column) + ": expected " +
                         quoted(expected.substr(start), cut) + ", got " +
                         quoted(actual.substr(start), cut));
}

CheckOutcome checkExact(std::string_view expected, std::string_view actual) {
  if (expected == actual) return accepted();
  const size_t diff = firstDifference(expected, actual);
  // The line and column of `diff`, the same in both outputs: they agree up to it.
  int64_t line = 1;
  const char* line_start = actual.data();
  const char* const end = actual.data() + diff;
  while (const void* newline = std::memchr(line_start, '\n', end - line_start)) {
    ++line;
    line_start = static_cast<const char*>(newline) + 1;
  }
  const auto line_offset = static_cast<size_t>(line_start - actual.data());
  const auto column = static_cast<int64_t>(diff - line_offset) + 1;
  if (diff == actual.size()) {
    return wrongAnswer(line, column,
                       "expected more output: " + quoted(expected.substr(diff), false) +
                           " is missing at " + lineColumn(line, column));
  }
  if (diff == expected.size()) {
    return wrongAnswer(line, column,
                       "extra output from " + lineColumn(line, column) + ": " +
                           quoted(actual.substr(diff), false));
  }
  // Excerpts start in the line at the earliest: differsAt counts columns from its start.
  return differsAt(line, 1, expected.substr(line_offset), actual.substr(line_offset),
                   diff - line_offset);
}

// The lines of an output as kLines sees them: without the trailing spaces, tabs and carriage
// returns of each line and without the blank lines at the end.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {
    // Trailing blank lines and the last line's trailing whitespace go in one step; what is left
    // is empty or ends in a visible byte, so every '\n' in it starts one more line.
    while (!rest_.empty() && (isTrailingSpace(rest_.back()) || rest_.back() == '\n'))
      rest_.remove_suffix(1);
  }

  bool done() const { return rest_.empty(); }
  /// What is left, from the next line on.
  std::string_view rest() const { return rest_; }

  std::string_view next() {
    const size_t newline = rest_.find('\n');
    std::string_view line = rest_.substr(0, newline);
    rest_.remove_prefix(newline == std::string_view::npos ? rest_.size() : newline + 1);
    while (!line.empty() && isTrailingSpace(line.back())) line.remove_suffix(1);
    return line;
  }

 private:
  std::string_view rest_;
};

CheckOutcome checkLines(std::string_view expected, std::string_view actual) {
  LineReader expected_lines(expected), actual_lines(actual);
  for (int64_t line = 1;; ++line) {
    const bool expected_done = expected_lines.done(), actual_done = actual_lines.done();
    if (expected_done && actual_done) return accepted();
    if (actual_done) {
      return wrongAnswer(line, 1,
                         "expected more output: line " + std::to_string(line) +
                             " is missing (expected " + quoted(expected_lines.rest(), false) + ")");
    }
    if (expected_done) {
      return wrongAnswer(line, 1,
                         "extra output from line " + std::to_string(line) + ": " +
                             quoted(actual_lines.rest(), false));
    }
    const std::string_view want = expected_lines.next(), got = actual_lines.next();
    if (want != got) return differsAt(line, 1, want, got, firstDifference(want, got));
  }
}

// The whitespace-separated tokens of an output, with where each starts.
class TokenReader {
 public:
  explicit TokenReader(std::string_view text) : text_(text) {}

  /// Skips whitespace; false at the end of the text, else the next token is at token().
  bool advance() {
    while (offset_ < text_.size() && isSpace(text_[offset_])) {
      if (text_[offset_] == '\n') ++line_, line_start_ = offset_ + 1;
      ++offset_;
    }
    if (offset_ == text_.size()) return false;
    const size_t start = offset_;
    while (offset_ < text_.size() && !isSpace(text_[offset_])) ++offset_;
    token_ = text_.substr(start, offset_ - start);
    return true;
  }

  std::string_view token() const { return token_; }
  /// The token's position, or the end of the text once advance() returned false.
  int64_t line() const { return line_; }
  int64_t column() const {
    const size_t at = token_.empty() ? offset_ : token_.data() - text_.data();
    return static_cast<int64_t>(at - line_start_) + 1;
  }
  /// From the token on, to the end of the text.
  std::string_view rest() const { return text_.substr(token_.data() - text_.data()); }
  void atEnd() { token_ = {}; }

 private:
  std::string_view text_;
  size_t offset_ = 0;
  int64_t line_ = 1;
  size_t line_start_ = 0;
  std::string_view token_;
};

// Reads `token` as a double the way kFloat does; false when it is not one in full.
bool parseNumber(std::string_view token, double* value) {
  if (token.size() > 1 && token[0] == '+' && token[1] != '-' && token[1] != '+')
    token.remove_prefix(1);
  const char* const end = token.data() + token.size();
  const auto [stop, error] = std::from_chars(token.data(), end, *value, std::chars_format::general);
  return error == std::errc() && stop == end;
}

bool numbersMatch(double expected, double actual, const CheckerOptions& options) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
  if (std::isinf(expected) || std::isinf(actual)) return expected == actual;
  if (expected == actual) return true;
  const double difference = std::fabs(actual - expected);
  return difference <= options.abs_tolerance ||
         difference <= options.rel_tolerance * std::fabs(expected);
}

std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

CheckOutcome checkTokens(const CheckerOptions& options, std::string_view expected,
                         std::string_view actual) {
  const bool numeric = options.kind == CheckerKind::kFloat;
  TokenReader expected_tokens(expected), actual_tokens(actual);
  for (int64_t index = 1;; ++index) {
    const bool more_expected = expected_tokens.advance(), more_actual = actual_tokens.advance();
    if (!more_expected && !more_actual) return accepted();
    if (!more_actual) {
      actual_tokens.atEnd();
      const int64_t line = actual_tokens.line(), column = actual_tokens.column();
      return wrongAnswer(line, column,
                         "expected more output: token " + std::to_string(index) + " " +
                             quoted(expected_tokens.token(), false) +
                             " is missing (the output ends at " + lineColumn(line, column) + ")");
    }
    const int64_t line = actual_tokens.line(), column = actual_tokens.column();
    if (!more_expected) {
      return wrongAnswer(line, column,
                         "extra output from " + lineColumn(line, column) + ": " +
                             quoted(actual_tokens.rest(), false));
    }
    const std::string_view want = expected_tokens.token(), got = actual_tokens.token();
    if (want == got) continue;  // equal numbers too, whatever the tolerance
    double want_number = 0, got_number = 0;
    if (numeric && parseNumber(want, &want_number) && parseNumber(got, &got_number)) {
      if (numbersMatch(want_number, got_number, options)) continue;
      std::string message = lineColumn(line, column) + ": expected " + quoted(want, false) +
                            ", got " + quoted(got, false);
      if (std::isfinite(want_number) && std::isfinite(got_number)) {
        message += " (differs by " + formatNumber(std::fabs(got_number - want_number)) +
                   "; allowed: " + formatNumber(options.abs_tolerance) + " absolute or " +
                   formatNumber(options.rel_tolerance) + " relative)";
      }
      return wrongAnswer(line, column, std::move(message));
    }
    return differsAt(line, column, want, got, firstDifference(want, got));
  }
}

}  // namespace

CheckOutcome checkOutput(const CheckerOptions& options, std::string_view expected,
                         std::string_view actual) {
  switch (options.kind) {
    case CheckerKind::kExact:
      return checkExact(expected, actual);
    case CheckerKind::kLines:
      return checkLines(expected, actual);
    case CheckerKind::kTokens:
    case CheckerKind::kFloat:
      return checkTokens(options, expected, actual);
    case CheckerKind::kProgram: {
      // The job executor runs checker programs; nothing here can.
      CheckOutcome refused;
      refused.message = "a checker program is run by the job executor, not by checkOutput()";
      return refused;
    }
  }
  return checkLines(expected, actual);
}

}  // namespace polyrun
