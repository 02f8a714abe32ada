// Parsing JSON that a stranger wrote (a frame, an HTTP body, a stored job): bounded in nesting
// depth before the value exists, so that nothing that later walks it recursively (dump(), ==,
// a decoder) can run out of stack. Every parse of untrusted JSON goes through here.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "polyrun/export.h"
#include "polyrun/status.h"

namespace polyrun {

/// Arrays and objects nested deeper than this are refused (docs/protocol.md, "Frames"); the
/// messages polyrun itself sends nest fewer than 10 levels.
inline constexpr size_t kMaxJsonDepth = 64;

/// Parses `text` into *out (untouched on failure). A failure is kInvalidArgument with a short
/// reason that never quotes more than a few bytes of `text`: "JSON nested deeper than 64 levels
/// (at byte 65)", or the syntax error and where.
POLYRUN_API Status parseJson(std::string_view text, nlohmann::json* out,
                             size_t max_depth = kMaxJsonDepth);

/// A stranger's value as an error message shows it: its kind (`an array of 3 elements`), and for
/// a scalar its first 32 bytes, quoted and marked when cut. Never serialised whole: it may hold
/// megabytes, or be nested deep.
POLYRUN_API std::string shownValue(const nlohmann::json& value);
POLYRUN_API std::string shownValue(std::string_view text);
inline std::string shownValue(const std::string& text) {
  return shownValue(std::string_view(text));
}

}  // namespace polyrun
