// What polyrun-master and polyrun-slave share as Poco ServerApplications: --config-file,
// --define=KEY=VALUE, --help, console logging unless the configuration sets up other channels,
// the command line wiped once parsed (no secret stays in /proc/PID/cmdline), typed reads of the
// service's key table (config_table.h) whose errors stop the process with EX_CONFIG (78), and a
// warning at start for each key of the service's own namespace the table does not hold.
#pragma once

#include <Poco/Util/ServerApplication.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "polyrun/config_table.h"
#include "polyrun/export.h"

namespace polyrun {

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

  /// The keys this service reads (it outlives the application). Keys of the configuration
  /// under the table's prefix (e.g. "master.") that it does not hold are warned about at start:
  /// a typo must not pass silently.
  void setKeyTable(const ConfigTable& table);
  /// Typed, checked reads of the configuration through the key table.
  ConfigReader settings() const;

 private:
  std::string summary_;
  std::string config_file_;
  std::string config_error_;  // from initialize(), reported by main()
  bool help_requested_ = false;
  std::vector<std::string> secrets_on_command_line_;  // keys of --define=KEY=secret, warned about
  const ConfigTable* table_ = nullptr;
};

}  // namespace polyrun
