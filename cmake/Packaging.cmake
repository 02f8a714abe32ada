# The installed layout beyond the targets' own install() rules, and the Debian packages.
#
#   bin/                        polyrun-master, polyrun-slave, polyrun, polyrun-gui
#   lib/ (CMAKE_INSTALL_LIBDIR) libpolyrun_{protocol,runtime,service}.so.*; the SDK's static libraries and CMake package
#   lib/polyrun/plugins/        the runner plugins and the language definitions <name>.toml
#                               (under CMAKE_INSTALL_LIBDIR)
#   etc/polyrun/                master.properties, slave.properties (/etc/polyrun for prefix /usr)
#   lib/systemd/system/         polyrun-master.service, polyrun-slave.service
#   share/doc/polyrun/          README.md and docs/*.md
#
# Components (one Debian package each): common (core library, the CLI, docs), master, slave,
# plugins, languages (the toolchains of every language definition), gui, dev. Included by the top-level CMakeLists.txt after every target is defined;
# each folder's install() rules got their component from CMAKE_INSTALL_DEFAULT_COMPONENT_NAME.

# The slave looks for plugins in bin/../<libdir>/polyrun/plugins once installed.
target_compile_definitions(polyrun-slave PRIVATE POLYRUN_INSTALL_LIBDIR="${CMAKE_INSTALL_LIBDIR}")

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/install.md
              ${PROJECT_SOURCE_DIR}/docs/configuration.md ${PROJECT_SOURCE_DIR}/docs/sandbox.md
              ${PROJECT_SOURCE_DIR}/docs/architecture.md ${PROJECT_SOURCE_DIR}/docs/protocol.md
              ${PROJECT_SOURCE_DIR}/docs/cli.md ${PROJECT_SOURCE_DIR}/docs/plugins.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/polyrun COMPONENT common)
install(FILES ${PROJECT_SOURCE_DIR}/config/master.properties ${PROJECT_SOURCE_DIR}/config/slave.properties
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/polyrun/examples COMPONENT common)

