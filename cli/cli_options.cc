#include "cli_options.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "cli_util.h"

namespace polyrun::cli {
namespace {

const char* commandName(Command c) {
  switch (c) {
    case Command::kRun:
      return "run";
    case Command::kTest:
      return "test";
    case Command::kSubmit:
      return "submit";
    case Command::kJob:
      return "job";
    case Command::kCancel:
      return "cancel";
    case Command::kRuntimes:
      return "runtimes";
    case Command::kStatus:
      return "status";
    default:
      return "";
  }
}

// Upper bounds only guard the arithmetic (MB -> bytes); the master enforces the real maxima.
constexpr int64_t kMaxNumber = int64_t{1} << 40;

bool parsePositive(const std::string& option, const std::string& value, const char* unit,
                   int64_t* out, std::string* error) {
  int64_t n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (value.empty() || ec != std::errc() || ptr != end || n <= 0 || n > kMaxNumber) {
    *error = "--" + option + " needs a positive whole number of " + unit + ", not \"" + value +
             "\" (e.g. --" + option + " " + (std::string(unit) == "MB" ? "256" : "2000") + ")";
    return false;
  }
  *out = n;
  return true;
}

// The first line of `path`, without surrounding whitespace, into *token.
bool readTokenFile(const std::string& path, std::string* token, std::string* error) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    *error = "--token-file " + path + " cannot be read (" + std::strerror(errno) +
             "): give a file holding one of the master's client tokens";
    return false;
  }
  const size_t first = line.find_first_not_of(" \t\r");
  const size_t last = line.find_last_not_of(" \t\r");
  *token = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  if (token->empty()) {
    *error = "--token-file " + path + " holds no token on its first line";
    return false;
  }
  return true;
}

// The commands that send a program (their options: --lang, limits, ...).
bool sendsProgram(Command c) {
  return c == Command::kRun || c == Command::kTest || c == Command::kSubmit;
}

bool isTopic(const std::string& name) {
  for (const char* t : {"run", "test", "submit", "job", "cancel", "runtimes", "status"})
    if (name == t) return true;
  return false;
}

}  // namespace

