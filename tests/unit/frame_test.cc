// The wire frame codec: 4-byte big-endian length + one JSON object with a string "type".
#include "polyrun/frame.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace polyrun {
namespace {

using nlohmann::json;

// A header for `length` written by hand, independent of encodeFrame.
std::string header(uint32_t length) {
  std::string h(4, '\0');
  h[0] = static_cast<char>((length >> 24) & 0xff);
  h[1] = static_cast<char>((length >> 16) & 0xff);
  h[2] = static_cast<char>((length >> 8) & 0xff);
  h[3] = static_cast<char>(length & 0xff);
  return h;
}

std::string rawFrame(const std::string& payload) {
  return header(static_cast<uint32_t>(payload.size())) + payload;
}

std::vector<json> drain(FrameReader& reader) {
  std::vector<json> out;
  json m;
  while (reader.next(&m)) out.push_back(m);
  return out;
}

json sample(int i) {
  return {{"type", "submit"},
          {"id", std::to_string(i)},
          {"job", {{"language", "python"}}},
          {"text", std::string(static_cast<size_t>(i) * 7, 'x')}};
}

// Feeds `bytes` and expects exactly one error, naming `needle`.
void expectBadFrame(const std::string& bytes, const std::string& needle) {
  FrameReader reader;
  EXPECT_FALSE(reader.feed(bytes));
  EXPECT_TRUE(reader.failed());
  EXPECT_NE(reader.error().find(needle), std::string::npos) << reader.error();
  json m;
  EXPECT_FALSE(reader.next(&m));
}

TEST(FrameTest, HeaderIsBigEndianPayloadLength) {
  const std::string frame = encodeFrame(json{{"type", "x"}});
  const std::string payload = R"({"type":"x"})";
  ASSERT_EQ(frame.size(), kFrameHeaderBytes + payload.size());
  EXPECT_EQ(frame.substr(0, 4), std::string("\x00\x00\x00\x0c", 4));
  EXPECT_EQ(frame.substr(4), payload);
}

TEST(FrameTest, HeaderOfMultiByteLength) {
  // Payload {"type":"<s>"} is 11 + s bytes: make it 0x010203 = 66051 bytes.
  const std::string s(0x010203 - 11, 'a');
  const std::string frame = encodeFrame(json{{"type", s}});
  ASSERT_EQ(frame.size(), 4u + 0x010203);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x00\x01\x02\x03", 4));
}

TEST(FrameTest, ReaderDecodesHandWrittenBigEndianHeader) {
  // 300 = 0x0000012c: a little-endian reader would see a huge length and fail.
  std::string payload = R"({"type":"t","pad":")";
  payload += std::string(300 - payload.size() - 2, 'p') + "\"}";
  ASSERT_EQ(payload.size(), 300u);
  FrameReader reader;
  ASSERT_TRUE(reader.feed(std::string("\x00\x00\x01\x2c", 4) + payload)) << reader.error();
  auto messages = drain(reader);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["type"], "t");
  EXPECT_EQ(reader.pendingBytes(), 0u);
}

TEST(FrameTest, RoundTripOneMessage) {
  const json message = sample(3);
  FrameReader reader;
  ASSERT_TRUE(reader.feed(encodeFrame(message))) << reader.error();
  json out;
  ASSERT_TRUE(reader.next(&out));
  EXPECT_EQ(out, message);
  EXPECT_FALSE(reader.next(&out));
  EXPECT_EQ(reader.pendingBytes(), 0u);
  EXPECT_FALSE(reader.failed());
}

TEST(FrameTest, RoundTripUnicodeText) {
  const json message = {{"type", "result"},
                        {"stdout", "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"}};
  FrameReader reader;
  ASSERT_TRUE(reader.feed(encodeFrame(message))) << reader.error();
  json out;
  ASSERT_TRUE(reader.next(&out));
  EXPECT_EQ(out, message);
}

