// The exported part of a test plugin; POLYRUN_TEST_FAULT names its behaviour (test_runner.h).
#include <csignal>

#include "polyrun/plugin_macros.h"
#include "test_runner.h"

#if defined(POLYRUN_TEST_FAULT_NO_ALIASES)

// A shared library like any other: it exports something, but not what a polyrun plugin must.
extern "C" BOOST_SYMBOL_EXPORT int polyrun_test_not_a_plugin() { return 42; }

#else

namespace {

#if defined(POLYRUN_TEST_FAULT_STATIC_CRASHES)
// Runs when the library is loaded, before the loader reads anything of it.
[[maybe_unused]] const int kCrashAtLoad = [] { return std::raise(SIGSEGV); }();
#endif

polyrun::CreateResult createRunners(const polyrun::PluginSettings& settings) {
  return polyrun::test::createTestRunners(settings, POLYRUN_TEST_FAULT);
}

}  // namespace

#if defined(POLYRUN_TEST_FAULT_WRONG_ABI)
// What a plugin built against another polyrun looks like.
namespace polyrun_test_exports {
const int abi_version = polyrun::kPluginAbiVersion + 100;
}
BOOST_DLL_ALIAS(polyrun_test_exports::abi_version, polyrun_abi_version)
BOOST_DLL_ALIAS(createRunners, polyrun_create_runners)
#else
POLYRUN_DECLARE_PLUGIN(createRunners)
#endif

#endif