bool parseCommandLine(const std::vector<std::string>& argv, Options* options, std::string* error) {
  Options o;
  std::string run_only;  // the first run/test-only option seen, checked once the command is known
  std::string run_only_strict;  // the first option of run alone (--stdin, "--")
  std::string test_only;        // the first option of test alone
  bool help_command = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--") {
      if (o.command != Command::kRun && o.command != Command::kSubmit) {
        *error =
            "\"--\" starts the program's arguments and only works with polyrun run and "
            "polyrun submit (polyrun run FILE -- ARGS...)";
        return false;
      }
      o.args.assign(argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      Options help;
      help.command = Command::kHelp;
      help.help_topic = commandName(o.command);  // "" unless run/runtimes/status came first
      *options = help;
      return true;
    }
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      std::string name = arg.substr(2);
      std::optional<std::string> value;
      if (const size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      const bool is_run = sendsProgram(o.command);
      if (name == "version" && !is_run && !value) {
        o.command = Command::kVersion;
        *options = o;
        return true;
      }
      if (name == "tls") {
        if (value) {
          *error = "--tls takes no value; give the CA certificate with --ca-file FILE";
          return false;
        }
        o.tls = true;
        continue;
      }
      if (name == "stop-on-failure") {
        if (value) {
          *error = "--stop-on-failure takes no value";
          return false;
        }
        o.stop_on_failure = true;
        if (test_only.empty()) test_only = "--stop-on-failure";
        continue;
      }
      if (name == "interactive") {
        if (value) {
          *error = "--interactive takes no value";
          return false;
        }
        o.interactive = true;
        if (run_only_strict.empty()) run_only_strict = "--interactive";
        continue;
      }
      if (name == "json") {
        if (value) {
          *error = "--json takes no value";
          return false;
        }
        o.json = true;
        continue;
      }
      if (name == "wait" && o.command == Command::kJob) {
        o.wait_for_end = true;  // `job ID --wait`: a flag; --wait=MS also bounds the wait
        if (!value) continue;
      }
      const bool known = name == "master" || name == "ca-file" || name == "token" ||
                         name == "token-file" || name == "lang" || name == "version" ||
                         name == "stdin" || name == "time-limit" || name == "memory-limit" ||
                         name == "wait" || name == "checker" || name == "tolerance";
      if (!known) {
        *error = "unknown option --" + name + "; see polyrun --help";
        return false;
      }
      if (!value) {
        if (i + 1 >= argv.size()) {
          *error = "--" + name + " needs a value; see polyrun help run";
          return false;
        }
        value = argv[++i];
      }
      if (name != "master" && name != "ca-file" && name != "token" && name != "token-file" &&
          !(name == "wait" && o.command == Command::kJob) && run_only.empty())
        run_only = "--" + name;
      if (name == "master") {
        o.master = *value;
      } else if (name == "token") {
        if (value->empty()) {
          *error = "--token needs one of the master's client tokens (master.client.tokens)";
          return false;
        }
        o.token = *value;
      } else if (name == "token-file") {
        // A token on the command line is visible to every local user (ps); a file is not.
        if (!readTokenFile(*value, &o.token, error)) return false;
      } else if (name == "ca-file") {
        o.ca_file = *value;
        o.tls = true;
      } else if (name == "lang") {
        if (value->empty()) {
          *error = "--lang needs a language name, e.g. --lang python (see polyrun runtimes)";
          return false;
        }
        o.language = *value;
      } else if (name == "version") {
        o.version = *value;
      } else if (name == "checker") {
        if (value->empty()) {
          *error =
              "--checker needs exact, lines, tokens, float, or a checker program's FILE "
              "(see polyrun help test)";
          return false;
        }
        // Anything but a built-in name is a checker program's source file, named with its
        // extension (so that a mistyped name is not taken for a file).
        if (*value == "exact" || *value == "lines" || *value == "tokens" || *value == "float") {
          o.checker = *value;
        } else if (value->find('.') != std::string::npos) {
          o.checker_program = *value;
        } else {
          *error =
              "--checker must be exact, lines, tokens, float or a checker program's FILE "
              "with its extension (check.py), not \"" +
              *value + "\" (see polyrun help test)";
          return false;
        }
        if (test_only.empty()) test_only = "--checker";
      } else if (name == "tolerance") {
        double t = 0;
        const char* end = value->data() + value->size();
        auto [ptr, ec] = std::from_chars(value->data(), end, t);
        if (value->empty() || ec != std::errc() || ptr != end || !(t >= 0)) {
          *error = "--tolerance needs a number >= 0, not \"" + *value + "\" (e.g. 1e-6)";
          return false;
        }
        o.tolerance = t;
        if (test_only.empty()) test_only = "--tolerance";
      } else if (name == "stdin") {
        if (run_only_strict.empty()) run_only_strict = "--stdin";
        if (value->empty()) {
          *error = "--stdin needs a file name, or - to pass on this terminal's input";
          return false;
        }
        o.stdin_path = *value;
      } else if (name == "time-limit") {
        if (!parsePositive(name, *value, "milliseconds", &o.time_limit_ms, error)) return false;
      } else if (name == "memory-limit") {
        if (!parsePositive(name, *value, "MB", &o.memory_limit_mb, error)) return false;
      } else if (name == "wait") {
        // 0 is allowed here: it means "no limit".
        if (*value == "0") {
          o.wait_ms = 0;
        } else if (!parsePositive(name, *value, "milliseconds", &o.wait_ms, error)) {
          return false;
        }
      }
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      *error = "unknown option " + arg + "; options are spelled --name (see polyrun --help)";
      return false;
    }
    // A positional argument.
    if (help_command) {
      if (!o.help_topic.empty()) {
        *error = "polyrun help takes one topic: run, test, submit, job, cancel, runtimes or status";
        return false;
      }
      if (!isTopic(arg)) {
        *error = "no help on \"" + arg +
                 "\": topics are run, test, submit, job, cancel, runtimes and status";
        return false;
      }
      o.help_topic = arg;
      continue;
    }
    switch (o.command) {
      case Command::kNone:
        if (arg == "run") {
          o.command = Command::kRun;
        } else if (arg == "test") {
          o.command = Command::kTest;
        } else if (arg == "submit") {
          o.command = Command::kSubmit;
        } else if (arg == "job") {
          o.command = Command::kJob;
        } else if (arg == "cancel") {
          o.command = Command::kCancel;
        } else if (arg == "runtimes") {
          o.command = Command::kRuntimes;
        } else if (arg == "status") {
          o.command = Command::kStatus;
        } else if (arg == "help") {
          o.command = Command::kHelp;
          help_command = true;
        } else if (arg == "version") {
          o.command = Command::kVersion;
        } else {
          *error = "unknown command \"" + arg +
                   "\": the commands are run, test, submit, job, cancel, runtimes, status and "
                   "help (see polyrun --help)";
          return false;
        }
        break;
      case Command::kRun:
      case Command::kTest:
      case Command::kSubmit:
        o.files.push_back(arg);
        break;
      case Command::kJob:
      case Command::kCancel:
        if (!o.job_id.empty()) {
          *error = std::string("polyrun ") + commandName(o.command) + " takes one job id, got \"" +
                   o.job_id + "\" and \"" + arg + "\"";
          return false;
        }
        o.job_id = arg;
        break;
      default:
        *error = std::string("polyrun ") + commandName(o.command) + " takes no arguments, got \"" +
                 arg + "\"";
        return false;
    }
  }

  if (o.command == Command::kNone) {
    *error =
        "no command given: try polyrun run FILE, polyrun runtimes or polyrun status "
        "(polyrun --help lists everything)";
    return false;
  }
  if ((o.command == Command::kRun || o.command == Command::kSubmit) && o.files.empty()) {
    *error = std::string("polyrun ") + commandName(o.command) +
             " needs a FILE to run, e.g. polyrun " + commandName(o.command) + " hello.py";
    return false;
  }
  if ((o.command == Command::kJob || o.command == Command::kCancel) && o.job_id.empty()) {
    *error = std::string("polyrun ") + commandName(o.command) +
             " needs a job id, as polyrun submit printed it (j-...)";
    return false;
  }
  if (o.command == Command::kTest) {
    if (o.files.size() < 2) {
      *error =
          "polyrun test needs a SOLUTION file and a TESTDIR of NAME.in / NAME.out cases, "
          "e.g. polyrun test sum.cpp tests/";
      return false;
    }
    o.test_dir = o.files.back();
    o.files.pop_back();
    if (!run_only_strict.empty()) {
      *error = run_only_strict +
               " is an option of polyrun run only: a test's stdin is its "
               "NAME.in file";
      return false;
    }
  }
  if (o.interactive && o.command != Command::kRun && o.command != Command::kHelp) {
    *error = "--interactive is an option of polyrun run only: it feeds the program as it runs";
    return false;
  }
  const bool runs = sendsProgram(o.command);
  if (!runs && o.command != Command::kHelp && o.command != Command::kVersion && !run_only.empty()) {
    *error = run_only + " is an option of polyrun run, test and submit only; see polyrun help run";
    return false;
  }
  if (o.command != Command::kTest && o.command != Command::kHelp && !test_only.empty()) {
    *error = test_only + " is an option of polyrun test only; see polyrun help test";
    return false;
  }
  *options = std::move(o);
  return true;
}

