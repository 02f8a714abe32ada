// Byte strings in wire JSON: program output, stdin, args and file contents are bytes, not text.
// A byte string travels as a JSON string holding the bytes themselves when they are UTF-8 and
// that form is not longer than base64; otherwise as base64, marked by a sibling field
// "<key>_encoding": "base64". Either way the reader gets the exact bytes back, and the JSON a
// string of n bytes costs is at most encodedBytes(n bytes) <= kEncodedOverheadBytes + 4*ceil(n/3):
// what lets a result be fitted into a frame (docs/protocol.md, "Byte strings").
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "polyrun/export.h"
#include "polyrun/status.h"

namespace polyrun {

/// Bytes a byte string costs in serialized JSON beyond its payload: quotes, and the
/// `"<key>_encoding":"base64",` field for keys up to 16 characters.
inline constexpr size_t kEncodedOverheadBytes = 48;

/// True when `bytes` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF), i.e. nlohmann-json can serialize it without replacing anything.
POLYRUN_API bool isUtf8(std::string_view bytes);

/// Serialized JSON bytes of `bytes` as putBytes() writes it, overhead included.
POLYRUN_API size_t encodedBytes(std::string_view bytes);

/// Longest prefix length n of `bytes` with encodedBytes(bytes.substr(0, n)) <= budget; whole
/// UTF-8 characters only when the prefix travels as text.
POLYRUN_API size_t prefixWithin(std::string_view bytes, size_t budget);

/// Sets obj[key] to `bytes` in the cheaper exact form (and obj[key + "_encoding"] = "base64"
/// when that form is base64).
POLYRUN_API void putBytes(nlohmann::json& obj, const std::string& key, std::string bytes);

/// Reads obj[key] as putBytes() wrote it into *out (absent or null: *out unchanged).
/// kInvalidArgument naming `where` + key when it is not a string, the encoding is unknown or the
/// base64 is malformed.
POLYRUN_API Status getBytes(const nlohmann::json& obj, const std::string& key, std::string* out,
                            const std::string& where);

}  // namespace polyrun
