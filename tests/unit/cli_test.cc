// The CLI's pure helpers (cli/cli_util.h, cli_options.h, cli_format.h) and the blocking
// MasterClient against a scripted fake master on a loopback port (tests/support/fake_master.h).
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cli_format.h"
#include "cli_options.h"
#include "cli_util.h"
#include "master_client.h"
#include "polyrun/frame.h"
#include "support/fake_master.h"
#include "support/test_support.h"

namespace polyrun {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// parseHostPort

TEST(ParseHostPortTest, AcceptsHostAndPort) {
  std::string host;
  uint16_t port = 0;
  std::string error;
  ASSERT_TRUE(parseHostPort("127.0.0.1:7400", &host, &port, &error)) << error;
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 7400);
  ASSERT_TRUE(parseHostPort("master.example:1", &host, &port, &error)) << error;
  EXPECT_EQ(host, "master.example");
  EXPECT_EQ(port, 1);
  ASSERT_TRUE(parseHostPort("[::1]:65535", &host, &port, &error)) << error;
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 65535);
}

TEST(ParseHostPortTest, RejectsMalformedAddressesWithAMessage) {
  for (const char* bad :
       {"", "localhost", ":7400", "host:", "host:0", "host:65536", "host:12a", "host:-1",
        "host: 80", "::1:7400", "[::1]7400", "[::1]", "[]:80", "host:123456"}) {
    std::string host = "unchanged";
    uint16_t port = 9;
    std::string error;
    EXPECT_FALSE(parseHostPort(bad, &host, &port, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
    EXPECT_EQ(host, "unchanged") << bad;
    EXPECT_EQ(port, 9) << bad;
  }
  std::string host, error;
  uint16_t port;
  parseHostPort("::1:7400", &host, &port, &error);
  EXPECT_NE(error.find("[::1]:7400"), std::string::npos) << error;
}

TEST(ResolveMasterAddressTest, FlagThenEnvironmentThenDefault) {
  EXPECT_EQ(cli::resolveMasterAddress(std::string("a:1"), "b:2").text, "a:1");
  EXPECT_EQ(cli::resolveMasterAddress(std::string("a:1"), "b:2").source, "--master");
  EXPECT_EQ(cli::resolveMasterAddress(std::nullopt, "b:2").text, "b:2");
  EXPECT_EQ(cli::resolveMasterAddress(std::nullopt, "b:2").source, "POLYRUN_MASTER");
  EXPECT_EQ(cli::resolveMasterAddress(std::nullopt, "").text, "127.0.0.1:7400");
  EXPECT_EQ(cli::resolveMasterAddress(std::nullopt, nullptr).text, "127.0.0.1:7400");
}

// ---------------------------------------------------------------------------------------------
// isValidUtf8

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(cli::isValidUtf8(""));
  EXPECT_TRUE(cli::isValidUtf8("plain ascii\n"));
  EXPECT_TRUE(cli::isValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(cli::isValidUtf8("caf\xc3\xa9"));       // é
  EXPECT_TRUE(cli::isValidUtf8("\xe2\x82\xac"));      // €
  EXPECT_TRUE(cli::isValidUtf8("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_TRUE(cli::isValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_TRUE(cli::isValidUtf8("\xef\xbf\xbd"));      // U+FFFD
}

TEST(IsValidUtf8Test, RejectsEveryMalformedKind) {
  EXPECT_FALSE(cli::isValidUtf8("\xff"));                  // never valid
  EXPECT_FALSE(cli::isValidUtf8("\x80"));                  // lone continuation byte
  EXPECT_FALSE(cli::isValidUtf8("\xc3"));                  // truncated at the end
  EXPECT_FALSE(cli::isValidUtf8("\xe2\x82"));              // truncated
  EXPECT_FALSE(cli::isValidUtf8("\xe2\x28\xa1"));          // bad continuation
  EXPECT_FALSE(cli::isValidUtf8("\xc0\x80"));              // overlong NUL
  EXPECT_FALSE(cli::isValidUtf8("\xe0\x80\xaf"));          // overlong '/'
  EXPECT_FALSE(cli::isValidUtf8("\xed\xa0\x80"));          // surrogate U+D800
  EXPECT_FALSE(cli::isValidUtf8("\xf4\x90\x80\x80"));      // above U+10FFFF
  EXPECT_FALSE(cli::isValidUtf8("\xf8\x88\x80\x80\x80"));  // 5-byte form
  EXPECT_FALSE(cli::isValidUtf8("ok\xfe"));
}

// ---------------------------------------------------------------------------------------------
// languageForFile

json sampleRuntimes() {
  return json::parse(R"([
    {"language": "python", "version": "3.11.2", "aliases": ["py"], "extensions": [".py"]},
    {"language": "python", "version": "3.12.0", "aliases": ["py"], "extensions": [".py"]},
    {"language": "c", "version": "12.2.0", "extensions": [".c", ".h"]},
    {"language": "c++", "version": "12.2.0", "extensions": [".cpp", ".cc", ".h"]},
    {"language": "java", "version": "17", "extensions": [".java"]},
    {"language": "tarball", "version": "1", "extensions": [".tar.gz"]},
    {"language": "gzip", "version": "1", "extensions": ["gz"]}
  ])");
}

TEST(LanguageForFileTest, PicksTheLanguageOfTheExtension) {
  std::string language, error;
  ASSERT_TRUE(cli::languageForFile(sampleRuntimes(), "hello.py", &language, &error)) << error;
  EXPECT_EQ(language, "python");  // two versions of one language are not ambiguous
  ASSERT_TRUE(cli::languageForFile(sampleRuntimes(), "main.cc", &language, &error)) << error;
  EXPECT_EQ(language, "c++");
  ASSERT_TRUE(cli::languageForFile(sampleRuntimes(), "Hello.java", &language, &error)) << error;
  EXPECT_EQ(language, "java");
  ASSERT_TRUE(cli::languageForFile(sampleRuntimes(), "x.c", &language, &error)) << error;
  EXPECT_EQ(language, "c");
}

TEST(LanguageForFileTest, LongestSuffixWinsAndDotIsOptionalInTheList) {
  std::string language, error;
  ASSERT_TRUE(cli::languageForFile(sampleRuntimes(), "a.tar.gz", &language, &error)) << error;
  EXPECT_EQ(language, "tarball");
  ASSERT_TRUE(cli::languageForFile(sampleRuntimes(), "a.gz", &language, &error)) << error;
  EXPECT_EQ(language, "gzip");
}

TEST(LanguageForFileTest, FallsBackToCaseInsensitiveMatch) {
  std::string language, error;
  ASSERT_TRUE(cli::languageForFile(sampleRuntimes(), "MAIN.PY", &language, &error)) << error;
  EXPECT_EQ(language, "python");
}

TEST(LanguageForFileTest, UnknownExtensionListsKnownOnesAndSuggestsLang) {
  std::string language = "unchanged", error;
  EXPECT_FALSE(cli::languageForFile(sampleRuntimes(), "prog.rb", &language, &error));
  EXPECT_EQ(language, "unchanged");
  EXPECT_NE(error.find("prog.rb"), std::string::npos) << error;
  EXPECT_NE(error.find(".java"), std::string::npos) << error;
  EXPECT_NE(error.find(".gz"), std::string::npos) << error;  // normalized with its dot
  EXPECT_NE(error.find("--lang"), std::string::npos) << error;
  EXPECT_FALSE(cli::languageForFile(sampleRuntimes(), "Makefile", &language, &error));
  EXPECT_FALSE(cli::languageForFile(sampleRuntimes(), "py", &language, &error));
}

TEST(LanguageForFileTest, AmbiguousExtensionNamesTheCandidates) {
  std::string language, error;
  EXPECT_FALSE(cli::languageForFile(sampleRuntimes(), "x.h", &language, &error));
  EXPECT_NE(error.find("c, c++"), std::string::npos) << error;
  EXPECT_NE(error.find("--lang"), std::string::npos) << error;
}

TEST(LanguageForFileTest, SharedExtensionGoesToTheLanguageItNames) {
  const json runtimes = json::parse(R"([
    {"language": "c++", "version": "12", "aliases": ["cpp", "g++"], "extensions": [".cpp", ".cc"]},
    {"language": "c++20", "version": "12", "extensions": [".cpp"]},
    {"language": "c++23", "version": "12", "extensions": [".cpp"]},
    {"language": "perl", "version": "5", "extensions": [".pl"]},
    {"language": "prolog", "version": "9", "aliases": ["swipl"], "extensions": [".pl"]}
  ])");
  std::string language, error;
  ASSERT_TRUE(cli::languageForFile(runtimes, "main.cpp", &language, &error)) << error;
  EXPECT_EQ(language, "c++");  // "cpp" is its alias
  ASSERT_TRUE(cli::languageForFile(runtimes, "MAIN.CPP", &language, &error)) << error;
  EXPECT_EQ(language, "c++");
  EXPECT_FALSE(cli::languageForFile(runtimes, "x.pl", &language, &error));  // "pl" names neither
  EXPECT_NE(error.find("perl, prolog"), std::string::npos) << error;
}

TEST(LanguageForFileTest, NoRuntimesSaysNoSlaveOffersAny) {
  std::string language, error;
  EXPECT_FALSE(cli::languageForFile(json::array(), "x.py", &language, &error));
  EXPECT_NE(error.find("no languages"), std::string::npos) << error;
  EXPECT_FALSE(cli::languageForFile(json::object(), "x.py", &language, &error));
}

TEST(LanguageGuessTest, IsTheLowerCasedExtension) {
  EXPECT_EQ(cli::languageGuess("hello.py"), "py");
  EXPECT_EQ(cli::languageGuess("dir.d/Main.JAVA"), "java");
  EXPECT_EQ(cli::languageGuess("x.tar.gz"), "gz");
  EXPECT_EQ(cli::languageGuess("Makefile"), "");
  EXPECT_EQ(cli::languageGuess(".bashrc"), "");
  EXPECT_EQ(cli::languageGuess("trailing."), "");
}

// The guess stands only where the master would resolve it to what languageForFile() picks.
TEST(NamesLanguageTest, NameOrUnambiguousAliasOnly) {
  const json runtimes = sampleRuntimes();
  EXPECT_TRUE(cli::namesLanguage(runtimes, "py", "python"));        // an alias
  EXPECT_TRUE(cli::namesLanguage(runtimes, "c", "c"));              // a name
  EXPECT_FALSE(cli::namesLanguage(runtimes, "cc", "c++"));          // an extension, not an alias
  EXPECT_FALSE(cli::namesLanguage(runtimes, "java", "c"));          // another language's name
  EXPECT_FALSE(cli::namesLanguage(json::array(), "py", "python"));  // nothing offered
  const json shared = json::parse(R"([
    {"language": "python", "aliases": ["x"]}, {"language": "pypy", "aliases": ["x", "python"]}
  ])");
  EXPECT_FALSE(cli::namesLanguage(shared, "x", "python")) << "an alias of two languages";
  EXPECT_TRUE(cli::namesLanguage(shared, "python", "python")) << "a name wins over an alias";
}

TEST(KnownExtensionsTest, SortedAndUnique) {
  EXPECT_EQ(
      cli::knownExtensions(sampleRuntimes()),
      (std::vector<std::string>{".c", ".cc", ".cpp", ".gz", ".h", ".java", ".py", ".tar.gz"}));
}

// ---------------------------------------------------------------------------------------------
// Exit codes and verdict lines

json resultWith(const std::string& verdict, json run = json::object(), std::string message = "") {
  json r = {{"verdict", verdict}, {"message", message}};
  if (!run.empty()) r["run"] = run;
  return r;
}

TEST(ExitCodeTest, FollowsTheDocumentedTable) {
  EXPECT_EQ(cli::exitCodeForResult(resultWith("OK", {{"exit_code", 0}})), 0);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("RUNTIME_ERROR", {{"exit_code", 3}})), 3);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("RUNTIME_ERROR", {{"exit_code", 255}})), 255);
  // An exit code whose low byte is 0 must not look like success.
  EXPECT_EQ(cli::exitCodeForResult(resultWith("RUNTIME_ERROR", {{"exit_code", 256}})), 1);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("RUNTIME_ERROR")), 1);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("SIGNALED", {{"signal", 11}})), 139);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("SIGNALED", {{"signal", 9}})), 137);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("SIGNALED")), 1);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("TIME_LIMIT")), 124);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("COMPILE_ERROR")), 1);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("MEMORY_LIMIT")), 1);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("OUTPUT_LIMIT")), 1);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("INTERNAL_ERROR")), 70);
  EXPECT_EQ(cli::exitCodeForResult(resultWith("SOMETHING_NEW")), 70);
  EXPECT_EQ(cli::exitCodeForResult(json::object()), 70);
}

