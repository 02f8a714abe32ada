#include "polyrun/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace polyrun {
namespace {

// RFC 4648, section 10.
const std::vector<std::pair<std::string, std::string>> kVectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64Test, EncodesRfc4648Vectors) {
  for (const auto& [plain, encoded] : kVectors) EXPECT_EQ(base64Encode(plain), encoded) << plain;
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  for (const auto& [plain, encoded] : kVectors) {
    auto decoded = base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain) << encoded;
  }
}

TEST(Base64Test, PaddingIsOptional) {
  EXPECT_EQ(base64Decode("Zg"), std::optional<std::string>("f"));
  EXPECT_EQ(base64Decode("Zm8"), std::optional<std::string>("fo"));
  EXPECT_EQ(base64Decode("Zm9vYmE"), std::optional<std::string>("fooba"));
}

TEST(Base64Test, UsesTheStandardAlphabet) {
  EXPECT_EQ(base64Encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(base64Decode("+/+/"), std::optional<std::string>("\xfb\xff\xbf"));
}

TEST(Base64Test, AllByteValuesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t len : {bytes.size(), bytes.size() - 1, bytes.size() - 2}) {
    const std::string part = bytes.substr(0, len);
    const std::string encoded = base64Encode(part);
    EXPECT_EQ(encoded.size(), (len + 2) / 3 * 4);
    auto decoded = base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, part);
  }
  // Reversed order too, so every byte appears at every position modulo 3.
  std::string reversed(bytes.rbegin(), bytes.rend());
  EXPECT_EQ(base64Decode(base64Encode(reversed)), std::optional<std::string>(reversed));
  std::string embedded_nul("a\0b\0\0", 5);
  EXPECT_EQ(base64Decode(base64Encode(embedded_nul)), std::optional<std::string>(embedded_nul));
}

TEST(Base64Test, RejectsCharactersOutsideTheAlphabet) {
  EXPECT_FALSE(base64Decode("Zm9v!").has_value());
  EXPECT_FALSE(base64Decode("Zm-v").has_value());  // base64url, not standard
  EXPECT_FALSE(base64Decode("Zm_v").has_value());
  EXPECT_FALSE(base64Decode("Zm9v\x80").has_value());
  EXPECT_FALSE(base64Decode(std::string("Zm\0v", 4)).has_value());
  EXPECT_FALSE(base64Decode("héllo").has_value());
}

TEST(Base64Test, RejectsDataAfterPadding) {
  EXPECT_FALSE(base64Decode("Zg==Zg==").has_value());
  EXPECT_FALSE(base64Decode("Zg=a").has_value());
}

TEST(Base64Test, RejectsALoneTrailingCharacter) {
  EXPECT_FALSE(base64Decode("Z").has_value());
  EXPECT_FALSE(base64Decode("Zm9vY").has_value());
}

TEST(Base64Test, IgnoresWhitespace) {
  EXPECT_EQ(base64Decode("Zm9v\nYmFy"), std::optional<std::string>("foobar"));
  EXPECT_EQ(base64Decode(" Zm 9v\r\nYm\tFy \n"), std::optional<std::string>("foobar"));
  EXPECT_EQ(base64Decode("Zm9vYg==\n"), std::optional<std::string>("foob"));
  EXPECT_EQ(base64Decode(" \n\t"), std::optional<std::string>(""));
}

TEST(Base64Test, LongInputRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  auto decoded = base64Decode(base64Encode(bytes));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, bytes);
}

}  // namespace
}  // namespace polyrun
