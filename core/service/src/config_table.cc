#include "polyrun/config_table.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "polyrun/spelling.h"

namespace polyrun {

namespace {
KeySpec makeKey(std::string key, KeyType type, std::string def, std::string doc,
                bool computed = false) {
  KeySpec s;
  s.key = std::move(key);
  s.type = type;
  s.def = std::move(def);
  s.doc = std::move(doc);
  s.computed = computed;
  return s;
}
}  // namespace

KeySpec intKey(std::string key, int64_t def, int64_t min, int64_t max, std::string doc) {
  KeySpec s = makeKey(std::move(key), KeyType::kInt, std::to_string(def), std::move(doc));
  s.min = min;
  s.max = max;
  return s;
}

KeySpec computedIntKey(std::string key, std::string described, int64_t min, int64_t max,
                       std::string doc) {
  KeySpec s = makeKey(std::move(key), KeyType::kInt, std::move(described), std::move(doc), true);
  s.min = min;
  s.max = max;
  return s;
}

KeySpec boolKey(std::string key, bool def, std::string doc) {
  return makeKey(std::move(key), KeyType::kBool, def ? "true" : "false", std::move(doc));
}

KeySpec stringKey(std::string key, std::string def, std::string doc) {
  return makeKey(std::move(key), KeyType::kString, std::move(def), std::move(doc));
}

KeySpec pathKey(std::string key, std::string def, std::string doc) {
  return makeKey(std::move(key), KeyType::kPath, std::move(def), std::move(doc));
}

KeySpec computedKey(std::string key, KeyType type, std::string described, std::string doc) {
  return makeKey(std::move(key), type, std::move(described), std::move(doc), true);
}

KeySpec enumKey(std::string key, std::string def, std::vector<std::string> values,
                std::string doc) {
  KeySpec s = makeKey(std::move(key), KeyType::kEnum, std::move(def), std::move(doc));
  s.values = std::move(values);
  return s;
}

KeySpec listKey(std::string key, std::string doc) {
  return makeKey(std::move(key), KeyType::kList, "", std::move(doc));
}

KeySpec secretKey(std::string key, std::string def, std::string doc) {
  return makeKey(std::move(key), KeyType::kSecret, std::move(def), std::move(doc), true);
}

KeySpec secretListKey(std::string key, std::string doc) {
  return makeKey(std::move(key), KeyType::kSecretList, "", std::move(doc));
}

KeySpec prefixKey(std::string key, std::string doc) {
  return makeKey(std::move(key), KeyType::kPrefix, "", std::move(doc));
}

const KeySpec* ConfigTable::find(const std::string& key) const {
  for (const auto& s : keys) {
    if (s.key == key) return &s;
    if (s.type == KeyType::kPrefix && key.size() > s.key.size() &&
        key.compare(0, s.key.size(), s.key) == 0)
      return &s;
  }
  return nullptr;
}

namespace {
const std::vector<std::string> kTrue = {"true", "yes", "on", "1"};
const std::vector<std::string> kFalse = {"false", "no", "off", "0"};

std::string normalized(const std::string& value) { return Poco::toLower(Poco::trim(value)); }

// "a, b\nc,,d" -> {"a", "b", "c", "d"}
std::vector<std::string> splitList(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ',');
  std::vector<std::string> entries;
  std::istringstream in(text);
  for (std::string entry; std::getline(in, entry, ',');)
    if (const std::string t = Poco::trim(entry); !t.empty()) entries.push_back(t);
  return entries;
}

// "a", "a or b", "a, b or c"
std::string alternatives(const std::vector<std::string>& values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i)
    text += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + values[i];
  return text;
}