TEST(ExitCodeTest, MasterErrors) {
  EXPECT_EQ(cli::exitCodeForError({{"type", "error"}, {"code", "unknown_language"}}), 65);
  EXPECT_EQ(cli::exitCodeForError({{"type", "error"}, {"code", "bad_limits"}}), 65);
  EXPECT_EQ(cli::exitCodeForError({{"type", "error"}, {"code", "internal"}}), 70);
}

TEST(VerdictLineTest, OneLinePerVerdict) {
  EXPECT_EQ(cli::verdictLine(resultWith("OK")), "");
  EXPECT_EQ(cli::verdictLine(resultWith("RUNTIME_ERROR", {{"exit_code", 3}}, "exit 3")),
            "polyrun: RUNTIME_ERROR: program exited with code 3");
  EXPECT_EQ(cli::verdictLine(resultWith("SIGNALED", {{"signal", 11}})),
            "polyrun: SIGNALED: program killed by signal 11 (SIGSEGV)");
  const std::string tle = cli::verdictLine(
      resultWith("TIME_LIMIT", {{"verdict", "TIME_LIMIT"}}, "wall time limit of 5000 ms exceeded"));
  EXPECT_EQ(tle.rfind("polyrun: TIME_LIMIT: wall time limit of 5000 ms exceeded", 0), 0u) << tle;
  EXPECT_NE(tle.find("--time-limit"), std::string::npos) << tle;
  EXPECT_EQ(cli::verdictLine(resultWith("COMPILE_ERROR", {}, "compiler exited with code 1")),
            "polyrun: COMPILE_ERROR: compiler exited with code 1");
  // A message-less verdict still says something.
  EXPECT_EQ(cli::verdictLine(resultWith("OUTPUT_LIMIT")),
            "polyrun: OUTPUT_LIMIT: output limit exceeded");
  const std::string ie = cli::verdictLine(resultWith("INTERNAL_ERROR", {}, "no sandbox"));
  EXPECT_EQ(ie.rfind("polyrun: INTERNAL_ERROR: no sandbox", 0), 0u) << ie;
  EXPECT_EQ(ie.find('\n'), std::string::npos);
}

