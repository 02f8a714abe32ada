// A service's configuration keys as data: each key's type, default, allowed values and a
// one-line meaning, in one table per service (master/master_settings.cc,
// slave/slave_settings.cc). Values are read only through ConfigReader, which checks them
// against the table: a wrong value throws ConfigError naming the key, the value (cut short) and
// what is allowed, and ServiceApp turns that into exit code 78 (EX_CONFIG).
// docs/configuration.md documents every key of the tables; tests/deploy/service_config_test.cc
// checks that the two agree.
#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "polyrun/export.h"

namespace polyrun {

/// A configuration value that is missing or wrong; main() turns it into exit code 78.
class POLYRUN_API ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class KeyType {
  kString,
  kPath,        // a file or folder name, as given
  kInt,         // within [min, max]
  kBool,        // true/false, yes/no, on/off, 1/0 (any case)
  kEnum,        // one of `values` (any case)
  kList,        // comma-separated, blanks around entries ignored
  kSecret,      // a string never echoed back; `key`.file may name a file holding it
  kSecretList,  // a list of secrets, plus those of the file `key`.file (mode 0600)
  kPrefix,      // `key` ends in '.': every key below it is the service's (e.g. plugin settings)
};

struct KeySpec {
  std::string key;
  KeyType type = KeyType::kString;
  /// The default as docs/configuration.md shows it: "7400", "true", "none"; "" for none. When
  /// `computed`, a description ("number of cores") and the reader is given the value.
  std::string def;
  bool computed = false;
  int64_t min = 0, max = 0;         // kInt
  std::vector<std::string> values;  // kEnum, lower case
  std::string doc;                  // what the key sets, in one line
};

KeySpec POLYRUN_API intKey(std::string key, int64_t def, int64_t min, int64_t max, std::string doc);
/// An integer whose default depends on other keys or on the machine, described as `described`.
KeySpec POLYRUN_API computedIntKey(std::string key, std::string described, int64_t min, int64_t max,
                                   std::string doc);
KeySpec POLYRUN_API boolKey(std::string key, bool def, std::string doc);
KeySpec POLYRUN_API stringKey(std::string key, std::string def, std::string doc);
KeySpec POLYRUN_API pathKey(std::string key, std::string def, std::string doc);
/// A string or path whose default is computed at start, described as `described`.
KeySpec POLYRUN_API computedKey(std::string key, KeyType type, std::string described,
                                std::string doc);
KeySpec POLYRUN_API enumKey(std::string key, std::string def, std::vector<std::string> values,
                            std::string doc);
KeySpec POLYRUN_API listKey(std::string key, std::string doc);
/// `def` describes what happens without it ("required", "required without X").
KeySpec POLYRUN_API secretKey(std::string key, std::string def, std::string doc);
KeySpec POLYRUN_API secretListKey(std::string key, std::string doc);
KeySpec POLYRUN_API prefixKey(std::string key, std::string doc);

/// Every key of one service. Keys of the configuration under `owned_prefix` that the table does
/// not hold are warned about at start.
struct POLYRUN_API ConfigTable {
  std::string owned_prefix;  // "master."
  std::vector<KeySpec> keys;

  /// The spec of `key`: an exact entry, or a kPrefix entry above it; nullptr when none.
  const KeySpec* find(const std::string& key) const;
};

/// "allowed: ..." for a spec: "an integer from 1 to 65535", "true or false", "none, summary or
/// all".
std::string POLYRUN_API allowedValues(const KeySpec& spec);

/// One warning per key under the table's prefix that the table does not hold, with the closest
/// known key: "unknown configuration key master.clinet.port is ignored (did you mean
/// master.client.port?); ...".
std::vector<std::string> POLYRUN_API
unknownKeyWarnings(const Poco::Util::AbstractConfiguration& config, const ConfigTable& table);

/// Overrides of a key's table default and range that depend on other keys (e.g. a timeout of at
/// least twice the heartbeat).
struct IntBounds {
  std::optional<int64_t> def{}, min{}, max{};
};

/// Typed reads of one service's configuration, each checked against the table. Every error is a
/// ConfigError naming the key, the value given (cut short) and what is allowed. Reading a key
/// the table does not hold, or as another type, is a programming error (std::logic_error).
class POLYRUN_API ConfigReader {
 public:
  ConfigReader(const Poco::Util::AbstractConfiguration& config, const ConfigTable& table);

  /// Whether the key has a non-empty value.
  bool isSet(const std::string& key) const;
  /// kString or kPath: the value, or the table's default (`def` for a computed one).
  std::string string(const std::string& key) const;
  std::string string(const std::string& key, const std::string& def) const;
  int64_t integer(const std::string& key, IntBounds bounds = {}) const;
  bool boolean(const std::string& key) const;
  /// kEnum: the value in lower case, one of the spec's values.
  std::string choice(const std::string& key) const;
  std::vector<std::string> list(const std::string& key) const;
  /// kSecret: the value of `key`, else the first line of the file named by `key`.file (blanks
  /// around it ignored); "" when neither is set.
  std::string secret(const std::string& key) const;
  /// The same, required: a ConfigError naming both keys when neither gives a value.
  std::string requiredSecret(const std::string& key) const;
  /// kSecretList: the list of `key` plus the entries of the file `key`.file (one a line or
  /// comma-separated), which must be readable by the service's user only.
  std::vector<std::string> secretList(const std::string& key) const;

  const ConfigTable& table() const { return table_; }

 private:
  const KeySpec& spec(const std::string& key, std::initializer_list<KeyType> types) const;
  std::string raw(const std::string& key) const;
  [[noreturn]] void bad(const KeySpec& spec, const std::string& value,
                        const std::string& problem) const;

  const Poco::Util::AbstractConfiguration& config_;
  const ConfigTable& table_;
};

}  // namespace polyrun
