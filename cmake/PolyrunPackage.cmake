# The plugin SDK that `cmake --install` lays out: core's public headers and library, the runner
# helpers, and a CMake package so that an out-of-tree plugin builds with find_package(polyrun)
# and polyrun_add_runner() (docs/plugins.md). Included once, after every target is defined.
include(CMakePackageConfigHelpers)

set(POLYRUN_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/polyrun)

# polyrun_core is installed (into the same export set) by core/CMakeLists.txt.
set_target_properties(polyrun_core PROPERTIES EXPORT_NAME core)
install(TARGETS polyrun_plugin_sdk polyrun_runner_support EXPORT polyrunTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/polyrun
                  ${PROJECT_SOURCE_DIR}/plugins/sdk/include/polyrun
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT polyrunTargets NAMESPACE polyrun:: DESTINATION ${POLYRUN_CMAKE_INSTALL_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/polyrunConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/polyrunConfig.cmake
  INSTALL_DESTINATION ${POLYRUN_CMAKE_INSTALL_DIR})
# 0.x: a minor version may change the plugin ABI (kPluginAbiVersion), so only the same minor
# version is compatible.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/polyrunConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/polyrunConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/polyrunConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/PolyrunAddRunner.cmake
  DESTINATION ${POLYRUN_CMAKE_INSTALL_DIR})