TEST(ProgressTextTest, RemembersTheSlave) {
  std::string slave;
  EXPECT_EQ(cli::progressText({{"type", "accepted"}, {"job_id", "j-1"}}, &slave),
            "submitted as job j-1");
  EXPECT_NE(
      cli::progressText({{"type", "progress"}, {"state", "queued"}, {"job_id", "j-1"}}, &slave)
          .find("queued"),
      std::string::npos);
  EXPECT_EQ(
      cli::progressText({{"type", "progress"}, {"state", "assigned"}, {"slave", "s-a"}}, &slave),
      "assigned to s-a");
  EXPECT_EQ(cli::progressText({{"type", "progress"}, {"state", "running"}}, &slave),
            "running on s-a");
}

// ---------------------------------------------------------------------------------------------
// Command line

bool parse(std::vector<std::string> argv, cli::Options* o, std::string* error) {
  return cli::parseCommandLine(argv, o, error);
}

TEST(CommandLineTest, RunWithEveryOption) {
  cli::Options o;
  std::string error;
  ASSERT_TRUE(parse({"run",      "main.cpp",
                     "util.h",   "--lang",
                     "c++",      "--version=12",
                     "--stdin",  "-",
                     "--master", "h:1",
                     "--json",   "--time-limit",
                     "2000",     "--memory-limit=64",
                     "--wait",   "0",
                     "--",       "--lang",
                     "x",        "--"},
                    &o, &error))
      << error;
  EXPECT_EQ(o.command, cli::Command::kRun);
  EXPECT_EQ(o.files, (std::vector<std::string>{"main.cpp", "util.h"}));
  EXPECT_EQ(o.language, "c++");
  EXPECT_EQ(o.version, "12");
  EXPECT_EQ(o.stdin_path, "-");
  EXPECT_EQ(o.master, "h:1");
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.time_limit_ms, 2000);
  EXPECT_EQ(o.memory_limit_mb, 64);
  EXPECT_EQ(o.wait_ms, 0);
  EXPECT_EQ(o.args, (std::vector<std::string>{"--lang", "x", "--"}));
}

