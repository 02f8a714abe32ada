// libFuzzer target: arbitrary bytes through the master's frame reader and message decoders
// (polyrun/frame.h, master/messages.h), as a peer could send them. Built with clang by
// tests/fuzz/CMakeLists.txt and run by ctest for a bounded number of inputs.
//
// Besides "no crash, no sanitizer report", it checks two properties and aborts when one fails:
// - a frame the reader accepted re-encodes (encodeFrame) to a frame it accepts again, equal;
// - a job the decoder accepted converts to JSON and back (job_json.h) without an error;
// - a reader that skips bad frames (a registered slave's) never fails and yields every message
//   the strict reader yields before its first error.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "messages.h"
#include "polyrun/frame.h"
#include "polyrun/job_json.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
  }
}

void decode(const nlohmann::json& m) {
  polyrun::master::ClientRequest request;
  polyrun::master::DecodeError error;
  if (polyrun::master::decodeClientRequest(m, &request, &error)) {
    if (request.kind == polyrun::master::ClientRequest::Kind::kSubmit) {
      polyrun::Job again;
      check(polyrun::fromJson(polyrun::toJson(request.job), &again).isOk(),
            "a decoded job round-trips");
    }
  } else {
    check(!error.code.empty() && !error.message.empty(), "a refusal says why");
  }
  polyrun::master::SlaveMessage slave;
  if (!polyrun::master::decodeSlaveMessage(m, &slave, &error))
    check(!error.code.empty() && !error.message.empty(), "a refusal says why");
  polyrun::master::SubscribeRequest subscribe;
  if (polyrun::master::isSubscribe(m) && !polyrun::master::decodeSubscribe(m, &subscribe, &error))
    check(!error.code.empty() && !error.message.empty(), "a refusal says why");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first byte chooses how the rest is cut into reads, as TCP may cut it.
  const size_t chunk = size > 0 ? 1 + data[0] % 64 : 1;
  const char* bytes = reinterpret_cast<const char*>(data) + (size > 0 ? 1 : 0);
  const size_t n = size > 0 ? size - 1 : 0;
  polyrun::FrameReader reader(4096);
  polyrun::FrameReader skipping(4096);
  skipping.skipBadFrames(true);
  std::vector<nlohmann::json> strict_messages, skipped_messages;
  for (size_t at = 0; at < n; at += chunk) {
    check(skipping.feed(bytes + at, std::min(chunk, n - at)), "a skipping reader never fails");
    for (nlohmann::json m; skipping.next(&m);) skipped_messages.push_back(std::move(m));
    for (polyrun::FrameReader::Skipped s; skipping.nextSkipped(&s);)
      check(!s.error.empty(), "a skip says why");
  }
  for (size_t at = 0; at < n && !reader.failed(); at += chunk) {
    if (!reader.feed(bytes + at, std::min(chunk, n - at)))
      check(!reader.error().empty(), "a bad frame says why");
    for (nlohmann::json m; reader.next(&m);) {
      strict_messages.push_back(m);
      polyrun::FrameReader again(1u << 24);
      check(again.feed(polyrun::encodeFrame(m)), "an accepted message re-encodes to a valid frame");
      nlohmann::json copy;
      check(again.next(&copy) && copy == m, "and decodes to the same message");
      decode(m);
    }
  }
  check(skipped_messages.size() >= strict_messages.size() &&
            std::equal(strict_messages.begin(), strict_messages.end(), skipped_messages.begin()),
        "skipping keeps every message before the first bad frame");
  return 0;
}