TEST(FrameTest, ManyMessagesInOneFeedComeOutInOrder) {
  std::string bytes;
  for (int i = 0; i < 50; ++i) bytes += encodeFrame(sample(i));
  FrameReader reader;
  ASSERT_TRUE(reader.feed(bytes)) << reader.error();
  auto messages = drain(reader);
  ASSERT_EQ(messages.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(messages[i], sample(i)) << i;
  EXPECT_EQ(reader.pendingBytes(), 0u);
}

TEST(FrameTest, MessagesFedByteByByte) {
  std::string bytes = encodeFrame(sample(1)) + encodeFrame(sample(2));
  FrameReader reader;
  std::vector<json> messages;
  for (size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_TRUE(reader.feed(&bytes[i], 1)) << "at byte " << i << ": " << reader.error();
    auto got = drain(reader);
    messages.insert(messages.end(), got.begin(), got.end());
    if (i + 1 == encodeFrame(sample(1)).size()) {
      EXPECT_EQ(messages.size(), 1u);
    }
  }
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], sample(1));
  EXPECT_EQ(messages[1], sample(2));
  EXPECT_EQ(reader.pendingBytes(), 0u);
}

TEST(FrameTest, SplitAtEveryOffsetOfHeaderAndPayload) {
  const std::string first = encodeFrame(sample(4));
  const std::string second = encodeFrame(sample(5));
  const std::string bytes = first + second;
  for (size_t cut = 0; cut <= first.size(); ++cut) {
    FrameReader reader;
    ASSERT_TRUE(reader.feed(bytes.substr(0, cut))) << cut;
    json m;
    if (cut < first.size()) {
      EXPECT_FALSE(reader.next(&m)) << "message out before its last byte, cut " << cut;
      EXPECT_EQ(reader.pendingBytes(), cut);
    }
    ASSERT_TRUE(reader.feed(bytes.substr(cut))) << cut << ": " << reader.error();
    auto messages = drain(reader);
    ASSERT_EQ(messages.size(), 2u) << cut;
    EXPECT_EQ(messages[0], sample(4)) << cut;
    EXPECT_EQ(messages[1], sample(5)) << cut;
    EXPECT_EQ(reader.pendingBytes(), 0u);
  }
}

TEST(FrameTest, EmptyFeedIsHarmless) {
  FrameReader reader;
  EXPECT_TRUE(reader.feed("", 0));
  json m;
  EXPECT_FALSE(reader.next(&m));
  EXPECT_EQ(reader.pendingBytes(), 0u);
}

TEST(FrameTest, LengthZeroIsAnError) {
  expectBadFrame(header(0) + encodeFrame(sample(1)), "length 0");
}

TEST(FrameTest, OversizedFrameNamesBothNumbersAndIsNotBuffered) {
  FrameReader reader(1000);
  // Only the header arrives: the reader must refuse at once, not wait for 5000 bytes.
  EXPECT_FALSE(reader.feed(header(5000)));
  EXPECT_TRUE(reader.failed());
  EXPECT_NE(reader.error().find("5000"), std::string::npos) << reader.error();
  EXPECT_NE(reader.error().find("1000"), std::string::npos) << reader.error();
  EXPECT_EQ(reader.pendingBytes(), 0u);
  // The rest of the giant payload is not kept either.
  EXPECT_FALSE(reader.feed(std::string(5000, 'x')));
  EXPECT_EQ(reader.pendingBytes(), 0u);
}

TEST(FrameTest, OversizedAgainstDefaultLimit) {
  FrameReader reader;
  const uint32_t length = static_cast<uint32_t>(kDefaultMaxFrameBytes) + 1;
  EXPECT_FALSE(reader.feed(header(length) + "{"));
  EXPECT_NE(reader.error().find(std::to_string(length)), std::string::npos) << reader.error();
  EXPECT_NE(reader.error().find(std::to_string(kDefaultMaxFrameBytes)), std::string::npos);
  EXPECT_EQ(reader.pendingBytes(), 0u);
}

