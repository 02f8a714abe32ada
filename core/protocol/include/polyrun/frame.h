// The wire frame: a 4-byte big-endian payload length, then that many bytes of UTF-8 JSON
// holding one object with a string "type". See docs/protocol.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "polyrun/export.h"

namespace polyrun {

inline constexpr size_t kFrameHeaderBytes = 4;
inline constexpr size_t kDefaultMaxFrameBytes = 16u << 20;

/// Header + serialized `message`.
POLYRUN_API std::string encodeFrame(const nlohmann::json& message);

/// Incremental reader: feed it whatever the socket gave, take whole messages out.
/// After an error it stays failed: the connection must answer with an `error` and close.
class POLYRUN_API FrameReader {
 public:
  explicit FrameReader(size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  /// Appends bytes. Returns false (and sets error()) on a malformed frame.
  bool feed(const char* data, size_t size);
  bool feed(std::string_view bytes) { return feed(bytes.data(), bytes.size()); }

  /// Moves the next complete message into *out; false when none is ready.
  bool next(nlohmann::json* out);

  /// For a trusted peer (a registered slave): a frame whose length header is sound but which is
  /// bad otherwise (over the limit, empty, not JSON, no "type") is skipped instead of failing
  /// the reader, and reported by nextSkipped(): the stream stays in step, and whoever reads it
  /// can fail just what the frame was about. An oversized frame is discarded as it arrives.
  void skipBadFrames(bool on) { skip_bad_ = on; }
  struct Skipped {
    size_t length = 0;  // the payload's length from the header
    std::string head;   // its first bytes (at most kSkippedHeadBytes)
    std::string error;  // what was wrong with it
  };
  static constexpr size_t kSkippedHeadBytes = 1024;
  /// Moves the report of the next frame skipped into *out; false when none.
  bool nextSkipped(Skipped* out);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  /// Bytes of an incomplete frame still waiting for the rest (a truncated frame at EOF).
  size_t pendingBytes() const {
    return buffer_.size() +
           (skip_left_ > 0 ? kFrameHeaderBytes + skipping_.length - skip_left_ : 0);
  }

 private:
  bool parseBuffered();
  // A bad frame: skipped (true) when skipping bad frames, else the reader fails (false).
  bool badFrame(std::string error, size_t length, const char* payload, size_t available);

  size_t max_frame_bytes_;
  std::string buffer_;
  std::deque<nlohmann::json> ready_;
  std::string error_;
  bool skip_bad_ = false;
  Skipped skipping_;      // the oversized frame being discarded, while skip_left_ > 0
  size_t skip_left_ = 0;  // its payload bytes still to come
  std::deque<Skipped> skipped_;
};

}  // namespace polyrun
