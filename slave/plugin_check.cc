#include "plugin_check.h"

#include <string.h>  // sigabbrev_np

#include <cstdio>
#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <utility>

#include "polyrun/plugin_loader.h"
#include "polyrun/sandbox.h"

extern char** environ;

namespace polyrun::slave {
namespace {
using nlohmann::json;

// The verdict is the last line of the child's stdout holding an object with this key, so that
// what the plugin itself printed there is not taken for it.
constexpr const char* kVerdictKey = "polyrun_plugin_check";

std::string signalName(int signo) {
  const char* abbrev = ::sigabbrev_np(signo);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signo);
}

// The last line of `text` that is not blank, cut to 200 bytes.
std::string lastLine(const std::string& text) {
  std::istringstream in(text);
  std::string last;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last.size() > 200 ? last.substr(0, 200) + "..." : last;
}

// The child's verdict in its stdout, or null when it wrote none.
json verdictIn(const std::string& stdout_data) {
  std::istringstream in(stdout_data);
  json verdict;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() != '{') continue;
    json parsed = json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.contains(kVerdictKey)) verdict = std::move(parsed);
  }
  return verdict;
}

// Calls each of `runner`'s methods the slave calls at load. Exceptions are the slave's to report
// (it catches them in-process too); only their names are kept.
json exercise(const LoadedRunner& loaded) {
  const Runner& runner = *loaded.runner;
  json threw = json::array();
  const auto call = [&](const char* what, auto&& body) {
    try {
      body();
    } catch (...) {
      threw.push_back(what);
    }
  };
  call("info()", [&] { (void)runner.info(); });
  SelfTest test;
  call("selfTest()", [&] { test = runner.selfTest(); });
  call("versionCommand()", [&] { (void)runner.versionCommand(); });
  // The real output comes from running the version command, which only the slave does (through
  // its sandbox): here, no output and the fallback version.
  call("parseVersion()", [&] {
    (void)runner.parseVersion("");
    (void)runner.parseVersion(loaded.info.language + " " + loaded.info.version + "\n");
  });
  call("toolchain()", [&] { (void)runner.toolchain(); });
  PrepareInput input;
  input.files = test.files;
  call("prepare()", [&] { (void)runner.prepare(input); });
  return {{"language", loaded.info.language}, {"version", loaded.info.version}, {"threw", threw}};
}

}  // namespace

int runPluginCheck(const std::string& file, std::istream& in, std::ostream& out) {
  const json request = json::parse(in, nullptr, false);
  const json given = request.is_object() ? request.value("settings", json()) : json();
  if (!given.is_object()) {
    out << "\n" << json{{kVerdictKey, "bad request"}}.dump() << std::endl;
    return 2;
  }
  PluginSettings settings;
  for (const auto& [key, value] : given.items())
    if (value.is_string()) settings[key] = value.get<std::string>();

  json runners = json::array();
  std::string error;
  {
    // `file` is already the slave's private copy: loaded as it is, so that nothing is left
    // behind when the plugin kills this process.
    PluginLoadResult loaded = loadPlugin(file, settings);
    error = loaded.error;
    for (const auto& runner : loaded.runners) runners.push_back(exercise(runner));
  }  // the runners and the library go here: its destructors are checked too
  std::fflush(nullptr);
  out << "\n"
      << json{{kVerdictKey, "finished"}, {"runners", runners}, {"error", error}}.dump()
      << std::endl;
  return 0;
}

Status checkPluginInChild(const std::vector<std::string>& command, const std::string& file,
                          const PluginSettings& settings, int64_t wall_ms) try {
  ProcessSpec spec;
  spec.argv = command;
  spec.argv.push_back(file);
  spec.cwd = "/";
  // The factory sees the environment it would see in the slave.
  for (char** e = environ; e && *e; ++e) spec.env.emplace_back(*e);
  spec.stdin_data = json{{"settings", settings}}.dump();
  spec.limits.wall_ms = wall_ms;
  spec.limits.cpu_ms = 0;  // a busy loop ends at the wall limit, reported as a hang
  spec.limits.output_bytes = 64 << 10;
  spec.limits.open_files = 1024;
  const ProcessResult r = makeProcessSandbox()->run(spec);

  const std::string not_loaded = "; the slave did not load it";
  const std::string debug_it =
      "; fix the plugin (polyrun-slave --check-plugin FILE shows it: docs/plugins.md, section 7)";
  const std::string printed = lastLine(r.stderr_data);
  const std::string said = printed.empty() ? "" : " (it printed: " + printed + ")";
  if (!r.started)
    return Status::unavailable("cannot be checked in a child process (" + r.error + ")" +
                               not_loaded + "; the slave runs the check as " + command.front() +
                               ": make sure it can start processes");
  if (r.wall_timeout)
    return Status::timedOut("hung while loading: killed after " + std::to_string(r.wall_ms) +
                            " ms in its static constructors, factory or runner methods" +
                            not_loaded +
                            "; fix the plugin, or raise slave.selftest.wall_ms if it is only slow");
  if (r.signal != 0)
    return Status::internal("crashed while loading (" + signalName(r.signal) +
                            " in its static constructors, factory, runner methods or "
                            "destructors)" +
                            not_loaded + said + debug_it);
  if (r.exit_code != 0)
    return Status::internal("exited with code " + std::to_string(r.exit_code) +
                            " while loading (its static constructors, factory or runner methods "
                            "called exit())" +
                            not_loaded + said + debug_it);
  const json verdict = verdictIn(r.stdout_data);
  if (verdict.value(kVerdictKey, "") != "finished")
    return Status::internal(
        "ended while loading without finishing its check (exit code 0: its static constructors, "
        "factory or runner methods called exit(0)?)" +
        not_loaded + said + debug_it);
  return Status::ok();
} catch (const std::exception& e) {  // no memory for the request or the result
  return Status::unavailable(std::string("cannot be checked in a child process now: ") + e.what() +
                             "; the slave did not load it");
}

}  // namespace polyrun::slave