TEST(FrameTest, FrameOfExactlyTheMaximumIsAccepted) {
  const std::string payload = R"({"type":"x"})";
  FrameReader reader(payload.size());
  ASSERT_TRUE(reader.feed(rawFrame(payload))) << reader.error();
  json m;
  ASSERT_TRUE(reader.next(&m));
  EXPECT_EQ(m["type"], "x");
}

TEST(FrameTest, TruncatedFrameIsPendingWithoutMessage) {
  const std::string frame = encodeFrame(sample(2));
  FrameReader reader;
  EXPECT_TRUE(reader.feed(frame.substr(0, frame.size() - 1)));
  json m;
  EXPECT_FALSE(reader.next(&m));
  EXPECT_EQ(reader.pendingBytes(), frame.size() - 1);
  EXPECT_FALSE(reader.failed());

  FrameReader partial_header;
  EXPECT_TRUE(partial_header.feed(frame.substr(0, 2)));
  EXPECT_EQ(partial_header.pendingBytes(), 2u);
  EXPECT_FALSE(partial_header.next(&m));
}

TEST(FrameTest, NonJsonPayloadIsAnError) {
  expectBadFrame(rawFrame("hello, world"), "JSON");
  expectBadFrame(rawFrame(R"({"type":"x")"), "JSON");                // cut short inside the frame
  expectBadFrame(rawFrame(R"({"type":"x"} {"type":"y"})"), "JSON");  // two values in one frame
}

TEST(FrameTest, PayloadThatIsNotAnObjectIsAnError) {
  expectBadFrame(rawFrame(R"([{"type":"x"}])"), "object");
  expectBadFrame(rawFrame("42"), "object");
  expectBadFrame(rawFrame(R"("type")"), "object");
  expectBadFrame(rawFrame("null"), "object");
}

TEST(FrameTest, MissingOrBadTypeIsAnError) {
  expectBadFrame(rawFrame(R"({"id":"1"})"), "type");
  expectBadFrame(rawFrame(R"({"type":7})"), "type");
  expectBadFrame(rawFrame(R"({"type":null})"), "type");
  expectBadFrame(rawFrame(R"({"type":["x"]})"), "type");
  expectBadFrame(rawFrame(R"({"type":""})"), "type");
}

TEST(FrameTest, InvalidUtf8InPayloadIsAnError) {
  FrameReader reader;
  EXPECT_FALSE(reader.feed(rawFrame("{\"type\":\"x\",\"s\":\"\xff\xfe\"}")));
  EXPECT_TRUE(reader.failed());
  FrameReader overlong;  // 0xC0 0xAF: an overlong '/'
  EXPECT_FALSE(overlong.feed(rawFrame("{\"type\":\"\xc0\xaf\"}")));
  FrameReader cut;  // the first two bytes of a three-byte sequence
  EXPECT_FALSE(cut.feed(rawFrame("{\"type\":\"x\",\"s\":\"\xe2\x82\"}")));
}

// A frame nested 100,000 levels deep (hardening item 1) is a bad frame, refused while parsing:
// before, the reader handed it on and the first dump() of it overflowed the stack.
TEST(FrameTest, DeeplyNestedPayloadIsAnError) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expectBadFrame(rawFrame(R"({"type":"submit","id":"1","job":{"stdin":)" + deep + "}}"),
                 "nested deeper than 64");
  expectBadFrame(rawFrame(R"({"type":"heartbeat","load":)" + deep + "}"), "nested deeper than 64");
  // The limit counts the frame's own object: 63 more levels pass.
  FrameReader reader;
  const std::string at_limit = std::string(63, '[') + std::string(63, ']');
  ASSERT_TRUE(reader.feed(rawFrame(R"({"type":"x","v":)" + at_limit + "}"))) << reader.error();
  EXPECT_EQ(drain(reader).size(), 1u);
}

