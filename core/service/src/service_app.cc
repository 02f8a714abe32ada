#include "polyrun/service_app.h"

#include <Poco/Exception.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/IntValidator.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

namespace polyrun {

using Poco::Util::Option;

namespace {
// Zeroes the process's command line after argv[0], in place, once Poco has copied the options
// out of it: /proc/PID/cmdline is readable by every local user, and a stage's init is a fork of
// the slave whose cmdline is the slave's. The bounds are the kernel's own (/proc/self/stat
// fields 48-49, arg_start and arg_end), whatever glibc or Poco did with argv.
void scrubCommandLine() {
  std::ifstream in("/proc/self/stat");
  std::string stat;
  std::getline(in, stat);
  const auto comm_end = stat.rfind(')');
  if (comm_end == std::string::npos) return;
  std::istringstream fields(stat.substr(comm_end + 1));
  unsigned long long arg_start = 0, arg_end = 0;
  std::string field;
  for (int n = 3; n <= 49 && fields >> field; ++n) {  // field 3 follows the command name
    if (n == 48) arg_start = std::strtoull(field.c_str(), nullptr, 10);
    if (n == 49) arg_end = std::strtoull(field.c_str(), nullptr, 10);
  }
  if (arg_start == 0 || arg_end <= arg_start) return;
  char* const begin = reinterpret_cast<char*>(arg_start);
  char* const end = reinterpret_cast<char*>(arg_end);
  char* const after_name = begin + ::strnlen(begin, static_cast<size_t>(end - begin)) + 1;
  if (after_name < end) std::memset(after_name, 0, static_cast<size_t>(end - after_name));
}

// Keys whose values are secrets: they belong in files (KEY.file), never on a command line.
bool isSecretKey(std::string_view key) {
  auto ends = [key](std::string_view tail) {
    return key.size() >= tail.size() && key.substr(key.size() - tail.size()) == tail;
  };
  return ends("token") || ends("tokens");
}
}  // namespace

ServiceApp::ServiceApp(std::string summary) : summary_(std::move(summary)) { setUnixOptions(true); }

void ServiceApp::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);  // --daemon, --pidfile, --umask
  options.addOption(
      Option("help", "h", "print this help and exit").required(false).repeatable(false));
  options.addOption(
      Option("config-file", "f", "load the configuration from FILE (a .properties file)")
          .required(false)
          .repeatable(false)
          .argument("FILE"));
  options.addOption(Option("define", "D", "set configuration KEY to VALUE; wins over the file")
                        .required(false)
                        .repeatable(true)
                        .argument("KEY=VALUE"));
}

void ServiceApp::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "help") {
    help_requested_ = true;
    stopOptionsProcessing();
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage("[--config-file=FILE] [--define=KEY=VALUE ...] [--daemon] [--pidfile=FILE]");
    help.setHeader(summary_);
    help.setFooter("Every configuration key is documented in docs/configuration.md.");
    help.format(std::cout);
  } else if (name == "config-file") {
    config_file_ = value;
  } else if (name == "define") {
    const auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << commandName() << ": --define needs KEY=VALUE, got \"" << value << "\"\n";
      help_requested_ = true;
      stopOptionsProcessing();
      return;
    }
    const std::string key = value.substr(0, eq);
    if (isSecretKey(key) && eq + 1 < value.size()) secrets_on_command_line_.push_back(key);
    config().setString(key, value.substr(eq + 1));
  }
}

void ServiceApp::initialize(Poco::Util::Application& self) {
  // The options are parsed (init() ran handleOption): nothing needs the original argv any more.
  scrubCommandLine();
  // A peer that vanishes mid-write must cost a failed send, never the process.
  ::signal(SIGPIPE, SIG_IGN);
  // The file's logging.* keys must be loaded before ServerApplication::initialize applies them.
  if (!config_file_.empty()) {
    try {
      loadConfiguration(config_file_);
    } catch (const Poco::Exception& e) {
      config_error_ = "cannot load the configuration file " + config_file_ + ": " + e.displayText();
      if (!config_file_.empty() && config_file_[0] != '/' &&
          config().getBool("application.runAsDaemon", false))
        config_error_ += " (--daemon changes the working folder to /: give an absolute path)";
    }
  }
  // Console logging with time, level and component, unless the configuration says otherwise.
  Poco::AutoPtr<Poco::Util::MapConfiguration> defaults(new Poco::Util::MapConfiguration);
  defaults->setString("logging.formatters.polyrun.class", "PatternFormatter");
  defaults->setString("logging.formatters.polyrun.pattern", "%Y-%m-%d %H:%M:%S.%i %p %s: %t");
  defaults->setString("logging.channels.polyrun_console.class", "ConsoleChannel");
  defaults->setString("logging.channels.polyrun_console.formatter", "polyrun");
  if (!config().has("logging.loggers.root.channel")) {
    defaults->setString("logging.loggers.root.channel", "polyrun_console");
    defaults->setString("logging.loggers.root.level", "information");
  }
  config().add(defaults, 1000);  // consulted after everything else
  ServerApplication::initialize(self);
}

int ServiceApp::main(const std::vector<std::string>& args) {
  if (help_requested_) return EXIT_OK;
  try {
    if (!config_error_.empty()) throw ConfigError(config_error_);
    for (const auto& key : secrets_on_command_line_)
      logger().warning(
          "%s was given on the command line, where other local users could read it "
          "until it was wiped: put it in a file only this service's user reads and "
          "set %s.file instead",
          key, key);
    if (table_)
      for (const auto& warning : unknownKeyWarnings(config(), *table_))
        logger().warning("%s", warning);
    return runService(args);
  } catch (const ConfigError& e) {
    logger().fatal("configuration error: %s", std::string(e.what()));
    std::cerr << commandName() << ": configuration error: " << e.what() << "\n";
    return EXIT_CONFIG;
  }
}

void ServiceApp::setKeyTable(const ConfigTable& table) { table_ = &table; }

ConfigReader ServiceApp::settings() const {
  if (!table_) throw std::logic_error("ServiceApp::settings() before setKeyTable()");
  return ConfigReader(config(), *table_);
}

}  // namespace polyrun
