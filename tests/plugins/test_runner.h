// The runner behind every test plugin (tests/plugins/CMakeLists.txt builds one library per
// behaviour: the good one and one deliberately broken in each way a plugin can be broken).
//
// The good runner offers "testlang" (alias "tl", extension ".tl"): a program is a shell script
// run by /bin/sh with TESTLANG_VERSION=<its version> in its environment, so a test can tell
// which load ran a job. Settings (slave.plugin.polyrun_test_<behaviour>.*):
//   version       "1.0", or a comma list ("3.0,3.1") for one runner per version
//   version_file  a file whose first line is the version, read at load (wins over `version`)
//   crash         "factory": the factory dies of SIGSEGV (a test that its settings reach the
//                 process checking it; never load it so in a test's own process)
//   crash_if_fd_open  a descriptor number: the factory dies of SIGSEGV when it is open
#pragma once

#include <string_view>

#include "polyrun/runner.h"

namespace polyrun::test {

/// The factory of the test plugin with behaviour `fault` ("good", "prepare_throws", ...).
CreateResult createTestRunners(const PluginSettings& settings, std::string_view fault);

}  // namespace polyrun::test