std::string helpText(std::string_view topic) {
  static const char* const kExitCodes =
      "Exit codes:\n"
      "  0      the program ran and exited with 0 (verdict OK)\n"
      "  N      RUNTIME_ERROR: the program's own exit code N\n"
      "  128+S  SIGNALED: the program was killed by signal S (139 for SIGSEGV)\n"
      "  124    TIME_LIMIT\n"
      "  1      COMPILE_ERROR, MEMORY_LIMIT or OUTPUT_LIMIT\n"
      "  64     usage error (bad command line, unknown file extension)\n"
      "  65     the master refused the job (unknown language, limits over the maximum, ...)\n"
      "         or the client token\n"
      "  66     an input file or --stdin file cannot be read\n"
      "  69     the master cannot be reached, the connection was lost or no answer came in time\n"
      "  70     INTERNAL_ERROR: polyrun itself failed (not the program)\n";
  static const char* const kMaster =
      "  --master HOST:PORT   the master's client port; default $POLYRUN_MASTER, else "
      "127.0.0.1:7400\n"
      "  --tls                connect with TLS (the master has master.tls.enabled); needs "
      "--ca-file\n"
      "  --ca-file FILE       PEM file of the CA that signed the master's certificate (implies "
      "--tls)\n"
      "  --token-file FILE    read the client token (master.client.tokens) from FILE: unlike\n"
      "                       --token TOKEN, not visible to other users in the process list;\n"
      "                       default $POLYRUN_TOKEN\n"
      "  --token TOKEN        the client token itself\n"
      "  --json               print JSON instead of text\n";

  if (topic == "run") {
    return std::string(
               "Usage: polyrun run FILE [FILE...] [options] [-- ARGS...]\n"
               "\n"
               "Runs FILE on the cluster. FILE is the main file; further files are sent along\n"
               "(e.g. headers or modules). ARGS after -- become the program's arguments.\n"
               "The program's stdout goes to stdout and its stderr to stderr as it writes them;\n"
               "if compilation fails the compiler's output goes to stderr. A verdict other than\n"
               "OK adds one line \"polyrun: VERDICT: message\" on stderr.\n"
               "When this terminal is the program's stdin (no --stdin), or with --interactive,\n"
               "what you type goes to the running program line by line; Ctrl-D ends its input.\n"
               "Ctrl-C sends the program SIGINT; a second Ctrl-C cancels the job.\n"
               "\n"
               "Options:\n"
               "  --lang L             language or alias (python, c, c++, java, py, cpp, ...);\n"
               "                       default: from FILE's extension (see polyrun runtimes)\n"
               "  --version V          language version: exact or a prefix (3, 3.11); default any\n"
               "  --stdin FILE|-       the program's stdin: a file, or - for this process's "
               "stdin;\n"
               "                       default: this terminal, live; else empty\n"
               "  --interactive        send this process's stdin to the program as it comes\n"
               "                       (a pipe too); the job has the interactive limits\n"
               "  --time-limit MS      run-stage wall and CPU time limit in milliseconds\n"
               "  --memory-limit MB    run-stage memory limit in MiB\n"
               "  --wait MS            give up waiting for the result after MS (default 600000;\n"
               "                       0 waits forever)\n") +
           kMaster +
           "                       (--json prints the whole result object; same exit code)\n"
           "\n" +
           kExitCodes +
           "\n"
           "Examples:\n"
           "  polyrun run hello.py\n"
           "  polyrun run sum.c --stdin numbers.txt\n"
           "  echo 'a b' | polyrun run echo.py --stdin -\n"
           "  polyrun run args.py -- one two three\n"
           "  polyrun run main.cpp util.h --time-limit 2000 --json\n";
  }
  if (topic == "test") {
    return std::string(
               "Usage: polyrun test SOLUTION [FILE...] TESTDIR [options]\n"
               "\n"
               "Judges SOLUTION against the cases in TESTDIR: NAME.in is a case's stdin and\n"
               "NAME.out the stdout it must print (a NAME.in alone is run, not checked; a\n"
               "NAME.out alone gets empty stdin). The cluster compiles once and runs every\n"
               "case in a sandbox of its own; a line per case is printed as it finishes:\n"
               "CASE VERDICT TIME MEMORY DETAIL, then a summary. Cases run in NAME order\n"
               "(numbers in names compare as numbers: 2 before 10).\n"
               "\n"
               "Options:\n"
               "  --checker C          how output is compared (docs/judging.md):\n"
               "                       lines   line by line, trailing whitespace and trailing\n"
               "                               blank lines ignored (default)\n"
               "                       exact   byte for byte\n"
               "                       tokens  whitespace-separated tokens\n"
               "                       float   tokens; numbers within --tolerance\n"
               "                       FILE    a checker program (any other value): run as\n"
               "                               FILE INPUT OUTPUT ANSWER, exit 0 accepts, 1 or\n"
               "                               2 is a wrong answer, else CHECKER_ERROR; its\n"
               "                               language from its extension (docs/checkers.md)\n"
               "  --tolerance X        float checker: absolute and relative tolerance\n"
               "                       (default 1e-6)\n"
               "  --stop-on-failure    skip the cases after the first that fails\n"
               "  --lang L, --version V, --time-limit MS, --memory-limit MB, --wait MS\n"
               "                       as for polyrun run; limits apply to each case\n") +
           kMaster +
           "                       (--json prints the whole result, every case included)\n"
           "\n"
           "Exit codes: 0 every case passed; 1 a case did not pass or compilation failed;\n"
           "70 the checker program failed (CHECKER_ERROR);\n"
           "64, 65, 66, 69, 70 as for polyrun run.\n"
           "\n"
           "Examples:\n"
           "  polyrun test sum.cpp tests/\n"
           "  polyrun test area.py tests/ --checker float --tolerance 1e-4\n"
           "  polyrun test solve.cpp tests/ --checker check.py\n";
  }
  if (topic == "submit") {
    return std::string(
               "Usage: polyrun submit FILE [FILE...] [options] [-- ARGS...]\n"
               "\n"
               "Submits FILE as polyrun run does, but does not wait: prints the job's id as soon\n"
               "as the master has accepted it (journaled it), and exits 0. The job runs on;\n"
               "polyrun job ID [--wait] gets its result, polyrun cancel ID stops it. The id\n"
               "works from any connection made with the same client token.\n"
               "\n"
               "Options: as for polyrun run (--lang, --version, --stdin, --time-limit,\n"
               "--memory-limit); --json prints {\"job_id\": ...}.\n") +
           kMaster +
           "\n"
           "Exit codes: 0 accepted; 64, 65, 66, 69 as for polyrun run.\n"
           "\n"
           "Examples:\n"
           "  id=$(polyrun submit long.py --time-limit 20000)\n"
           "  polyrun job \"$id\" --wait\n";
  }
  if (topic == "job") {
    return std::string(
               "Usage: polyrun job ID [--wait[=MS]] [options]\n"
               "\n"
               "Shows a job by id (from polyrun submit, or a result's job_id). While it is in\n"
               "flight: one line \"ID STATE [on SLAVE]\" (queued, assigned, compiling, running)\n"
               "and exit 0. Once it finished: its output and exit code exactly as polyrun run\n"
               "gives them (a judged job: its cases and summary, as polyrun test). A cancelled\n"
               "job: a line on stderr and exit 130.\n"
               "\n"
               "Options:\n"
               "  --wait               wait until the job ends (at most 600000 ms, or MS with\n"
               "                       --wait=MS; 0 waits forever)\n") +
           kMaster +
           "                       (--json prints the master's answer: state, result)\n"
           "\n"
           "Exit codes: as for polyrun run once finished; 0 in flight; 130 cancelled;\n"
           "65 no such job of yours (unknown, another token's, or past\n"
           "master.results.retention.s); 69 no answer.\n";
  }
  if (topic == "cancel") {
    return std::string(
               "Usage: polyrun cancel ID [options]\n"
               "\n"
               "Cancels a queued or running job (a running one is killed on its slave) and\n"
               "prints \"cancelled ID (was STATE)\". A job's own polyrun run or polyrun job "
               "--wait\n"
               "then ends with exit code 130.\n"
               "\n"
               "Options:\n") +
           kMaster +
           "\n"
           "Exit codes: 0 cancelled (also when it already was); 65 no such job of yours, or it\n"
           "already finished; 69 no answer.\n";
  }
  if (topic == "runtimes") {
    return std::string(
               "Usage: polyrun runtimes [--master HOST:PORT] [--json]\n"
               "\n"
               "Lists the languages the cluster offers now: LANGUAGE VERSION ALIASES EXTENSIONS\n"
               "SLAVES (how many slaves offer it). --json prints the master's list as JSON.\n"
               "\n"
               "Options:\n") +
           kMaster;
  }
  if (topic == "status") {
    return std::string(
               "Usage: polyrun status [--master HOST:PORT] [--json]\n"
               "\n"
               "Shows the cluster: one line per slave (NAME ADDRESS STATE LIMITS RUNNING/CAPACITY\n"
               "LOAD LANGUAGES LAST-HEARTBEAT), then queued jobs per language, job counters and\n"
               "the master's uptime. LIMITS: cgroup (memory and processes limited per stage),\n"
               "rlimits (per-process limits only, weaker: chosen with slave.sandbox.limits) or\n"
               "none (slave.sandbox=process). --json prints the master's snapshot as JSON.\n"
               "\n"
               "Options:\n") +
           kMaster;
  }
  return std::string(
             "polyrun - run code on a polyrun cluster\n"
             "\n"
             "Usage:\n"
             "  polyrun run FILE [FILE...] [--lang L] [--version V] [--stdin FILE|-]\n"
             "              [--time-limit MS] [--memory-limit MB] [--wait MS]\n"
             "              [--master HOST:PORT] [--json] [-- ARGS...]\n"
             "  polyrun test SOLUTION TESTDIR [--checker C] [--stop-on-failure] [--json]\n"
             "  polyrun submit FILE [FILE...] [run options]   (prints the job id)\n"
             "  polyrun job ID [--wait]\n"
             "  polyrun cancel ID\n"
             "  polyrun runtimes [--master HOST:PORT] [--json]\n"
             "  polyrun status   [--master HOST:PORT] [--json]\n"
             "  polyrun help [run|test|submit|job|cancel|runtimes|status]\n"
             "  polyrun --version\n"
             "\n"
             "Every command also takes --tls and --ca-file FILE for a master with TLS, and\n"
             "--token-file FILE (or $POLYRUN_TOKEN) for a master with client tokens.\n"
             "\n"
             "Commands:\n"
             "  run        run a program and pass on its output and exit code\n"
             "  test       judge a solution against a folder of test cases\n"
             "  submit     submit a program without waiting; prints its job id\n"
             "  job        show a job by id, or wait for its result (--wait)\n"
             "  cancel     cancel a queued or running job\n"
             "  runtimes   list the languages and versions the cluster offers\n"
             "  status     show slaves, load, queues and counters\n"
             "\n"
             "Environment:\n"
             "  ") +
         kMasterEnvVar +
         "     HOST:PORT of the master's client port when --master is not given\n"
         "                     (default 127.0.0.1:7400)\n"
         "\n" +
         kExitCodes +
         "\n"
         "polyrun help run shows every option of run.\n";
}

}  // namespace polyrun::cli
