#include "polyrun/checker.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace polyrun {
namespace {

constexpr CheckerKind kAllKinds[] = {CheckerKind::kExact, CheckerKind::kLines, CheckerKind::kTokens,
                                     CheckerKind::kFloat};

CheckOutcome check(CheckerKind kind, std::string_view expected, std::string_view actual) {
  CheckerOptions options;
  options.kind = kind;
  return checkOutput(options, expected, actual);
}

CheckOutcome checkFloat(std::string_view expected, std::string_view actual, double abs_tolerance,
                        double rel_tolerance) {
  CheckerOptions options;
  options.kind = CheckerKind::kFloat;
  options.abs_tolerance = abs_tolerance;
  options.rel_tolerance = rel_tolerance;
  return checkOutput(options, expected, actual);
}

// True when `text` is well-formed UTF-8 without control characters (what a message must be).
bool isPrintableUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (byte < 0x80) {
      if (byte < 0x20 || byte == 0x7F) return false;
      ++i;
      continue;
    }
    size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0;
    if (length == 0 || byte > 0xF4 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k)
      if ((static_cast<uint8_t>(text[i + k]) & 0xC0) != 0x80) return false;
    i += length;
  }
  return true;
}

TEST(CheckerNameTest, RoundTripsEveryKind) {
  for (CheckerKind kind : kAllKinds) EXPECT_EQ(parseCheckerName(checkerName(kind)), kind);
  EXPECT_EQ(checkerName(CheckerKind::kExact), "exact");
  EXPECT_EQ(checkerName(CheckerKind::kLines), "lines");
  EXPECT_EQ(checkerName(CheckerKind::kTokens), "tokens");
  EXPECT_EQ(checkerName(CheckerKind::kFloat), "float");
}

TEST(CheckerNameTest, RejectsUnknownNames) {
  EXPECT_EQ(parseCheckerName(""), std::nullopt);
  EXPECT_EQ(parseCheckerName("Lines"), std::nullopt);
  EXPECT_EQ(parseCheckerName("diff"), std::nullopt);
  EXPECT_EQ(parseCheckerName("exact "), std::nullopt);
}

TEST(CheckerTest, DefaultsToLinesWithMicroTolerances) {
  const CheckerOptions options;
  EXPECT_EQ(options.kind, CheckerKind::kLines);
  EXPECT_EQ(options.abs_tolerance, 1e-6);
  EXPECT_EQ(options.rel_tolerance, 1e-6);
}

TEST(CheckerTest, AcceptedOutcomeHasNoPositionOrMessage) {
  for (CheckerKind kind : kAllKinds) {
    const CheckOutcome outcome = check(kind, "1 2\n3\n", "1 2\n3\n");
    EXPECT_TRUE(outcome.accepted) << checkerName(kind);
    EXPECT_EQ(outcome.line, 0);
    EXPECT_EQ(outcome.column, 0);
    EXPECT_EQ(outcome.message, "");
  }
}

TEST(CheckerTest, EmptyExpectedAndEmptyActualAreAcceptedByEveryKind) {
  for (CheckerKind kind : kAllKinds) EXPECT_TRUE(check(kind, "", "").accepted) << checkerName(kind);
}

TEST(CheckerTest, CrlfAgainstLfFailsOnlyExact) {
  const std::string lf = "1 2\n3 4\n", crlf = "1 2\r\n3 4\r\n";
  const CheckOutcome exact = check(CheckerKind::kExact, lf, crlf);
  EXPECT_FALSE(exact.accepted);
  EXPECT_EQ(exact.line, 1);
  EXPECT_EQ(exact.column, 4);
  EXPECT_EQ(exact.message, R"(line 1, column 4: expected "2\n3 4\n", got "2\r\n3 4\r\n")");
  for (CheckerKind kind : {CheckerKind::kLines, CheckerKind::kTokens, CheckerKind::kFloat}) {
    EXPECT_TRUE(check(kind, lf, crlf).accepted) << checkerName(kind);
    EXPECT_TRUE(check(kind, crlf, lf).accepted) << checkerName(kind);
  }
}

// --- exact -------------------------------------------------------------------------------------

TEST(ExactCheckerTest, ComparesEveryByte) {
  EXPECT_TRUE(check(CheckerKind::kExact, "a b\n", "a b\n").accepted);
  EXPECT_FALSE(check(CheckerKind::kExact, "a b\n", "a b \n").accepted);
  EXPECT_FALSE(check(CheckerKind::kExact, "a b\n", "a  b\n").accepted);
  EXPECT_FALSE(check(CheckerKind::kExact, "a b\n", " a b\n").accepted);
  EXPECT_FALSE(check(CheckerKind::kExact, std::string("a\0b", 3), std::string("a\0c", 3)).accepted);
}