TEST(FrameTest, AfterAnErrorFeedKeepsFailing) {
  FrameReader reader;
  ASSERT_FALSE(reader.feed(rawFrame("not json")));
  const std::string error = reader.error();
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(reader.feed(encodeFrame(sample(i))));
    EXPECT_TRUE(reader.failed());
    EXPECT_EQ(reader.error(), error);
  }
  json m;
  EXPECT_FALSE(reader.next(&m));
  EXPECT_EQ(reader.pendingBytes(), 0u);
}

TEST(FrameTest, GoodFramesBeforeABadOneAreStillDelivered) {
  FrameReader reader;
  EXPECT_FALSE(reader.feed(encodeFrame(sample(1)) + rawFrame("[]") + encodeFrame(sample(2))));
  EXPECT_TRUE(reader.failed());
  auto messages = drain(reader);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], sample(1));
}

// A trusted peer's bad frames are skipped and reported; the frames after them still arrive.
TEST(FrameTest, SkippingBadFramesKeepsTheStreamInStep) {
  FrameReader reader(1000);
  reader.skipBadFrames(true);
  const std::string big =
      R"({"job_id":"j-7","result":{"run":{"stdout":")" + std::string(5000, 'x') + "\"}}}";
  const std::string stream = encodeFrame(sample(1)) + rawFrame(big) + rawFrame("}{") +
                             rawFrame("") + rawFrame(R"({"job_id":"j-8"})") +
                             encodeFrame(sample(2));
  // Byte by byte and in large pieces alike.
  for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, stream.size()}) {
    FrameReader r(1000);
    r.skipBadFrames(true);
    for (size_t i = 0; i < stream.size(); i += piece)
      ASSERT_TRUE(r.feed(stream.substr(i, piece))) << r.error();
    EXPECT_FALSE(r.failed());
    EXPECT_EQ(r.pendingBytes(), 0u);
    auto messages = drain(r);
    ASSERT_EQ(messages.size(), 2u) << piece;
    EXPECT_EQ(messages[0], sample(1));
    EXPECT_EQ(messages[1], sample(2));
    std::vector<FrameReader::Skipped> skipped;
    for (FrameReader::Skipped s; r.nextSkipped(&s);) skipped.push_back(s);
    ASSERT_EQ(skipped.size(), 4u) << piece;
    EXPECT_EQ(skipped[0].length, big.size());
    EXPECT_EQ(skipped[0].head, big.substr(0, FrameReader::kSkippedHeadBytes));
    EXPECT_NE(skipped[0].error.find("over the limit"), std::string::npos) << skipped[0].error;
    EXPECT_NE(skipped[1].error.find("not valid JSON"), std::string::npos);
    EXPECT_NE(skipped[2].error.find("empty frame"), std::string::npos);
    EXPECT_EQ(skipped[3].head, R"({"job_id":"j-8"})");
    EXPECT_NE(skipped[3].error.find("type"), std::string::npos);
  }
  // By default the first bad frame fails the reader, as before.
  EXPECT_FALSE(reader.failed());
  FrameReader strict(1000);
  EXPECT_FALSE(strict.feed(stream));
  EXPECT_TRUE(strict.failed());
}

TEST(FrameTest, EncodeReplacesInvalidUtf8InsteadOfThrowing) {
  const json message = {{"type", "result"}, {"stdout", std::string("ok\xff\xfe end")}};
  std::string frame;
  ASSERT_NO_THROW(frame = encodeFrame(message));
  FrameReader reader;
  ASSERT_TRUE(reader.feed(frame)) << reader.error();
  json out;
  ASSERT_TRUE(reader.next(&out));
  const std::string text = out["stdout"].get<std::string>();
  EXPECT_EQ(text.rfind("ok", 0), 0u) << text;
  EXPECT_NE(text.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD expected: " << text;
  EXPECT_EQ(text.find('\xff'), std::string::npos);
  EXPECT_NE(text.find(" end"), std::string::npos);
}

}  // namespace
}  // namespace polyrun