TEST(CommandLineTest, SubmitJobAndCancel) {
  cli::Options o;
  std::string error;
  ASSERT_TRUE(
      parse({"submit", "a.py", "--stdin", "in.txt", "--time-limit", "900", "--", "x"}, &o, &error))
      << error;
  EXPECT_EQ(o.command, cli::Command::kSubmit);
  EXPECT_EQ(o.files, (std::vector<std::string>{"a.py"}));
  EXPECT_EQ(o.stdin_path, "in.txt");
  EXPECT_EQ(o.time_limit_ms, 900);
  EXPECT_EQ(o.args, (std::vector<std::string>{"x"}));

  ASSERT_TRUE(parse({"job", "j-1"}, &o, &error)) << error;
  EXPECT_EQ(o.command, cli::Command::kJob);
  EXPECT_EQ(o.job_id, "j-1");
  EXPECT_FALSE(o.wait_for_end);
  // `job ID --wait` is a flag; --wait=MS bounds the wait too.
  ASSERT_TRUE(parse({"job", "j-1", "--wait", "--json"}, &o, &error)) << error;
  EXPECT_TRUE(o.wait_for_end);
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.wait_ms, cli::kDefaultWaitMs);
  ASSERT_TRUE(parse({"job", "--wait=5000", "j-2"}, &o, &error)) << error;
  EXPECT_TRUE(o.wait_for_end);
  EXPECT_EQ(o.wait_ms, 5000);
  EXPECT_EQ(o.job_id, "j-2");

  ASSERT_TRUE(parse({"cancel", "j-3"}, &o, &error)) << error;
  EXPECT_EQ(o.command, cli::Command::kCancel);
  EXPECT_EQ(o.job_id, "j-3");

  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"submit"},
                                             {"job"},
                                             {"cancel"},
                                             {"job", "a", "b"},
                                             {"cancel", "j-1", "--lang", "c"},
                                             {"job", "j-1", "--stdin", "x"},
                                             {"submit", "a.py", "--checker", "exact"}}) {
    EXPECT_FALSE(parse(bad, &o, &error)) << bad[0];
    EXPECT_FALSE(error.empty());
  }
  EXPECT_FALSE(parse({"job"}, &o, &error));
  EXPECT_NE(error.find("job id"), std::string::npos) << error;
  ASSERT_TRUE(parse({"help", "submit"}, &o, &error)) << error;
  EXPECT_EQ(o.help_topic, "submit");
  for (const char* topic : {"submit", "job", "cancel"})
    EXPECT_NE(cli::helpText(topic).find(std::string("polyrun ") + topic), std::string::npos);
}

TEST(CommandLineTest, CheckerIsABuiltInNameOrAProgramFile) {
  cli::Options o;
  std::string error;
  ASSERT_TRUE(parse({"test", "a.cpp", "t/", "--checker", "tokens"}, &o, &error)) << error;
  EXPECT_EQ(o.checker, "tokens");
  EXPECT_EQ(o.checker_program, "");
  ASSERT_TRUE(parse({"test", "a.cpp", "t/", "--checker=check.py"}, &o, &error)) << error;
  EXPECT_EQ(o.checker, "");
  EXPECT_EQ(o.checker_program, "check.py");
  EXPECT_FALSE(parse({"test", "a.cpp", "t/", "--checker="}, &o, &error));
  EXPECT_NE(error.find("checker program"), std::string::npos) << error;
}

TEST(CommandLineTest, GlobalOptionsBeforeTheCommand) {
  cli::Options o;
  std::string error;
  ASSERT_TRUE(parse({"--master", "h:2", "--json", "status"}, &o, &error)) << error;
  EXPECT_EQ(o.command, cli::Command::kStatus);
  EXPECT_EQ(o.master, "h:2");
  EXPECT_TRUE(o.json);
}

TEST(CommandLineTest, HelpAndVersion) {
  cli::Options o;
  std::string error;
  ASSERT_TRUE(parse({"--help"}, &o, &error));
  EXPECT_EQ(o.command, cli::Command::kHelp);
  EXPECT_EQ(o.help_topic, "");
  ASSERT_TRUE(parse({"run", "--help"}, &o, &error));
  EXPECT_EQ(o.help_topic, "run");
  ASSERT_TRUE(parse({"help", "status"}, &o, &error));
  EXPECT_EQ(o.command, cli::Command::kHelp);
  EXPECT_EQ(o.help_topic, "status");
  ASSERT_TRUE(parse({"--version"}, &o, &error));
  EXPECT_EQ(o.command, cli::Command::kVersion);
  // Inside `run`, --version is the language version.
  ASSERT_TRUE(parse({"run", "x.py", "--version", "3"}, &o, &error)) << error;
  EXPECT_EQ(o.command, cli::Command::kRun);
  EXPECT_EQ(o.version, "3");
  EXPECT_NE(cli::helpText("").find("124"), std::string::npos);
  EXPECT_NE(cli::helpText("").find("POLYRUN_MASTER"), std::string::npos);
  EXPECT_NE(cli::helpText("run").find("--memory-limit"), std::string::npos);
}

// A client token from a file, so that it never shows in the process list; a missing or empty
// file is a usage error naming it.
TEST(CommandLineTest, TheTokenComesFromAFile) {
  test::TempDir dir;
  const std::string path = dir.path() + "/token";
  std::ofstream(path) << "  s3cret-token \nsecond line\n";
  cli::Options o;
  std::string error;
  ASSERT_TRUE(parse({"status", "--token-file", path}, &o, &error)) << error;
  EXPECT_EQ(o.token, "s3cret-token");
  std::ofstream(dir.path() + "/empty") << "\n";
  for (const std::string& bad : {dir.path() + "/missing", dir.path() + "/empty"}) {
    cli::Options other;
    EXPECT_FALSE(parse({"status", "--token-file", bad}, &other, &error)) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
  EXPECT_NE(cli::helpText("status").find("--token-file"), std::string::npos);
}

TEST(CommandLineTest, EventsFollowAfterAndLevel) {
  cli::Options o;
  std::string error;
  ASSERT_TRUE(parse({"events"}, &o, &error)) << error;
  EXPECT_EQ(o.command, cli::Command::kEvents);
  EXPECT_FALSE(o.follow);
  EXPECT_EQ(o.after, 0u);
  EXPECT_EQ(o.min_level, "info");
  ASSERT_TRUE(parse({"events", "-f", "--after", "12", "--level=warning", "--json"}, &o, &error))
      << error;
  EXPECT_TRUE(o.follow);
  EXPECT_EQ(o.after, 12u);
  EXPECT_EQ(o.min_level, "warning");
  EXPECT_TRUE(o.json);
  ASSERT_TRUE(parse({"events", "--follow"}, &o, &error)) << error;
  EXPECT_TRUE(o.follow);
  EXPECT_FALSE(parse({"events", "--level", "debug"}, &o, &error));
  EXPECT_NE(error.find("info, warning or error"), std::string::npos) << error;
  EXPECT_FALSE(parse({"events", "--after", "-3"}, &o, &error));
  EXPECT_NE(error.find("event id"), std::string::npos) << error;
  EXPECT_FALSE(parse({"events", "--after"}, &o, &error));
  EXPECT_NE(error.find("--after needs a value"), std::string::npos) << error;
  EXPECT_FALSE(parse({"status", "-f"}, &o, &error));  // -f is only for events
  EXPECT_NE(cli::helpText("events").find("--follow"), std::string::npos);
  EXPECT_NE(cli::helpText("").find("polyrun events"), std::string::npos);
}

TEST(CommandLineTest, UsageErrorsSayWhatToDo) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"frobnicate"},
      {"run"},
      {"run", "x.py", "--lang"},
      {"run", "x.py", "--lang="},
      {"run", "x.py", "--time-limit", "abc"},
      {"run", "x.py", "--time-limit", "0"},
      {"run", "x.py", "--memory-limit", "-5"},
      {"run", "x.py", "--bogus"},
      {"run", "x.py", "-x"},
      {"status", "extra"},
      {"status", "--lang", "py"},
      {"runtimes", "--", "a"},
      {"help", "nonsense"},
      {"--json=yes", "status"},
  };
  for (const auto& argv : bad) {
    cli::Options o;
    std::string error;
    std::string joined;
    for (const auto& a : argv) joined += a + " ";
    EXPECT_FALSE(parse(argv, &o, &error)) << joined;
    EXPECT_FALSE(error.empty()) << joined;
  }
}