TEST(ExactCheckerTest, PointsAtTheFirstDifferentByte) {
  const CheckOutcome outcome = check(CheckerKind::kExact, "1\n2\nxyz 52\n", "1\n2\nxyz 41\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 3);
  EXPECT_EQ(outcome.column, 5);
  EXPECT_EQ(outcome.message, R"(line 3, column 5: expected "52\n", got "41\n")");
}

TEST(ExactCheckerTest, SaysWhatIsMissing) {
  const CheckOutcome outcome = check(CheckerKind::kExact, "1\n2\n3\n", "1\n2");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 2);
  EXPECT_EQ(outcome.column, 2);
  EXPECT_EQ(outcome.message, R"(expected more output: "\n3\n" is missing at line 2, column 2)");
}

TEST(ExactCheckerTest, SaysWhatIsExtra) {
  const CheckOutcome outcome = check(CheckerKind::kExact, "1\n2", "1\n2\ndebug\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 2);
  EXPECT_EQ(outcome.column, 2);
  EXPECT_EQ(outcome.message, R"(extra output from line 2, column 2: "\ndebug\n")");
}

TEST(ExactCheckerTest, EmptyAgainstSomething) {
  const CheckOutcome extra = check(CheckerKind::kExact, "", "\n");
  EXPECT_FALSE(extra.accepted);
  EXPECT_EQ(extra.message, R"(extra output from line 1, column 1: "\n")");
  const CheckOutcome missing = check(CheckerKind::kExact, "42", "");
  EXPECT_FALSE(missing.accepted);
  EXPECT_EQ(missing.line, 1);
  EXPECT_EQ(missing.column, 1);
  EXPECT_EQ(missing.message, R"(expected more output: "42" is missing at line 1, column 1)");
}

// --- lines -------------------------------------------------------------------------------------

TEST(LinesCheckerTest, IgnoresTrailingSpacesTabsAndCarriageReturns) {
  EXPECT_TRUE(check(CheckerKind::kLines, "1 2\n3\n", "1 2  \t\r\n3\t\n").accepted);
  EXPECT_TRUE(check(CheckerKind::kLines, "1 2 \n3\r\n", "1 2\n3").accepted);
}

TEST(LinesCheckerTest, IgnoresBlankLinesAtTheEnd) {
  EXPECT_TRUE(check(CheckerKind::kLines, "1\n2", "1\n2\n\n\n").accepted);
  EXPECT_TRUE(check(CheckerKind::kLines, "1\n2\n\n \n\t\r\n", "1\n2").accepted);
  EXPECT_TRUE(check(CheckerKind::kLines, "", "\n  \n\r\n").accepted);
  EXPECT_TRUE(check(CheckerKind::kLines, "\n\n", "").accepted);
}

TEST(LinesCheckerTest, LeadingWhitespaceInnerWhitespaceAndInnerBlankLinesCount) {
  EXPECT_FALSE(check(CheckerKind::kLines, "1 2\n", " 1 2\n").accepted);
  EXPECT_FALSE(check(CheckerKind::kLines, "1 2\n", "1  2\n").accepted);
  EXPECT_FALSE(check(CheckerKind::kLines, "1\n2\n", "1\n\n2\n").accepted);
  EXPECT_FALSE(check(CheckerKind::kLines, "\n1\n", "1\n").accepted);
  // Only spaces, tabs and \r are trailing whitespace; a carriage return inside a line counts.
  EXPECT_FALSE(check(CheckerKind::kLines, "1\n", "1\f\n").accepted);
  EXPECT_FALSE(check(CheckerKind::kLines, "1 2\n", "1\r2\n").accepted);
}

TEST(LinesCheckerTest, PointsAtTheFirstDifferentByteOfTheFirstDifferentLine) {
  const CheckOutcome outcome =
      check(CheckerKind::kLines, "1\n2\nxyz 52\n4\n", "1\r\n2  \r\nxyz 41\r\n5\r\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 3);
  EXPECT_EQ(outcome.column, 5);
  EXPECT_EQ(outcome.message, R"(line 3, column 5: expected "52", got "41")");
}

TEST(LinesCheckerTest, ShowsTheWholeWordAroundTheDifference) {
  const CheckOutcome outcome = check(CheckerKind::kLines, "answer 12345 x\n", "answer 12395 x\n");
  EXPECT_EQ(outcome.line, 1);
  EXPECT_EQ(outcome.column, 11);
  EXPECT_EQ(outcome.message, R"(line 1, column 11: expected "12345 x", got "12395 x")");
}

TEST(LinesCheckerTest, ALineThatEndsEarlyDiffersWhereItEnds) {
  const CheckOutcome outcome = check(CheckerKind::kLines, "1 2 3\n", "1 2\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 1);
  EXPECT_EQ(outcome.column, 4);
  EXPECT_EQ(outcome.message, R"(line 1, column 4: expected "2 3", got "2")");
}

TEST(LinesCheckerTest, SaysWhichLineIsMissing) {
  const CheckOutcome outcome = check(CheckerKind::kLines, "1\n2\n3\n4\n", "1\n2\n3\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 4);
  EXPECT_EQ(outcome.column, 1);
  EXPECT_EQ(outcome.message, R"(expected more output: line 4 is missing (expected "4"))");
}

TEST(LinesCheckerTest, SaysWhereExtraOutputStarts) {
  const CheckOutcome outcome = check(CheckerKind::kLines, "1\n2\n3\n4\n", "1\n2\n3\n4\n\ndebug\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 5);
  EXPECT_EQ(outcome.column, 1);
  EXPECT_EQ(outcome.message, R"(extra output from line 5: "\ndebug")");
}

TEST(LinesCheckerTest, EmptyAgainstSomething) {
  const CheckOutcome extra = check(CheckerKind::kLines, "\n", "x\n");
  EXPECT_FALSE(extra.accepted);
  EXPECT_EQ(extra.line, 1);
  EXPECT_EQ(extra.message, R"(extra output from line 1: "x")");
  const CheckOutcome missing = check(CheckerKind::kLines, "x\n", " \n\n");
  EXPECT_FALSE(missing.accepted);
  EXPECT_EQ(missing.line, 1);
  EXPECT_EQ(missing.message, R"(expected more output: line 1 is missing (expected "x"))");
}

// --- tokens ------------------------------------------------------------------------------------

TEST(TokensCheckerTest, AnyWhitespaceSeparatesTokens) {
  EXPECT_TRUE(check(CheckerKind::kTokens, "1 2\n3", "  1\n\n2 \t\v\f 3  \r\n").accepted);
  EXPECT_TRUE(check(CheckerKind::kTokens, "", " \n\t\r\n").accepted);
  EXPECT_TRUE(check(CheckerKind::kTokens, "\n\n", "").accepted);
}

TEST(TokensCheckerTest, TokensMustBeEqual) {
  EXPECT_FALSE(check(CheckerKind::kTokens, "12", "1 2").accepted);
  EXPECT_FALSE(check(CheckerKind::kTokens, "YES", "yes").accepted);
  EXPECT_FALSE(check(CheckerKind::kTokens, "1", "1.0").accepted);
}

TEST(TokensCheckerTest, PointsIntoTheActualOutput) {
  const CheckOutcome outcome = check(CheckerKind::kTokens, "1 2 345", "1\n  2\n    355\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 3);
  EXPECT_EQ(outcome.column, 6);
  EXPECT_EQ(outcome.message, R"(line 3, column 6: expected "345", got "355")");
}

TEST(TokensCheckerTest, SaysWhichTokenIsMissingAndWhereTheOutputEnds) {
  const CheckOutcome outcome = check(CheckerKind::kTokens, "1 2 3", "1\n2\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 3);
  EXPECT_EQ(outcome.column, 1);
  EXPECT_EQ(
      outcome.message,
      R"(expected more output: token 3 "3" is missing (the output ends at line 3, column 1))");
}

TEST(TokensCheckerTest, SaysWhereExtraOutputStarts) {
  const CheckOutcome outcome = check(CheckerKind::kTokens, "1 2", "1 2\n  debug: x\n");
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 2);
  EXPECT_EQ(outcome.column, 3);
  EXPECT_EQ(outcome.message, R"(extra output from line 2, column 3: "debug: x\n")");
}

// --- float -------------------------------------------------------------------------------------

TEST(FloatCheckerTest, NumbersMatchWithinTheAbsoluteTolerance) {
  // Binary fractions, so that the differences are exact: the edge itself is accepted.
  EXPECT_TRUE(checkFloat("1", "1.25", 0.25, 0).accepted);
  EXPECT_TRUE(checkFloat("1", "0.75", 0.25, 0).accepted);
  EXPECT_FALSE(checkFloat("1", "1.2500001", 0.25, 0).accepted);
  EXPECT_FALSE(checkFloat("1", "0.7499999", 0.25, 0).accepted);
}

TEST(FloatCheckerTest, NumbersMatchWithinTheToleranceRelativeToTheExpectedValue) {
  EXPECT_TRUE(checkFloat("4", "6", 0, 0.5).accepted);
  EXPECT_FALSE(checkFloat("4", "6.0001", 0, 0.5).accepted);
  EXPECT_TRUE(checkFloat("-4", "-2", 0, 0.5).accepted);
  // Relative to the expected value: 3.5 is within half of 3.5 from 2, 2 is not within half of 2
  // from 3.5.
  EXPECT_TRUE(checkFloat("3.5", "2", 0, 0.5).accepted);
  EXPECT_FALSE(checkFloat("2", "3.5", 0, 0.5).accepted);
  // Either tolerance is enough.
  EXPECT_TRUE(checkFloat("1000", "1001", 0.5, 0.001).accepted);
  EXPECT_TRUE(checkFloat("0", "0.5", 0.5, 0.001).accepted);
  EXPECT_FALSE(checkFloat("1000", "1001.5", 0.5, 0.001).accepted);
}

TEST(FloatCheckerTest, DefaultTolerancesAreOneMillionth) {
  CheckerOptions options;
  options.kind = CheckerKind::kFloat;
  EXPECT_TRUE(checkOutput(options, "3.1415926", "3.1415929").accepted);
  EXPECT_FALSE(checkOutput(options, "3.14159", "3.14160").accepted);
  EXPECT_TRUE(checkOutput(options, "1000000", "1000000.9").accepted);  // relative
  EXPECT_FALSE(checkOutput(options, "1000000", "1000001.1").accepted);
}

TEST(FloatCheckerTest, ReadsNumbersInAnyNotation) {
  EXPECT_TRUE(checkFloat("1", "1.000", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("100", "1e2", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("0.5", ".5", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("1", "+1", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("-0", "0", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("1 2\n3", "1.0\r\n2.0 3.0", 0, 0).accepted);
  // Not numbers in full: compared exactly.
  EXPECT_FALSE(checkFloat("16", "0x10", 1, 1).accepted);
  EXPECT_FALSE(checkFloat("1", "1,0", 1, 1).accepted);
  EXPECT_FALSE(checkFloat("1", "++1", 1, 1).accepted);
  EXPECT_FALSE(checkFloat("1", "1.5kg", 1, 1).accepted);
}

TEST(FloatCheckerTest, OtherTokensAreComparedExactly) {
  EXPECT_TRUE(checkFloat("YES 0.5", "YES 0.5000001", 1e-6, 0).accepted);
  EXPECT_FALSE(checkFloat("YES 0.5", "yes 0.5", 1e-6, 0).accepted);
  EXPECT_FALSE(checkFloat("abc", "abd", 1, 1).accepted);
  EXPECT_FALSE(checkFloat("1", "one", 1, 1).accepted);
}

TEST(FloatCheckerTest, SaysByHowMuchANumberIsOff) {
  const CheckOutcome outcome = checkFloat("1.5 0.5\n", "1.5\n0.51\n", 1e-6, 1e-6);
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.line, 2);
  EXPECT_EQ(outcome.column, 1);
  EXPECT_EQ(outcome.message, R"(line 2, column 1: expected "0.5", got "0.51" )"
                             "(differs by 0.01; allowed: 1e-06 absolute or 1e-06 relative)");
}

TEST(FloatCheckerTest, NanMatchesOnlyNan) {
  EXPECT_TRUE(checkFloat("nan", "nan", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("nan", "NaN", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("nan", "-nan", 0, 0).accepted);
  EXPECT_FALSE(checkFloat("nan", "0", 1e300, 1e300).accepted);
  EXPECT_FALSE(checkFloat("0", "nan", 1e300, 1e300).accepted);
  EXPECT_FALSE(checkFloat("nan", "inf", 1e300, 1e300).accepted);
  const CheckOutcome outcome = checkFloat("nan", "1", 0, 0);
  EXPECT_EQ(outcome.message, R"(line 1, column 1: expected "nan", got "1")");
}

TEST(FloatCheckerTest, InfinityMatchesOnlyTheSameInfinity) {
  EXPECT_TRUE(checkFloat("inf", "inf", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("inf", "Infinity", 0, 0).accepted);
  EXPECT_TRUE(checkFloat("-inf", "-INF", 0, 0).accepted);
  EXPECT_FALSE(checkFloat("inf", "-inf", 1e300, 1e300).accepted);
  EXPECT_FALSE(checkFloat("inf", "1e308", 1e300, 1e300).accepted);
  EXPECT_FALSE(checkFloat("1e308", "inf", 1e300, 1e300).accepted);
}

TEST(FloatCheckerTest, NumbersBeyondDoubleAreComparedExactly) {
  EXPECT_TRUE(checkFloat("1e999", "1e999", 0, 0).accepted);
  EXPECT_FALSE(checkFloat("1e999", "inf", 1, 1).accepted);
  EXPECT_FALSE(checkFloat("1e999", "1E999", 1, 1).accepted);
}

TEST(FloatCheckerTest, AHugeDifferenceIsNotAMatch) {
  // |a - b| overflows to infinity.
  EXPECT_FALSE(checkFloat("1.7e308", "-1.7e308", 1e300, 0.5).accepted);
}

TEST(FloatCheckerTest, NegativeOrNanTolerancesAllowOnlyEqualNumbers) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(checkFloat("0.5", "0.50", -1, -1).accepted);
  EXPECT_FALSE(checkFloat("0.5", "0.5000001", -1, -1).accepted);
  EXPECT_TRUE(checkFloat("0.5", "0.50", nan, nan).accepted);
  EXPECT_FALSE(checkFloat("0.5", "0.5000001", nan, nan).accepted);
}

// --- long and hostile outputs ------------------------------------------------------------------

TEST(CheckerTest, ADifferenceInTheMiddleOfAVeryLongLineIsFoundAndShownShort) {
  const size_t length = 1 << 20, middle = length / 2;
  const std::string expected = std::string(length, 'a') + "\n";
  std::string actual = expected;
  actual[middle] = 'b';
  for (CheckerKind kind : kAllKinds) {
    const CheckOutcome outcome = check(kind, expected, actual);
    EXPECT_FALSE(outcome.accepted) << checkerName(kind);
    EXPECT_EQ(outcome.line, 1) << checkerName(kind);
    EXPECT_EQ(outcome.column, static_cast<int64_t>(middle) + 1) << checkerName(kind);
    const std::string line_column = "line 1, column " + std::to_string(middle + 1) + ": ";
    const std::string expected_excerpt = "\"..." + std::string(16, 'a') + std::string(16, 'a');
    EXPECT_EQ(outcome.message.substr(0, line_column.size()), line_column) << checkerName(kind);
    EXPECT_NE(outcome.message.find("expected " + expected_excerpt + "...\""), std::string::npos)
        << outcome.message;
    EXPECT_NE(outcome.message.find("got \"..." + std::string(16, 'a') + "b" + std::string(15, 'a') +
                                   "...\""),
              std::string::npos)
        << outcome.message;
    EXPECT_LT(outcome.message.size(), 140u) << outcome.message;
  }
}

TEST(CheckerTest, BinaryGarbageIsEscapedInMessages) {
  const std::string expected("\x01\xff\xfe\x7f\"\\ \x00z", 9),
      actual("\x01\xff\xfd\x7f\"\\ \x00z", 9);
  for (CheckerKind kind : kAllKinds) {
    const CheckOutcome outcome = check(kind, expected, actual);
    EXPECT_FALSE(outcome.accepted) << checkerName(kind);
    EXPECT_EQ(outcome.line, 1);
    EXPECT_EQ(outcome.column, 3);
    // The first token ends at the space; the line and the whole output go on.
    const bool whole = kind == CheckerKind::kExact || kind == CheckerKind::kLines;
    const std::string rest = whole ? R"( \x00z)" : "";
    EXPECT_EQ(outcome.message, R"(line 1, column 3: expected "\x01\xFF\xFE\x7F\"\\)" + rest +
                                   R"(", got "\x01\xFF\xFD\x7F\"\\)" + rest + "\"")
        << checkerName(kind);
  }
}

TEST(CheckerTest, MessagesArePrintableWhateverTheBytes) {
  // Every byte value, in a deterministic jumble, against the same with a few bytes changed.
  std::string expected;
  uint32_t state = 12345;
  for (int i = 0; i < 4096; ++i) {
    state = state * 1103515245u + 12345u;
    expected += static_cast<char>(i < 256 ? i : (state >> 16) & 0xFF);
  }
  for (size_t at : {size_t{0}, size_t{10}, size_t{200}, size_t{1000}, size_t{4000}}) {
    std::string actual = expected;
    actual[at] = static_cast<char>(actual[at] ^ 0x5A);
    for (CheckerKind kind : kAllKinds) {
      const std::pair<std::string_view, std::string_view> cases[] = {
          {expected, actual},
          {expected, std::string_view(actual).substr(0, at)},
          {std::string_view(expected).substr(0, at), actual}};
      for (const auto& [want, got] : cases) {
        const CheckOutcome outcome = check(kind, want, got);
        if (outcome.accepted) continue;  // e.g. a change between two whitespace bytes
        EXPECT_TRUE(isPrintableUtf8(outcome.message)) << outcome.message;
        EXPECT_LT(outcome.message.size(), 400u) << outcome.message;
        EXPECT_GE(outcome.line, 1);
        EXPECT_GE(outcome.column, 1);
      }
    }
  }
}

TEST(CheckerTest, ExcerptsKeepValidUtf8AndNeverSplitACharacter) {
  EXPECT_EQ(check(CheckerKind::kLines, "héllo wörld\n", "héllo wórld\n").message,
            R"(line 1, column 10: expected "wörld", got "wórld")");
  // 31 bytes, then a two-byte character that does not fit in the 32 shown.
  const std::string expected = std::string(31, 'a') + "é" + "x";
  const std::string actual = "b" + expected.substr(1);
  EXPECT_EQ(check(CheckerKind::kExact, expected, actual).message,
            "line 1, column 1: expected \"" + std::string(31, 'a') + "...\", got \"b" +
                std::string(30, 'a') + "...\"");
  // A difference inside a character: the excerpt starts at the character.
  EXPECT_EQ(check(CheckerKind::kTokens, "é", "è").message,
            R"(line 1, column 2: expected "é", got "è")");
}

TEST(CheckerTest, IllFormedUtf8IsEscaped) {
  // A lead byte without its continuation, an overlong '/', a UTF-16 surrogate, above U+10FFFF.
  const std::string actual = "\xC3( \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80";
  EXPECT_EQ(
      check(CheckerKind::kExact, "", actual).message,
      R"(extra output from line 1, column 1: "\xC3( \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80")");
}

// Outputs of 32 MiB, as a program may print (the output limit goes up to 16 MiB per stream):
// every checker goes through them in one pass. Not timed (machines differ); a checker that is
// not linear makes this test take minutes instead of well under a second.
TEST(CheckerTest, ThirtyTwoMebibyteOutputs) {
  const size_t size = size_t{32} << 20;
  const std::string line = "0.5 123456789 abc\n";
  std::string expected;
  expected.reserve(size + line.size());
  while (expected.size() < size) expected += line;
  const auto lines = static_cast<int64_t>(expected.size() / line.size());

  {
    std::string crlf;
    crlf.reserve(expected.size() + expected.size() / line.size() * 3);
    for (size_t at = 0; at < expected.size(); at += line.size())
      crlf.append(line, 0, line.size() - 1).append(" \r\n");
    for (CheckerKind kind : kAllKinds) {
      EXPECT_TRUE(check(kind, expected, expected).accepted) << checkerName(kind);
      if (kind != CheckerKind::kExact) {
        EXPECT_TRUE(check(kind, expected, crlf).accepted) << checkerName(kind);
      }
    }
  }

  std::string last_differs = expected;
  last_differs[last_differs.size() - 2] = 'x';  // the last line's "abc" becomes "abx"
  for (CheckerKind kind : kAllKinds) {
    const CheckOutcome outcome = check(kind, expected, last_differs);
    EXPECT_FALSE(outcome.accepted) << checkerName(kind);
    EXPECT_EQ(outcome.line, lines) << checkerName(kind);
    EXPECT_EQ(outcome.column, 17) << checkerName(kind);
  }

  CheckerOptions options;
  options.kind = CheckerKind::kFloat;
  options.abs_tolerance = 0.25;
  std::string close_numbers = expected;
  for (size_t at = 0; at < close_numbers.size(); at += line.size()) close_numbers[at + 2] = '7';
  EXPECT_TRUE(checkOutput(options, expected, close_numbers).accepted);
  const CheckOutcome missing = check(CheckerKind::kLines, expected + "1\n", expected);
  EXPECT_EQ(missing.line, lines + 1);
}

}  // namespace
}  // namespace polyrun
