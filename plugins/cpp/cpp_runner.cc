// The C++ runner plugin: g++, C++17, linked with libm (see common/gcc_runner.h for its settings).
#include "common/gcc_runner.h"
#include "polyrun/plugin_macros.h"

namespace {

polyrun::CreateResult createRunners(const polyrun::PluginSettings& settings) {
  return polyrun::runners::createGccRunners(settings, polyrun::runners::GccDialect::kCpp);
}

}  // namespace

POLYRUN_DECLARE_PLUGIN(createRunners)
