# The plugin SDK that `cmake --install` lays out: the SDK, protocol and runtime headers and
# libraries, the runner helpers, and a CMake package so that an out-of-tree plugin builds with find_package(polyrun)
# and polyrun_add_runner() (docs/plugins.md). Included once, after every target is defined.
include(CMakePackageConfigHelpers)

set(POLYRUN_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/polyrun)

# libpolyrun_protocol and libpolyrun_runtime are installed (into the same export set) by their
# folders' CMakeLists.txt; the service library is not part of the SDK (it is Poco's world).
install(TARGETS polyrun_plugin_sdk polyrun_runner_support EXPORT polyrunTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/sdk/include/polyrun
                  ${PROJECT_SOURCE_DIR}/core/protocol/include/polyrun
                  ${PROJECT_SOURCE_DIR}/core/runtime/include/polyrun
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
