// A folder of test cases (polyrun/case_files.h): natural order of names and the pairing of
// NAME.in / NAME.out, which `polyrun test` and the GUI's Tests panel both read folders with.
#include "polyrun/case_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace polyrun {
namespace {

TEST(NaturalLessTest, NumbersCompareAsNumbers) {
  EXPECT_TRUE(naturalLess("2", "10"));
  EXPECT_FALSE(naturalLess("10", "2"));
  EXPECT_TRUE(naturalLess("a9", "a10"));
  EXPECT_FALSE(naturalLess("a10", "a9"));
  EXPECT_TRUE(naturalLess("case2b", "case10a"));
  EXPECT_TRUE(naturalLess("1-9", "1-10"));
  EXPECT_TRUE(naturalLess("99999999999999999999", "100000000000000000000")) << "runs of any length";
  EXPECT_TRUE(naturalLess("007", "8"));
  EXPECT_TRUE(naturalLess("9", "010"));
}

TEST(NaturalLessTest, LeadingZerosBreakTiesOnly) {
  EXPECT_TRUE(naturalLess("01", "1")) << "more leading zeros first";
  EXPECT_FALSE(naturalLess("1", "01"));
  EXPECT_TRUE(naturalLess("001", "01"));
  EXPECT_TRUE(naturalLess("0", "00") != naturalLess("00", "0")) << "a total order";
  EXPECT_TRUE(naturalLess("01", "2"));
  EXPECT_FALSE(naturalLess("1", "1"));
  EXPECT_FALSE(naturalLess("01", "01"));
}

TEST(NaturalLessTest, PlainStringsCompareByteByByte) {
  EXPECT_TRUE(naturalLess("a", "b"));
  EXPECT_FALSE(naturalLess("b", "a"));
  EXPECT_TRUE(naturalLess("", "a"));
  EXPECT_FALSE(naturalLess("", ""));
  EXPECT_TRUE(naturalLess("ab", "abc")) << "a prefix first";
  EXPECT_FALSE(naturalLess("abc", "ab"));
  EXPECT_TRUE(naturalLess("B", "a")) << "case matters, as bytes";
  EXPECT_TRUE(naturalLess("z", "\xc3\xa9")) << "bytes are unsigned";
  EXPECT_FALSE(naturalLess("same", "same"));
  EXPECT_TRUE(naturalLess("9", "a")) << "a digit is a byte before a letter";
}

TEST(NaturalLessTest, SortsAFolderAsPeopleNumberIt) {
  std::vector<std::string> names = {"10", "a", "2", "1", "b2", "b10", "01", "big", "20", "b1"};
  std::sort(names.begin(), names.end(), naturalLess);
  EXPECT_EQ(names,
            (std::vector<std::string>{"01", "1", "2", "10", "20", "a", "b1", "b2", "b10", "big"}));
}

TEST(PairCaseFilesTest, PairsInAndOutByNameInNaturalOrder) {
  const auto cases =
      pairCaseFiles({"10.out", "2.in", "README.md", "10.in", "1.in", "only.in", "2.out", "lone.out",
                     "1.out", "sol.py", ".in", "x.in.bak", "notes.output", "3.ans"});
  ASSERT_EQ(cases.size(), 5u);
  EXPECT_EQ(cases[0].name, "1");
  EXPECT_EQ(cases[0].input, "1.in");
  EXPECT_EQ(cases[0].expected, "1.out");
  EXPECT_EQ(cases[1].name, "2");
  EXPECT_EQ(cases[1].input, "2.in");
  EXPECT_EQ(cases[1].expected, "2.out");
  EXPECT_EQ(cases[2].name, "10");
  EXPECT_EQ(cases[2].expected, "10.out");
  EXPECT_EQ(cases[3].name, "lone");
  EXPECT_FALSE(cases[3].input.has_value()) << "a lone .out gets an empty stdin";
  EXPECT_EQ(cases[3].expected, "lone.out");
  EXPECT_EQ(cases[4].name, "only");
  EXPECT_EQ(cases[4].input, "only.in");
  EXPECT_FALSE(cases[4].expected.has_value()) << "a lone .in is run, not checked";
}

TEST(PairCaseFilesTest, NoCaseFilesNoCases) {
  EXPECT_TRUE(pairCaseFiles({}).empty());
  EXPECT_TRUE(pairCaseFiles({"a.txt", "in", "out", ".out"}).empty());
}

}  // namespace
}  // namespace polyrun
