// The `polyrun` command line: what the user asked for, parsed without side effects, and the help
// texts that describe it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polyrun::cli {

/// How long `polyrun run` waits for a result unless --wait says otherwise: long enough for a
/// queue plus the maximum compile and run limits, short enough that a stuck master is noticed.
inline constexpr int64_t kDefaultWaitMs = 10 * 60 * 1000;

enum class Command {
  kNone,
  kHelp,
  kVersion,
  kRun,
  kTest,
  kSubmit,
  kJob,
  kCancel,
  kRuntimes,
  kStatus
};

struct Options {
  Command command = Command::kNone;
  std::string help_topic;  // kHelp: "" for the overview, else a command's name

  std::optional<std::string> master;  // --master HOST:PORT
  bool json = false;                  // --json

  // `run`, `submit` and `test` (`--stdin` and ARGS: not `test`).
  std::vector<std::string> files;         // files[0] is the main file
  std::string language;                   // --lang; empty: from the main file's extension
  std::string version;                    // --version; empty: any
  std::optional<std::string> stdin_path;  // --stdin; "-" is the CLI's own stdin
  int64_t time_limit_ms = 0;              // --time-limit; 0: the master's default
  int64_t memory_limit_mb = 0;            // --memory-limit; 0: the master's default
  int64_t wait_ms = kDefaultWaitMs;       // --wait; 0: no limit
  std::vector<std::string> args;          // after "--"
  bool interactive = false;               // run --interactive: stdin goes to the program live

  // `test` only: polyrun test SOLUTION [FILE...] TESTDIR.
  std::string test_dir;             // NAME.in / NAME.out cases
  std::string checker;              // --checker: exact, lines, tokens, float; empty: lines
  std::string checker_program;      // --checker FILE: a checker program's source
  std::optional<double> tolerance;  // --tolerance: float checker's absolute and relative
  bool stop_on_failure = false;     // --stop-on-failure

  // `job ID [--wait]` and `cancel ID`.
  std::string job_id;
  bool wait_for_end = false;  // job --wait: answer once the job ended (within wait_ms)

  bool tls = false;     // --tls (or --ca-file): connect with TLS
  std::string ca_file;  // --ca-file FILE: the CA certificate the master's must be signed by
  std::string token;    // --token TOKEN (else $POLYRUN_TOKEN): sent in `auth` when not empty
};

/// Parses argv without the program name. Options may come before or after the command and take
/// their value as "--opt VALUE" or "--opt=VALUE". --help anywhere asks for help on the command
/// given so far. On a usage error returns false and stores a message that says what to do.
bool parseCommandLine(const std::vector<std::string>& argv, Options* options, std::string* error);

/// The help text for a topic: "" (overview) or a command's name.
std::string helpText(std::string_view topic);

}  // namespace polyrun::cli
