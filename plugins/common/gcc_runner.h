// The runner shared by the C and C++ plugins: GCC compiles every source into ./main, which runs.
// Both dialects are described side by side in gcc_runner.cc; each plugin picks its own.
#pragma once

#include "polyrun/runner.h"

namespace polyrun::runners {

enum class GccDialect { kC, kCpp };

// Settings read (C / C++): "gcc" / "gxx", the compiler's absolute path (default /usr/bin/gcc,
// /usr/bin/g++); "cflags" / "cxxflags" (default "-std=c17 -O2 -pipe", "-std=c++17 -O2 -pipe");
// "ldflags", placed after the sources (default "-lm"). A missing compiler is an error in the
// result. Never throws.
CreateResult createGccRunners(const PluginSettings& settings, GccDialect dialect) noexcept;

}  // namespace polyrun::runners