std::string integerRange(int64_t min, int64_t max) {
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

// The value as the message quotes it: a pasted file must not flood the log.
std::string cutShort(const std::string& value) {
  constexpr size_t kMost = 40;
  return value.size() <= kMost ? value : value.substr(0, kMost) + "...";
}

// The text of the file `path` named by `file_key`, which only the service's user may read when
// `private_only`.
std::string readSecretFile(const std::string& file_key, const std::string& path,
                           bool private_only) {
  std::ifstream in(path);
  struct stat st {};
  if (!in || ::stat(path.c_str(), &st) != 0)
    throw ConfigError(file_key + " = " + path + " cannot be read (" + std::strerror(errno) +
                      "); the service's user needs read access to it");
  if (private_only && (st.st_mode & 077) != 0)
    throw ConfigError(file_key + " = " + path +
                      " can be read or written by other users: make it the "
                      "service's user's alone (chmod 600)");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

std::string allowedValues(const KeySpec& spec) {
  switch (spec.type) {
    case KeyType::kInt:
      return integerRange(spec.min, spec.max);
    case KeyType::kBool:
      return "true or false (also yes/no, on/off, 1/0)";
    case KeyType::kEnum:
      return alternatives(spec.values);
    case KeyType::kList:
      return "comma-separated entries";
    case KeyType::kPath:
      return "a path";
    default:
      return "any text";
  }
}

std::vector<std::string> unknownKeyWarnings(const Poco::Util::AbstractConfiguration& config,
                                            const ConfigTable& table) {
  std::vector<std::string> warnings;
  const std::string& prefix = table.owned_prefix;
  if (prefix.empty()) return warnings;
  // Depth-first over the key tree below the owned prefix ("master" -> "master.bind", ...).
  std::vector<std::string> stack{prefix.substr(0, prefix.size() - 1)};
  while (!stack.empty()) {
    const std::string node = stack.back();
    stack.pop_back();
    Poco::Util::AbstractConfiguration::Keys children;
    config.keys(node, children);
    for (const auto& child : children) stack.push_back(node + "." + child);
    if (node + "." == prefix || !config.hasProperty(node) || table.find(node)) continue;
    std::string best;
    size_t best_distance = 4;  // suggest only a near miss
    for (const auto& s : table.keys) {
      const size_t d = editDistance(node, s.key);
      if (d < best_distance) best_distance = d, best = s.key;
    }
    warnings.push_back("unknown configuration key " + node + " is ignored" +
                       (best.empty() ? std::string() : " (did you mean " + best + "?)") +
                       "; every key is listed in docs/configuration.md");
  }
  return warnings;
}

ConfigReader::ConfigReader(const Poco::Util::AbstractConfiguration& config,
                           const ConfigTable& table)
    : config_(config), table_(table) {}

const KeySpec& ConfigReader::spec(const std::string& key,
                                  std::initializer_list<KeyType> types) const {
  const KeySpec* s = table_.find(key);
  if (!s || std::find(types.begin(), types.end(), s->type) == types.end())
    throw std::logic_error("configuration key " + key +
                           " is read but not in the table with that type");
  return *s;
}

std::string ConfigReader::raw(const std::string& key) const { return config_.getString(key, ""); }

void ConfigReader::bad(const KeySpec& s, const std::string& value,
                       const std::string& problem) const {
  throw ConfigError(s.key + " = \"" + cutShort(value) + "\" " + problem);
}

bool ConfigReader::isSet(const std::string& key) const {
  spec(key, {KeyType::kString, KeyType::kPath, KeyType::kInt, KeyType::kBool, KeyType::kEnum,
             KeyType::kList, KeyType::kSecret, KeyType::kSecretList});
  return !raw(key).empty();
}

std::string ConfigReader::string(const std::string& key) const {
  const KeySpec& s = spec(key, {KeyType::kString, KeyType::kPath});
  if (s.computed) throw std::logic_error(key + " has a computed default: pass it");
  return config_.getString(key, s.def);
}

std::string ConfigReader::string(const std::string& key, const std::string& def) const {
  spec(key, {KeyType::kString, KeyType::kPath});
  return config_.getString(key, def);
}

int64_t ConfigReader::integer(const std::string& key, IntBounds bounds) const {
  const KeySpec& s = spec(key, {KeyType::kInt});
  const int64_t min = bounds.min.value_or(s.min), max = bounds.max.value_or(s.max);
  const std::string value = raw(key);
  if (Poco::trim(value).empty()) {
    if (bounds.def) return *bounds.def;
    if (s.computed) throw std::logic_error(key + " has a computed default: pass it");
    return Poco::NumberParser::parse64(s.def);
  }
  Poco::Int64 n = 0;
  if (!Poco::NumberParser::tryParse64(Poco::trim(value), n))
    bad(s, value, "is not an integer; allowed: " + integerRange(min, max));
  if (n < min || n > max) bad(s, value, "is out of range; allowed: " + integerRange(min, max));
  return n;
}

bool ConfigReader::boolean(const std::string& key) const {
  const KeySpec& s = spec(key, {KeyType::kBool});
  const std::string value = normalized(raw(key));
  if (value.empty()) return s.def == "true";
  if (std::find(kTrue.begin(), kTrue.end(), value) != kTrue.end()) return true;
  if (std::find(kFalse.begin(), kFalse.end(), value) != kFalse.end()) return false;
  bad(s, raw(key), "is not a boolean; allowed: " + allowedValues(s));
}

std::string ConfigReader::choice(const std::string& key) const {
  const KeySpec& s = spec(key, {KeyType::kEnum});
  const std::string value = normalized(raw(key));
  if (value.empty()) return s.def;
  if (std::find(s.values.begin(), s.values.end(), value) == s.values.end())
    bad(s, raw(key), "is not one of the choices; allowed: " + allowedValues(s));
  return value;
}

std::vector<std::string> ConfigReader::list(const std::string& key) const {
  spec(key, {KeyType::kList});
  return splitList(raw(key));
}

std::string ConfigReader::secret(const std::string& key) const {
  spec(key, {KeyType::kSecret});
  const std::string value = raw(key);
  if (!value.empty()) return value;
  const std::string file_key = key + ".file";
  const std::string path = string(file_key);
  if (path.empty()) return {};
  std::istringstream content(readSecretFile(file_key, path, false));
  std::string first;
  std::getline(content, first);
  first = Poco::trim(first);
  if (first.empty())
    throw ConfigError(file_key + " = " + path + " is empty: put the secret on its first line");
  return first;
}

std::string ConfigReader::requiredSecret(const std::string& key) const {
  std::string value = secret(key);
  if (value.empty())
    throw ConfigError(key + " is required: set it, or " + key +
                      ".file to a file holding it, in the configuration file or with --define");
  return value;
}

std::vector<std::string> ConfigReader::secretList(const std::string& key) const {
  spec(key, {KeyType::kSecretList});
  std::string text = raw(key);
  const std::string file_key = key + ".file";
  if (const std::string path = string(file_key); !path.empty())
    text += "," + readSecretFile(file_key, path, true);
  return splitList(text);
}

}  // namespace polyrun