TEST(CommandLineTest, TestTakesASolutionAndAFolder) {
  cli::Options o;
  std::string error;
  ASSERT_TRUE(parse({"test", "sol.py", "dir"}, &o, &error)) << error;
  EXPECT_EQ(o.command, cli::Command::kTest);
  EXPECT_EQ(o.files, std::vector<std::string>{"sol.py"});
  EXPECT_EQ(o.test_dir, "dir");
  EXPECT_EQ(o.checker, "") << "the default, lines, is the master's";
  EXPECT_FALSE(o.tolerance.has_value());
  EXPECT_FALSE(o.stop_on_failure);

  cli::Options more;
  ASSERT_TRUE(
      parse({"test", "main.cpp", "util.h", "cases/", "--lang", "c++", "--time-limit", "2000",
             "--checker", "float", "--tolerance=1e-4", "--stop-on-failure", "--json"},
            &more, &error))
      << error;
  EXPECT_EQ(more.files, (std::vector<std::string>{"main.cpp", "util.h"}));
  EXPECT_EQ(more.test_dir, "cases/");
  EXPECT_EQ(more.language, "c++");
  EXPECT_EQ(more.time_limit_ms, 2000);
  EXPECT_EQ(more.checker, "float");
  ASSERT_TRUE(more.tolerance.has_value());
  EXPECT_DOUBLE_EQ(*more.tolerance, 1e-4);
  EXPECT_TRUE(more.stop_on_failure);
  EXPECT_TRUE(more.json);

  for (const char* checker : {"exact", "lines", "tokens", "float"}) {
    cli::Options c;
    ASSERT_TRUE(parse({"test", "a.py", "t", "--checker=" + std::string(checker)}, &c, &error))
        << error;
    EXPECT_EQ(c.checker, checker);
  }
  cli::Options zero;
  ASSERT_TRUE(parse({"test", "a.py", "t", "--tolerance", "0"}, &zero, &error)) << error;
  EXPECT_EQ(zero.tolerance, 0.0);
  ASSERT_TRUE(parse({"help", "test"}, &o, &error)) << error;
  EXPECT_EQ(o.help_topic, "test");
  EXPECT_NE(cli::helpText("test").find("--checker"), std::string::npos);
}

