#include "polyrun/json_parse.h"

#include <algorithm>

namespace polyrun {
namespace {

// Thrown from the parser callback to stop at the first level too deep, before it is built.
struct TooDeep {};

// nlohmann's error text without its "[json.exception.parse_error.101] " prefix, cut short: its
// "last read: '...'" part may hold a whole megabyte string.
std::string syntaxError(const nlohmann::json::exception& e) {
  std::string why = e.what();
  if (auto at = why.find("] "); at != std::string::npos) why = why.substr(at + 2);
  constexpr size_t kMax = 160;
  if (why.size() > kMax) why = why.substr(0, kMax - 3) + "...";
  // Keep the message valid UTF-8 and printable whatever bytes the input held.
  for (char& c : why)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return why;
}

}  // namespace

Status parseJson(std::string_view text, nlohmann::json* out, size_t max_depth) {
  size_t deepest_at = 0;  // bytes parsed when the depth was exceeded
  // `depth` counts the containers already open around the one starting.
  const nlohmann::json::parser_callback_t bounded =
      [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if ((event == nlohmann::json::parse_event_t::object_start ||
             event == nlohmann::json::parse_event_t::array_start) &&
            static_cast<size_t>(depth) >= max_depth)
          throw TooDeep{};
        return true;
      };
  try {
    nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end(), bounded);
    *out = std::move(parsed);
    return Status::ok();
  } catch (const TooDeep&) {
    // Where: the first byte past max_depth opening brackets (outside strings).
    size_t open = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (c == '\\')
          ++i;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        if (++open > max_depth) {
          deepest_at = i;
          break;
        }
      } else if (c == ']' || c == '}') {
        --open;
      }
    }
    return Status::invalidArgument("JSON nested deeper than " + std::to_string(max_depth) +
                                   " levels (at byte " + std::to_string(deepest_at) + ")");
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    return Status::invalidArgument(syntaxError(e));
  }
}

std::string shownValue(const nlohmann::json& value) {
  using json = nlohmann::json;
  switch (value.type()) {
    case json::value_t::object:
      return "an object of " + std::to_string(value.size()) + " keys";
    case json::value_t::array:
      return "an array of " + std::to_string(value.size()) + " elements";
    case json::value_t::string:
      return shownValue(value.get_ref<const std::string&>());
    default:  // number, boolean, null: a few characters
      return value.dump();
  }
}

std::string shownValue(std::string_view text) {
  constexpr size_t kShownBytes = 32;
  const auto quoted = [](std::string_view s) {
    return nlohmann::json(std::string(s))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (text.size() <= kShownBytes) return quoted(text);
  return quoted(text.substr(0, kShownBytes)) + " (cut; " + std::to_string(text.size()) + " bytes)";
}

}  // namespace polyrun
