// A plugin library is trusted code, but a broken one must cost only itself: before the slave
// loads a library, a child process loads it first and calls what the slave calls at load. A
// crash (a signal), an exit() or a hang there refuses the library with the reason; the slave
// itself never ran any of its code.
//
// The child is the slave's own executable started as `polyrun-slave --check-plugin FILE`, with
// the plugin's settings as JSON on its stdin (never argv: a setting may hold a secret). It loads
// FILE with loadPlugin(), calls every runner's info(), selfTest(), versionCommand(),
// parseVersion(), toolchain() and the prepare() of its self-test, releases them all (so the
// library's destructors run too) and prints its verdict on stdout: one JSON line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "polyrun/runner.h"
#include "polyrun/status.h"

namespace polyrun::slave {

/// The slave's first argument that makes it the check's child rather than a slave.
inline constexpr const char* kCheckPluginFlag = "--check-plugin";

/// Runs `command` + `file` (command: the slave's executable and kCheckPluginFlag) in its own
/// process group, `settings` on its stdin, for at most `wall_ms`. `file` should be a private copy
/// that nothing rewrites (PluginLoadOptions::copy_dir): the child loads it as it is. OK when the
/// child loaded `file`, called its runners and said so; otherwise kInternal (it crashed or
/// exited) or kTimedOut (its group was killed at `wall_ms`), with a message that says so and
/// that the slave did not load it. Thread-safe; never throws.
Status checkPluginInChild(const std::vector<std::string>& command, const std::string& file,
                          const PluginSettings& settings, int64_t wall_ms);

/// The child's side: loads `file` with the request read from `in` ({"settings": {...}}), calls
/// every runner's methods and writes the verdict to `out`. A refusal the loader reports (wrong ABI,
/// a factory that threw) is still a finished check: the slave loads the library and reports that
/// refusal itself. The exit code of the child: 0 once the verdict is written, 2 on a request it
/// cannot read.
int runPluginCheck(const std::string& file, std::istream& in, std::ostream& out);

}  // namespace polyrun::slave
