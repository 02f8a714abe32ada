# polyrun_add_runner(NAME <name> SOURCES <file>... [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds the runner plugin polyrun_<name>.so: a CMake MODULE (loaded by the slave with dlopen,
# never linked against) compiled with the polyrun SDK. The target is named polyrun_<name>; add
# sources, definitions or libraries to it as to any target.
#
# - Compiles against the plugin SDK's headers (core/sdk) with BOOST_DLL_USE_STD_FS, as the slave does, and
#   links the runner helpers (polyrun/runner_support.h) statically; no polyrun library, which the
#   slave has loaded already.
# - Hidden visibility: the plugin exports only what POLYRUN_DECLARE_PLUGIN declares.
# - An undefined symbol fails the link, not the slave's dlopen (except in sanitizer builds,
#   whose runtimes are resolved at load time).
# - Output: OUTPUT_DIRECTORY, else ${POLYRUN_PLUGIN_OUTPUT_DIR} when set, else CMake's default.
# - Installs into <libdir>/polyrun/plugins unless NO_INSTALL.
#
# Written once for polyrun's own plugins (plugins/CMakeLists.txt) and for out-of-tree plugins,
# which get it from find_package(polyrun) (see docs/plugins.md).
include_guard(GLOBAL)
include(GNUInstallDirs)

function(polyrun_add_runner)
  cmake_parse_arguments(PARSE_ARGV 0 arg "NO_INSTALL" "NAME;OUTPUT_DIRECTORY" "SOURCES")
  if(NOT arg_NAME OR NOT arg_SOURCES)
    message(FATAL_ERROR "polyrun_add_runner needs NAME and SOURCES")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "polyrun_add_runner: unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET polyrun::runner_support)
    message(FATAL_ERROR "polyrun_add_runner: call find_package(polyrun) first")
  endif()
  set(target polyrun_${arg_NAME})
  add_library(${target} MODULE ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE polyrun::runner_support)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    INSTALL_RPATH "")
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${arg_OUTPUT_DIRECTORY})
  elseif(POLYRUN_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY ${POLYRUN_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT POLYRUN_SANITIZE)
    target_link_options(${target} PRIVATE LINKER:--no-undefined)
  endif()
  if(NOT arg_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/polyrun/plugins)
  endif()
endfunction()