TEST(CommandLineTest, TestUsageErrorsNameTheProblem) {
  struct Bad {
    std::vector<std::string> argv;
    std::string says;  // what the error must name
  };
  const Bad bad[] = {
      {{"test"}, "TESTDIR"},
      {{"test", "sol.py"}, "TESTDIR"},
      {{"test", "sol.py", "dir", "--checker", "diff"}, "\"diff\""},
      {{"test", "sol.py", "dir", "--checker", "Lines"},
       "exact, lines, tokens, float or a checker program"},
      {{"test", "sol.py", "dir", "--checker="}, "--checker"},
      {{"test", "sol.py", "dir", "--tolerance", "-1"}, "\"-1\""},
      {{"test", "sol.py", "dir", "--tolerance", "abc"}, "\"abc\""},
      {{"test", "sol.py", "dir", "--tolerance", "1e-4x"}, "--tolerance"},
      {{"test", "sol.py", "dir", "--tolerance", "nan"}, "--tolerance"},
      {{"test", "sol.py", "dir", "--tolerance="}, "--tolerance"},
      {{"test", "sol.py", "dir", "--stop-on-failure=yes"}, "no value"},
      {{"test", "sol.py", "dir", "--stdin", "in.txt"}, "--stdin"},
      {{"test", "sol.py", "dir", "--", "-v"}, "polyrun run"},
      {{"run", "sol.py", "--checker", "exact"}, "polyrun test only"},
      {{"run", "sol.py", "--tolerance", "1"}, "polyrun test only"},
      {{"run", "sol.py", "--stop-on-failure"}, "polyrun test only"},
      {{"status", "--checker", "exact"}, "--checker"},
  };
  for (const auto& [argv, says] : bad) {
    cli::Options o;
    std::string error;
    std::string joined;
    for (const auto& a : argv) joined += a + " ";
    EXPECT_FALSE(parse(argv, &o, &error)) << joined;
    EXPECT_NE(error.find(says), std::string::npos) << joined << "-> " << error;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

TEST(FormatTest, TableAlignsColumnsWithoutTrailingBlanks) {
  EXPECT_EQ(cli::formatTable({{"A", "BB", "C"}, {"long", "x", "y"}}),
            "A     BB  C\n"
            "long  x   y\n");
  // Widths count characters, not bytes.
  EXPECT_EQ(cli::formatTable({{"é", "x"}, {"ab", "y"}}),
            "é   x\n"
            "ab  y\n");
}

TEST(FormatTest, EventLineHasTimeLevelKindSlaveAndMessage) {
  const json event = {{"id", 3},
                      {"time", "2026-12-07T19:13:03.123Z"},
                      {"level", "warning"},
                      {"kind", "slave_lost"},
                      {"slave", "slave-b"},
                      {"message", "slave slave-b is gone:\nheartbeat timeout"}};
  EXPECT_EQ(cli::formatEvent(event),
            "2026-12-07T19:13:03.123Z  warning  slave_lost        slave-b       slave slave-b is "
            "gone: heartbeat timeout\n");
  EXPECT_EQ(cli::formatEvent(
                {{"time", "T"}, {"level", "info"}, {"kind", "master_started"}, {"message", "up"}}),
            "T                         info     master_started    -             up\n");
}

TEST(FormatTest, Durations) {
  EXPECT_EQ(cli::formatDuration(0), "0ms");
  EXPECT_EQ(cli::formatDuration(850), "850ms");
  EXPECT_EQ(cli::formatDuration(4200), "4.2s");
  EXPECT_EQ(cli::formatDuration(185'000), "3m05s");
  EXPECT_EQ(cli::formatDuration(7'380'000), "2h03m");
  EXPECT_EQ(cli::formatDuration(100'800'000), "1d04h");
  EXPECT_EQ(cli::formatDuration(-1), "-");
}

TEST(FormatTest, RuntimesTable) {
  const std::string text = cli::formatRuntimes(json::parse(R"([
    {"language": "python", "version": "3.11.2", "aliases": ["py", "python3"],
     "extensions": [".py"], "compiled": false, "slaves": 2},
    {"language": "c", "version": "12.2.0", "aliases": [], "extensions": [".c"], "slaves": 1}])"));
  EXPECT_EQ(text,
            "LANGUAGE  VERSION  ALIASES     EXTENSIONS  SLAVES\n"
            "c         12.2.0   -           .c          1\n"
            "python    3.11.2   py,python3  .py         2\n");
  EXPECT_NE(cli::formatRuntimes(json::array()).find("No languages"), std::string::npos);
}

TEST(FormatTest, ClusterStatus) {
  const std::string text = cli::formatClusterStatus(json::parse(R"({
    "type": "cluster", "id": "3", "uptime_ms": 81234,
    "slaves": [{"id": 1, "name": "slave-a", "address": "127.0.0.1:50122", "state": "ready",
                "limits": "rlimits", "running": 1, "capacity": 2, "load": {"load_avg": 0.4},
                "languages": [{"language": "python"}, {"language": "c"}],
                "last_heartbeat_ms": 120}],
    "queues": {"python": 0},
    "counters": {"submitted": 12, "completed": 11, "by_verdict": {"OK": 10}}})"));
  EXPECT_NE(
      text.find("NAME     ADDRESS          STATE  LIMITS   RUNNING/CAPACITY  LOAD  LANGUAGES  "
                "LAST-HEARTBEAT\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("slave-a  127.0.0.1:50122  ready  rlimits  1/2               0.40  c,python   "
                "120ms ago\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("Queued jobs: python 0"), std::string::npos) << text;
  EXPECT_NE(text.find("submitted 12"), std::string::npos) << text;
  EXPECT_NE(text.find("Verdicts: OK 10"), std::string::npos) << text;
  EXPECT_NE(text.find("Master uptime: 1m21s"), std::string::npos) << text;
  EXPECT_NE(cli::formatClusterStatus(json::object()).find("No slaves"), std::string::npos);
}

TEST(FormatTest, ClusterStatusNamesPluginsThatAreNotOffered) {
  const std::string text = cli::formatClusterStatus(json::parse(R"({
    "slaves": [{"name": "slave-a", "languages": [{"language": "python"}],
                "plugins": [{"library": "/x/polyrun_python.so", "language": "python", "version": "3.11.2",
                             "ready": true, "problem": ""},
                            {"library": "/x/polyrun_java.so", "language": "java", "version": "17.0.15",
                             "ready": false, "problem": "self-test failed: expected \"olleh\""},
                            {"library": "/x/broken.so", "language": "", "version": "",
                             "ready": false, "problem": "not a polyrun plugin"}]}]})"));
  EXPECT_NE(text.find("Plugins: 1 of 3 ready; not offered:\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          "  slave-a: polyrun_java.so [java 17.0.15]: self-test failed: expected \"olleh\"\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("  slave-a: broken.so: not a polyrun plugin\n"), std::string::npos) << text;
}

// `polyrun test`'s table, summary and exit code.

json caseJson(const std::string& name, const std::string& verdict, const std::string& message = "",
              int64_t cpu_ms = 53, int64_t memory_bytes = 8 << 20) {
  return {{"name", name},     {"verdict", verdict}, {"message", message},
          {"cpu_ms", cpu_ms}, {"wall_ms", 60},      {"memory_bytes", memory_bytes},
          {"exit_code", 0},   {"signal", 0},        {"line", 0},
          {"column", 0}};
}

TEST(FormatTest, CaseRowsLineUpUnderTheHeader) {
  const std::string header = cli::formatCaseRow(nullptr);
  EXPECT_EQ(header, "CASE          VERDICT         TIME     MEMORY     DETAIL\n");
  const std::string ok = cli::formatCaseRow(caseJson("1", "OK", "ignored", 53, 8 << 20));
  EXPECT_EQ(ok, "1             OK              53ms     8.0 MiB\n")
      << "no detail, no trailing blank";
  const std::string wa = cli::formatCaseRow(
      caseJson("2", "WRONG_ANSWER", "line 1, column 1: expected \"5\", got \"4\"", 52, 8493466));
  EXPECT_EQ(wa,
            "2             WRONG_ANSWER    52ms     8.1 MiB    line 1, column 1: expected \"5\", "
            "got \"4\"\n");
  EXPECT_EQ(wa.find("WRONG_ANSWER"), header.find("VERDICT"));
  EXPECT_EQ(wa.find("52ms"), header.find("TIME"));
  EXPECT_EQ(wa.find("8.1 MiB"), header.find("MEMORY"));
  EXPECT_EQ(wa.find("line 1"), header.find("DETAIL"));
  const std::string skipped =
      cli::formatCaseRow(caseJson("3", "SKIPPED", "not run: case 2 did not pass", 0, 0));
  EXPECT_EQ(skipped,
            "3             SKIPPED         -        -          not run: case 2 did not pass\n");
  const std::string tle = cli::formatCaseRow(caseJson("big", "TIME_LIMIT", "wall limit", 4200));
  EXPECT_NE(tle.find("4.2s"), std::string::npos) << tle;
  EXPECT_NE(tle.find("wall limit"), std::string::npos) << tle;
}

TEST(FormatTest, TestSummaryNamesTheFirstFailure) {
  json all = {{"verdict", "OK"},
              {"tests", {caseJson("1", "OK"), caseJson("2", "OK")}},
              {"summary",
               {{"total", 2},
                {"passed", 2},
                {"first_failure", 0},
                {"max_cpu_ms", 53},
                {"max_memory_bytes", 8 << 20}}}};
  EXPECT_EQ(cli::formatTestSummary(all),
            "passed 2 of 2 cases; max time 53ms, max memory 8.0 MiB\n");
  json one = all;
  one["tests"] = {caseJson("only", "OK")};
  one["summary"]["total"] = 1;
  one["summary"]["passed"] = 1;
  EXPECT_EQ(cli::formatTestSummary(one).rfind("passed 1 of 1 case;", 0), 0u);

  json failed = {
      {"verdict", "WRONG_ANSWER"},
      {"tests", {caseJson("1", "OK"), caseJson("2", "WRONG_ANSWER"), caseJson("10", "OK", "", 45)}},
      {"summary",
       {{"total", 3},
        {"passed", 2},
        {"first_failure", 2},
        {"max_cpu_ms", 53},
        {"max_memory_bytes", 8493466}}}};
  EXPECT_EQ(cli::formatTestSummary(failed),
            "passed 2 of 3 cases; first failure: 2 (WRONG_ANSWER); max time 53ms, max memory "
            "8.1 MiB\n");

  const json compile = {{"verdict", "COMPILE_ERROR"}, {"message", "compiler exited with code 1"}};
  EXPECT_EQ(cli::formatTestSummary(compile), "compilation failed: no case ran\n");
  const std::string internal =
      cli::formatTestSummary({{"verdict", "INTERNAL_ERROR"}, {"message", "no sandbox"}});
  EXPECT_NE(internal.find("no case ran"), std::string::npos) << internal;
  EXPECT_NE(internal.find("INTERNAL_ERROR"), std::string::npos) << internal;
  EXPECT_NE(internal.find("no sandbox"), std::string::npos) << internal;
}

TEST(ExitCodeTest, TestPassesOnlyWhenEveryCaseDid) {
  const json ok = {{"verdict", "OK"}, {"tests", {caseJson("1", "OK")}}};
  EXPECT_EQ(cli::testExitCode(ok), 0);
  json wa = {{"verdict", "WRONG_ANSWER"},
             {"tests", {caseJson("1", "OK"), caseJson("2", "WRONG_ANSWER")}}};
  EXPECT_EQ(cli::testExitCode(wa), 1);
  json tle = {{"verdict", "TIME_LIMIT"}, {"tests", {caseJson("1", "TIME_LIMIT")}}};
  EXPECT_EQ(cli::testExitCode(tle), 1) << "not polyrun run's 124: a case failed";
  json crashed = {{"verdict", "RUNTIME_ERROR"}, {"tests", {caseJson("1", "RUNTIME_ERROR")}}};
  EXPECT_EQ(cli::testExitCode(crashed), 1);
  EXPECT_EQ(cli::testExitCode({{"verdict", "COMPILE_ERROR"}}), 1);
  EXPECT_EQ(cli::testExitCode({{"verdict", "INTERNAL_ERROR"}, {"message", "no sandbox"}}), 70);
  EXPECT_EQ(cli::testExitCode(json::object()), 70);
}

// ---------------------------------------------------------------------------------------------
// MasterClient against a scripted fake master on a loopback port chosen by the OS.

using test::FakeMaster;

TEST(MasterClientTest, ConnectErrorNamesTheAddressAndTheFix) {
  uint16_t port;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }  // closed: nothing listens there now
  MasterClient client("127.0.0.1", port);
  std::string error;
  EXPECT_FALSE(client.connect(&error, 2000));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << error;
  EXPECT_NE(error.find("--master HOST:PORT"), std::string::npos) << error;
}

TEST(MasterClientTest, RequestMatchesItsIdAndKeepsOtherMessages) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    const json request = FakeMaster::readFrame(peer);
    // Noise for another id, then the answer, all in 1-byte pieces.
    std::string bytes = encodeFrame({{"type", "progress"}, {"id", "other"}, {"state", "queued"}});
    bytes +=
        encodeFrame({{"type", "runtimes"}, {"id", request["id"]}, {"runtimes", json::array()}});
    FakeMaster::sendInPieces(peer, bytes, 1);
    FakeMaster::readFrame(peer);  // wait until the client hangs up
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  std::optional<json> reply = client.request({{"type", "runtimes"}}, 5000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ((*reply)["type"], "runtimes");
  std::optional<json> kept = client.receive(0, &error);
  ASSERT_TRUE(kept) << error;
  EXPECT_EQ((*kept)["id"], "other");
  client.close();
}

TEST(MasterClientTest, SubmitReportsEventsAndReturnsTheResult) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    const json submit = FakeMaster::readFrame(peer);
    const json id = submit["id"];
    if (submit["type"] != "submit" || submit["job"]["language"] != "python") return;
    std::string bytes = encodeFrame({{"type", "accepted"}, {"id", id}, {"job_id", "j-1"}});
    bytes +=
        encodeFrame({{"type", "progress"}, {"id", id}, {"job_id", "j-1"}, {"state", "queued"}});
    bytes += encodeFrame({{"type", "result"}, {"id", "someone-else"}, {"result", json::object()}});
    bytes += encodeFrame({{"type", "progress"},
                          {"id", id},
                          {"job_id", "j-1"},
                          {"state", "running"},
                          {"slave", "s"}});
    bytes += encodeFrame(
        {{"type", "result"}, {"id", id}, {"job_id", "j-1"}, {"result", {{"verdict", "OK"}}}});
    FakeMaster::sendInPieces(peer, bytes, 7);
    FakeMaster::readFrame(peer);
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  Job job;
  job.language = "python";
  job.files.push_back({"main.py", "print(1)", Encoding::kUtf8});
  std::vector<std::string> events;
  std::optional<json> result = client.submit(job, 5000, &error, [&](const json& event) {
    events.push_back(event["type"].get<std::string>() + ":" + event.value("state", ""));
  });
  ASSERT_TRUE(result) << error;
  EXPECT_EQ((*result)["type"], "result");
  EXPECT_EQ((*result)["result"]["verdict"], "OK");
  EXPECT_EQ(events, (std::vector<std::string>{"accepted:", "progress:queued", "progress:running"}));
  std::optional<json> kept = client.receive(0, &error);
  ASSERT_TRUE(kept) << error;
  EXPECT_EQ((*kept)["id"], "someone-else");
  client.close();
}

TEST(MasterClientTest, ErrorReplyIsReturnedAsAValue) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    const json submit = FakeMaster::readFrame(peer);
    FakeMaster::sendAll(peer, encodeFrame({{"type", "error"},
                                           {"id", submit["id"]},
                                           {"code", "unknown_language"},
                                           {"message", "no cobol"}}));
    FakeMaster::readFrame(peer);
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  Job job;
  job.language = "cobol";
  job.files.push_back({"x.cob", "x", Encoding::kUtf8});
  std::optional<json> reply = client.submit(job, 5000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ((*reply)["type"], "error");
  EXPECT_EQ((*reply)["code"], "unknown_language");
  client.close();
}

TEST(MasterClientTest, TimeoutLeavesTheConnectionUsable) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    FakeMaster::readFrame(peer);  // the first request stays unanswered
    const json again = FakeMaster::readFrame(peer);
    FakeMaster::sendAll(peer, encodeFrame({{"type", "cluster"}, {"id", again["id"]}}));
    FakeMaster::readFrame(peer);
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  EXPECT_FALSE(client.request({{"type", "cluster"}}, 100, &error));
  EXPECT_NE(error.find("timed out after 100 ms"), std::string::npos) << error;
  EXPECT_TRUE(client.connected());
  std::optional<json> reply = client.request({{"type", "cluster"}}, 5000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ((*reply)["type"], "cluster");
  client.close();
}

TEST(MasterClientTest, DisconnectIsAnErrorAfterEarlierMessagesAreDelivered) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    FakeMaster::readFrame(peer);
    FakeMaster::sendAll(peer,
                        encodeFrame({{"type", "progress"}, {"id", "x"}, {"state", "queued"}}));
    std::string half = encodeFrame({{"type", "result"}, {"id", "x"}});
    half.resize(half.size() / 2);
    peer.sendBytes(half.data(), static_cast<int>(half.size()));
    peer.shutdownSend();
    FakeMaster::readFrame(peer);
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  ASSERT_TRUE(client.send({{"type", "cluster"}, {"id", "1"}}, &error)) << error;
  std::optional<json> first = client.receive(5000, &error);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ((*first)["type"], "progress");
  EXPECT_FALSE(client.receive(5000, &error));
  EXPECT_NE(error.find("closed the connection"), std::string::npos) << error;
  EXPECT_FALSE(client.connected());
  EXPECT_FALSE(client.send({{"type", "cluster"}}, &error));
}

TEST(MasterClientTest, BadFrameFromThePeerIsAnError) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    FakeMaster::readFrame(peer);
    const std::string not_json = std::string("\0\0\0\x05", 4) + "hello";
    peer.sendBytes(not_json.data(), static_cast<int>(not_json.size()));
    char c;
    peer.receiveBytes(&c, 1);  // until the client closes
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  EXPECT_FALSE(client.request({{"type", "runtimes"}}, 5000, &error));
  EXPECT_NE(error.find("bad frame"), std::string::npos) << error;
  EXPECT_FALSE(client.connected());
}

TEST(MasterClientTest, ReplyBeforeABadFrameIsStillDelivered) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    const json request = FakeMaster::readFrame(peer);
    // The reply and a bad frame in one write: the client parses both from one read.
    FakeMaster::sendAll(peer, encodeFrame({{"type", "runtimes"}, {"id", request["id"]}}) +
                                  std::string("\0\0\0\0", 4));
    char c;
    peer.receiveBytes(&c, 1);
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  std::optional<json> reply = client.request({{"type", "runtimes"}}, 5000, &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ((*reply)["type"], "runtimes");
  EXPECT_FALSE(client.receive(5000, &error));
  EXPECT_NE(error.find("bad frame"), std::string::npos) << error;
}

TEST(MasterClientTest, ZeroTimeoutStillReadsWhatHasArrived) {
  FakeMaster master([](Poco::Net::StreamSocket& peer) {
    FakeMaster::readFrame(peer);
    FakeMaster::sendAll(peer, encodeFrame({{"type", "hello"}}));
    FakeMaster::readFrame(peer);
  });
  MasterClient client("127.0.0.1", master.port());
  std::string error;
  ASSERT_TRUE(client.connect(&error)) << error;
  ASSERT_TRUE(client.send({{"type", "ping"}}, &error)) << error;
  std::optional<json> message;
  ASSERT_TRUE(test::waitFor(
      [&] {
        message = client.receive(0, &error);
        return message.has_value();
      },
      std::chrono::seconds(5)))
      << error;
  EXPECT_EQ((*message)["type"], "hello");
  client.close();
}

TEST(MasterClientTest, IdsAreUnique) {
  MasterClient client("127.0.0.1", 1);
  EXPECT_NE(client.nextId(), client.nextId());
  std::string error;
  EXPECT_FALSE(client.send({{"type", "cluster"}}, &error));
  EXPECT_NE(error.find("not connected"), std::string::npos) << error;
}

}  // namespace
}  // namespace polyrun
