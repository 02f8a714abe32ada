#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "polyrun/export.h"

namespace polyrun {

POLYRUN_API std::string base64Encode(std::string_view bytes);
/// Standard alphabet, padding optional, whitespace ignored; nullopt on any other character.
POLYRUN_API std::optional<std::string> base64Decode(std::string_view text);

}  // namespace polyrun
