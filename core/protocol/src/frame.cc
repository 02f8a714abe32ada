#include "polyrun/frame.h"

#include <algorithm>
#include <cstring>

#include "polyrun/json_parse.h"

namespace polyrun {

std::string encodeFrame(const nlohmann::json& message) {
  // Program output may hold bytes that are not UTF-8: replace them rather than fail the result.
  std::string payload = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  std::string frame;
  frame.reserve(kFrameHeaderBytes + payload.size());
  frame.push_back(static_cast<char>((n >> 24) & 0xff));
  frame.push_back(static_cast<char>((n >> 16) & 0xff));
  frame.push_back(static_cast<char>((n >> 8) & 0xff));
  frame.push_back(static_cast<char>(n & 0xff));
  frame += payload;
  return frame;
}

bool FrameReader::feed(const char* data, size_t size) {
  if (failed()) return false;
  buffer_.append(data, size);
  return parseBuffered();
}

bool FrameReader::badFrame(std::string error, size_t length, const char* payload,
                           size_t available) {
  if (!skip_bad_) {
    error_ = std::move(error);
    return false;
  }
  skipped_.push_back(
      {length, std::string(payload, std::min(available, kSkippedHeadBytes)), std::move(error)});
  return true;
}

bool FrameReader::nextSkipped(Skipped* out) {
  if (skipped_.empty()) return false;
  *out = std::move(skipped_.front());
  skipped_.pop_front();
  return true;
}

bool FrameReader::parseBuffered() {
  size_t pos = 0;
  for (;;) {
    if (skip_left_ > 0) {  // discarding an oversized frame; its head is kept for the report
      const size_t n = std::min(skip_left_, buffer_.size() - pos);
      const size_t head =
          std::min(n, kSkippedHeadBytes - std::min(kSkippedHeadBytes, skipping_.head.size()));
      skipping_.head.append(buffer_, pos, head);
      pos += n;
      skip_left_ -= n;
      if (skip_left_ > 0) break;
      skipped_.push_back(std::move(skipping_));
      skipping_ = {};
    }
    if (buffer_.size() - pos < kFrameHeaderBytes) break;
    const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data() + pos);
    const size_t length = (size_t{h[0]} << 24) | (size_t{h[1]} << 16) | (size_t{h[2]} << 8) | h[3];
    if (length == 0) {
      if (!badFrame("empty frame (length 0): every frame must hold a JSON object", 0, "", 0)) break;
      pos += kFrameHeaderBytes;
      continue;
    }
    if (length > max_frame_bytes_) {
      std::string error = "frame of " + std::to_string(length) + " bytes is over the limit of " +
                          std::to_string(max_frame_bytes_) + " bytes";
      if (!skip_bad_) {
        error_ = std::move(error);
        break;
      }
      skipping_ = {length, "", std::move(error)};
      skip_left_ = length;
      pos += kFrameHeaderBytes;
      continue;
    }
    if (buffer_.size() - pos - kFrameHeaderBytes < length) break;  // wait for the rest
    const char* begin = buffer_.data() + pos + kFrameHeaderBytes;
    nlohmann::json message;
    const Status parsed = parseJson(std::string_view(begin, length), &message);
    pos += kFrameHeaderBytes + length;
    if (!parsed.isOk()) {
      if (!badFrame("frame payload is not valid JSON: " + parsed.message(), length, begin, length))
        break;
      continue;
    }
    if (!message.is_object()) {
      if (!badFrame("frame payload is not a JSON object", length, begin, length)) break;
      continue;
    }
    auto type = message.find("type");
    if (type == message.end() || !type->is_string() ||
        type->get_ref<const std::string&>().empty()) {
      if (!badFrame("message has no \"type\" string", length, begin, length)) break;
      continue;
    }
    ready_.push_back(std::move(message));
  }
  if (failed()) {
    buffer_.clear();
    return false;
  }
  buffer_.erase(0, pos);
  return true;
}

bool FrameReader::next(nlohmann::json* out) {
  if (ready_.empty()) return false;
  *out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

}  // namespace polyrun