set(POLYRUN_PACKAGING_DIR ${CMAKE_BINARY_DIR}/packaging)
foreach(role master slave)
  file(CONFIGURE OUTPUT ${POLYRUN_PACKAGING_DIR}/install-${role}.cmake CONTENT
"set(POLYRUN_ROLE ${role})
set(POLYRUN_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(POLYRUN_STAGING_DIR \"${POLYRUN_PACKAGING_DIR}\")
include(\"${PROJECT_SOURCE_DIR}/cmake/PolyrunInstallService.cmake\")
")
  install(SCRIPT ${POLYRUN_PACKAGING_DIR}/install-${role}.cmake COMPONENT ${role})
endforeach()

# ---- Language definitions: plugins/languages/<name>.toml ----
# Installed with the plugins: a language whose toolchain is missing is not offered, so every
# definition can be there and the operator picks by installing toolchains (docs/install.md,
# "Languages"). polyrun-languages depends on every definition's toolchain packages: the
# top-level `packages = [...]` line, as scripts/setup-deps.sh reads it (one reader for both).
file(GLOB polyrun_language_definitions CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/plugins/languages/*.toml)
# Edit a definition's packages and the next build reconfigures.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${polyrun_language_definitions}
             ${PROJECT_SOURCE_DIR}/scripts/setup-deps.sh)
execute_process(COMMAND ${PROJECT_SOURCE_DIR}/scripts/setup-deps.sh --list-languages
                OUTPUT_VARIABLE polyrun_language_table ERROR_VARIABLE error RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "scripts/setup-deps.sh --list-languages failed (${status}): ${error}")
endif()
# One line per language: its name and its packages ("-" for none).
string(REPLACE "\n" ";" lines "${polyrun_language_table}")
set(polyrun_language_packages "")
foreach(line ${lines})
  separate_arguments(words UNIX_COMMAND "${line}")
  list(REMOVE_AT words 0)  # the language
  list(REMOVE_ITEM words "-")
  list(APPEND polyrun_language_packages ${words})
endforeach()
list(REMOVE_DUPLICATES polyrun_language_packages)
list(SORT polyrun_language_packages)
install(FILES ${polyrun_language_definitions}
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/polyrun/plugins COMPONENT plugins)
# polyrun-languages holds no program, only this list of what it pulls (a package needs a file).
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/packaging/languages.txt CONTENT
"The language definitions in <libdir>/polyrun/plugins and the Debian packages of their toolchains:
\${polyrun_language_table}")
install(FILES ${CMAKE_BINARY_DIR}/packaging/languages.txt
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/polyrun-languages COMPONENT languages)

# ---- Debian packages: `cpack -G DEB` in the build folder (docs/install.md) ----
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME polyrun)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "polyrun maintainers <polyrun@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "cluster that compiles and runs untrusted code")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://example.invalid/polyrun")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The install scripts above choose /etc/polyrun from the prefix; CPack must install with the
# real prefix (/usr) under DESTDIR for that, not with a staging prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The libpolyrun_* libraries come from polyrun-common (an explicit dependency below), not from a package
# dpkg-shlibdeps knows.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_LIBRARY_OUTPUT_DIRECTORY})
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_COMPONENTS_ALL common master slave plugins languages dev)
if(POLYRUN_BUILD_GUI)
  list(APPEND CPACK_COMPONENTS_ALL gui)
endif()
set(polyrun_same_version "(= ${PROJECT_VERSION})")

set(CPACK_DEBIAN_COMMON_PACKAGE_NAME polyrun-common)
set(CPACK_COMPONENT_COMMON_DESCRIPTION "polyrun: core library, the polyrun command-line client and documentation")

set(CPACK_DEBIAN_MASTER_PACKAGE_NAME polyrun-master)
set(CPACK_COMPONENT_MASTER_DESCRIPTION "polyrun master: routes code-execution jobs from clients to slaves (systemd service)")
set(CPACK_DEBIAN_MASTER_PACKAGE_DEPENDS "polyrun-common ${polyrun_same_version}, passwd, init-system-helpers")
set(CPACK_DEBIAN_MASTER_PACKAGE_CONTROL_EXTRA
  "${POLYRUN_PACKAGING_DIR}/debian-master/postinst;${POLYRUN_PACKAGING_DIR}/debian-master/prerm;${POLYRUN_PACKAGING_DIR}/debian-master/postrm;${POLYRUN_PACKAGING_DIR}/debian-master/conffiles")

set(CPACK_DEBIAN_SLAVE_PACKAGE_NAME polyrun-slave)
set(CPACK_COMPONENT_SLAVE_DESCRIPTION "polyrun slave: runs code-execution jobs in a namespace sandbox (systemd service)")
set(CPACK_DEBIAN_SLAVE_PACKAGE_DEPENDS "polyrun-common ${polyrun_same_version}, passwd, init-system-helpers")
set(CPACK_DEBIAN_SLAVE_PACKAGE_RECOMMENDS "polyrun-plugins ${polyrun_same_version}")
set(CPACK_DEBIAN_SLAVE_PACKAGE_CONTROL_EXTRA
  "${POLYRUN_PACKAGING_DIR}/debian-slave/postinst;${POLYRUN_PACKAGING_DIR}/debian-slave/prerm;${POLYRUN_PACKAGING_DIR}/debian-slave/postrm;${POLYRUN_PACKAGING_DIR}/debian-slave/conffiles")

set(CPACK_DEBIAN_PLUGINS_PACKAGE_NAME polyrun-plugins)
set(CPACK_COMPONENT_PLUGINS_DESCRIPTION "polyrun runner plugins: Python, C, C++, Java and the language definitions")
# A plugin advertises its language only when its tools are there (its self-test passes).
set(CPACK_DEBIAN_PLUGINS_PACKAGE_DEPENDS "polyrun-slave ${polyrun_same_version}")
set(CPACK_DEBIAN_PLUGINS_PACKAGE_RECOMMENDS "python3, gcc, g++, openjdk-17-jdk-headless | default-jdk-headless")
set(CPACK_DEBIAN_PLUGINS_PACKAGE_SUGGESTS "polyrun-languages")

set(CPACK_DEBIAN_LANGUAGES_PACKAGE_NAME polyrun-languages)
set(CPACK_COMPONENT_LANGUAGES_DESCRIPTION "polyrun: the toolchains of every language polyrun-plugins defines")
list(JOIN polyrun_language_packages ", " polyrun_language_depends)
set(CPACK_DEBIAN_LANGUAGES_PACKAGE_DEPENDS "polyrun-plugins ${polyrun_same_version}")
if(polyrun_language_depends)
  string(APPEND CPACK_DEBIAN_LANGUAGES_PACKAGE_DEPENDS ", ${polyrun_language_depends}")
endif()
set(CPACK_DEBIAN_LANGUAGES_PACKAGE_ARCHITECTURE all)

set(CPACK_DEBIAN_GUI_PACKAGE_NAME polyrun-gui)
set(CPACK_COMPONENT_GUI_DESCRIPTION "polyrun desktop client (Qt 6)")
set(CPACK_DEBIAN_GUI_PACKAGE_DEPENDS "polyrun-common ${polyrun_same_version}")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME polyrun-dev)
set(CPACK_COMPONENT_DEV_DESCRIPTION "polyrun plugin SDK: headers, libraries and CMake package for runner plugins")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "polyrun-common ${polyrun_same_version}, cmake (>= 3.25), g++, libpoco-dev, libboost-dev, nlohmann-json3-dev")
include(CPack)
