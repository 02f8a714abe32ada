// Include once, in one source file of a runner plugin, and name its factory:
//
//   polyrun::CreateResult createRunners(const polyrun::PluginSettings& settings) noexcept;
//   POLYRUN_DECLARE_PLUGIN(createRunners)
#pragma once

#include <boost/dll/alias.hpp>

#include "polyrun/runner.h"

#define POLYRUN_DECLARE_PLUGIN(factory)                                     \
  namespace polyrun_plugin_exports {                                        \
  const int abi_version = ::polyrun::kPluginAbiVersion;                     \
  }                                                                         \
  BOOST_DLL_ALIAS(polyrun_plugin_exports::abi_version, polyrun_abi_version) \
  BOOST_DLL_ALIAS(factory, polyrun_create_runners)
