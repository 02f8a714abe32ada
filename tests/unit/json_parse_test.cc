// Bounded parsing of untrusted JSON (polyrun/json_parse.h): depth refused while parsing, errors
// that never quote the input at length.
#include "polyrun/json_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace polyrun {
namespace {

using nlohmann::json;

std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonParseTest, ParsesOrdinaryDocuments) {
  json j;
  ASSERT_EQ(parseJson(R"({"a": [1, {"b": "c"}], "d": null})", &j).message(), "");
  EXPECT_EQ(j["a"][1]["b"], "c");
  ASSERT_EQ(parseJson("42", &j).message(), "");
  EXPECT_EQ(j, 42);
}

TEST(JsonParseTest, DepthUpToTheLimitIsAccepted) {
  json j;
  ASSERT_EQ(parseJson(nested(kMaxJsonDepth), &j).message(), "");
  ASSERT_EQ(parseJson(nested(3), &j, 3).message(), "");
}

TEST(JsonParseTest, OneLevelDeeperIsRefusedAndSaysWhere) {
  json j = "untouched";
  const Status refused = parseJson(nested(kMaxJsonDepth + 1), &j);
  EXPECT_EQ(refused.code(), Status::Code::kInvalidArgument);
  std::string error = refused.message();
  EXPECT_NE(error.find("nested deeper than 64 levels (at byte 64)"), std::string::npos) << error;
  EXPECT_EQ(j, "untouched") << "nothing is stored on failure";
  error = parseJson(R"({"a": {"b": [1]}})", &j, 2).message();
  ASSERT_NE(error, "");
  EXPECT_NE(error.find("deeper than 2"), std::string::npos) << error;
}

// What crashed the master (hardening item 1): 100,000 levels, in arrays, objects and both,
// top level or inside a field. Refused quickly, without the value ever being built or dumped.
TEST(JsonParseTest, HundredThousandLevelsAreRefusedWithoutCrashing) {
  json j;
  std::string error;
  error = parseJson(nested(100000), &j).message();
  EXPECT_NE(error, "");
  EXPECT_NE(error.find("nested deeper"), std::string::npos) << error;
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  error = parseJson(objects, &j).message();
  EXPECT_NE(error, "");
  EXPECT_NE(error.find("nested deeper"), std::string::npos) << error;
  error = parseJson(R"({"language": "python", "stdin": )" + nested(100000) + "}", &j).message();
  EXPECT_NE(error, "");
  EXPECT_NE(error.find("nested deeper"), std::string::npos) << error;
  // Unclosed: the depth is refused before the syntax error at the end would be seen.
  error = parseJson(std::string(100000, '['), &j).message();
  EXPECT_NE(error, "");
  EXPECT_NE(error.find("nested deeper"), std::string::npos) << error;
}

TEST(JsonParseTest, BracketsInsideStringsAreNotNesting) {
  json j;
  const std::string deep_text = "{\"s\": \"" + std::string(1000, '[') + "\"}";
  ASSERT_EQ(parseJson(deep_text, &j).message(), "");
  EXPECT_EQ(j["s"].get<std::string>().size(), 1000u);
}

TEST(JsonParseTest, SyntaxErrorsAreShortWhateverTheInput) {
  json j;
  std::string error;
  // A megabyte string with a raw control character at its end: nlohmann's message would
  // quote the whole string read so far.
  const std::string text = "{\"s\": \"" + std::string(1 << 20, 'x') + "\x01\"}";
  error = parseJson(text, &j).message();
  ASSERT_NE(error, "");
  EXPECT_NE(error.find("parse error"), std::string::npos) << error;
  EXPECT_LE(error.size(), 160u) << error.substr(0, 300);
  error = parseJson("{\"a\": \xff}", &j).message();
  ASSERT_NE(error, "");
  for (char c : error) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "printable ASCII only: " << error;
  error = parseJson("", &j).message();
  ASSERT_NE(error, "");
  EXPECT_FALSE(error.empty());
}

// Found by http_fuzz: a number too large for a double is nlohmann's out_of_range, not a
// parse_error; it too is a refusal, never an exception out of parseJson.
TEST(JsonParseTest, NumberOverflowIsAnError) {
  json j;
  std::string error;
  error = parseJson(R"({"run_timeout": 31e308})", &j).message();
  ASSERT_NE(error, "");
  EXPECT_NE(error.find("number overflow"), std::string::npos) << error;
  error = parseJson("-1e400", &j).message();
  ASSERT_NE(error, "");
  EXPECT_NE(error.find("number overflow"), std::string::npos) << error;
}

TEST(JsonParseTest, ShownValuesAreKindsOrShortQuotes) {
  EXPECT_EQ(shownValue(nlohmann::json::array({1, 2, 3})), "an array of 3 elements");
  EXPECT_EQ(shownValue(nlohmann::json::object()), "an object of 0 keys");
  EXPECT_EQ(shownValue(nlohmann::json(42)), "42");
  EXPECT_EQ(shownValue(std::string_view("py\"thon")), "\"py\\\"thon\"");
  const std::string shown = shownValue(std::string(100000, 'a'));
  EXPECT_EQ(shown, "\"" + std::string(32, 'a') + "\" (cut; 100000 bytes)");
  EXPECT_EQ(shownValue(std::string("\xff\x01")), "\"\xef\xbf\xbd\\u0001\"");
}

}  // namespace
}  // namespace polyrun
