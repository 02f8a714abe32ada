// What polyrun-master and polyrun-slave share as Poco ServerApplications: --config-file,
// --define=KEY=VALUE, --help, console logging unless the configuration sets up other channels,
// and typed access to required keys that stops the process with EX_CONFIG (78).
#pragma once

#include <Poco/Util/ServerApplication.h>

#include <stdexcept>
#include <string>

#include "polyrun/export.h"

namespace polyrun {

/// Thrown by the required*/checked* accessors; main() turns it into exit code 78.
class POLYRUN_API ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class POLYRUN_API ServiceApp : public Poco::Util::ServerApplication {
 protected:
  /// `summary`: one line for --help.
  explicit ServiceApp(std::string summary);

  void initialize(Poco::Util::Application& self) override;
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;

  /// The service's work; called by main() unless --help was given.
  virtual int runService(const std::vector<std::string>& args) = 0;
  int main(const std::vector<std::string>& args) override;

  /// Required string; ConfigError naming the key when absent or empty.
  std::string requiredString(const std::string& key) const;
  /// Integer with a default, within [min, max]; ConfigError naming the key otherwise.
  int64_t checkedInt(const std::string& key, int64_t def, int64_t min, int64_t max) const;

 private:
  std::string summary_;
  std::string config_file_;
  std::string config_error_;  // from initialize(), reported by main()
  bool help_requested_ = false;
};

}  // namespace polyrun
