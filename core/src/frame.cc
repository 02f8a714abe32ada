#include "polyrun/frame.h"

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

bool FrameReader::parseBuffered() {
  size_t pos = 0;
  while (buffer_.size() - pos >= kFrameHeaderBytes) {
    const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data() + pos);
    const size_t length = (size_t{h[0]} << 24) | (size_t{h[1]} << 16) | (size_t{h[2]} << 8) | h[3];
    if (length == 0) {
      error_ = "empty frame (length 0): every frame must hold a JSON object";
      break;
    }
    if (length > max_frame_bytes_) {
      error_ = "frame of " + std::to_string(length) + " bytes is over the limit of " +
               std::to_string(max_frame_bytes_) + " bytes";
      break;
    }
    if (buffer_.size() - pos - kFrameHeaderBytes < length) break;  // wait for the rest
    const char* begin = buffer_.data() + pos + kFrameHeaderBytes;
    nlohmann::json message;
    std::string why;
    const bool parsed = parseJson(std::string_view(begin, length), &message, &why);
    pos += kFrameHeaderBytes + length;
    if (!parsed) {
      error_ = "frame payload is not valid JSON: " + why;
      break;
    }
    if (!message.is_object()) {
      error_ = "frame payload is not a JSON object";
      break;
    }
    auto type = message.find("type");
    if (type == message.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
      error_ = "message has no \"type\" string";
      break;
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
