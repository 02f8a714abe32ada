#include "polyrun/wire_bytes.h"

#include <cstdint>

#include "polyrun/base64.h"

namespace polyrun {
namespace {

constexpr size_t kQuotes = 2;
constexpr size_t kNotText = SIZE_MAX;

size_t base64Bytes(size_t n) { return (n + 2) / 3 * 4; }

// Length of the UTF-8 sequence starting at bytes[i] (1 to 4), 0 when it is malformed.
size_t utf8SequenceAt(std::string_view bytes, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(bytes[i + k]); };
  const uint8_t c = b(0);
  if (c < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // the second byte's range (Unicode table 3-7)
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > bytes.size() || b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  return n;
}

// Bytes a single-byte character costs inside a JSON string as nlohmann-json writes it.
size_t escapedBytes(uint8_t c) {
  switch (c) {
    case '"':
    case '\\':
    case '\b':
    case '\f':
    case '\n':
    case '\r':
    case '\t':
      return 2;
    default:
      return c < 0x20 ? 6 : 1;  // \u00XX
  }
}

// Payload bytes of `bytes` as a JSON string (quotes excluded) and the number of leading bytes
// that fit in `budget`; payload kNotText when the bytes are not UTF-8 up to `budget`.
struct TextCost {
  size_t payload = 0;
  size_t fitting = 0;  // whole characters whose payload is <= budget
};
TextCost textCost(std::string_view bytes, size_t budget) {
  TextCost t;
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = utf8SequenceAt(bytes, i);
    if (n == 0) {
      t.payload = kNotText;
      return t;
    }
    t.payload += n == 1 ? escapedBytes(static_cast<uint8_t>(bytes[i])) : n;
    i += n;
    if (t.payload <= budget) t.fitting = i;
  }
  return t;
}

}  // namespace

bool isUtf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = utf8SequenceAt(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t encodedBytes(std::string_view bytes) {
  const size_t text = textCost(bytes, 0).payload;
  const size_t b64 = base64Bytes(bytes.size());
  return kEncodedOverheadBytes + kQuotes + std::min(text, b64);
}

size_t prefixWithin(std::string_view bytes, size_t budget) {
  if (budget < kEncodedOverheadBytes + kQuotes) return 0;
  const size_t payload = budget - kEncodedOverheadBytes - kQuotes;
  const size_t as_base64 = std::min(bytes.size(), payload / 4 * 3);
  // A text prefix stops at the first malformed byte: fitting covers only what came before it.
  const size_t as_text = textCost(bytes, payload).fitting;
  return std::max(as_base64, as_text);
}

void putBytes(nlohmann::json& obj, const std::string& key, std::string bytes) {
  const size_t text = textCost(bytes, 0).payload;
  if (text != kNotText && text <= base64Bytes(bytes.size())) {
    obj[key] = std::move(bytes);
    return;
  }
  obj[key] = base64Encode(bytes);
  obj[key + "_encoding"] = "base64";
}

Status getBytes(const nlohmann::json& obj, const std::string& key, std::string* out,
                const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) {
    return Status::invalidArgument(where + key + " must be a string");
  }
  std::string encoding = "utf8";
  if (auto e = obj.find(key + "_encoding"); e != obj.end() && !e->is_null()) {
    if (!e->is_string() || (*e != "utf8" && *e != "base64")) {
      return Status::invalidArgument(where + key + "_encoding must be \"utf8\" or \"base64\"");
    }
    encoding = e->get<std::string>();
  }
  if (encoding == "utf8") {
    *out = it->get<std::string>();
    return Status::ok();
  }
  auto decoded = base64Decode(it->get_ref<const std::string&>());
  if (!decoded) {
    return Status::invalidArgument(where + key + " is not valid base64 (" + key +
                                   "_encoding is \"base64\")");
  }
  *out = std::move(*decoded);
  return Status::ok();
}

}  // namespace polyrun
