# Installs the npm package piston-client (an unchanged Piston client) into PREFIX, outside the
# source tree, for piston_client_test. Run by ctest as the fixture `piston_client`:
#   cmake -DNPM=/usr/bin/npm -DPREFIX=build/npm-cache -P install_piston_client.cmake
# Fails loudly when npm is missing or cannot reach its registry: the test then does not run.
set(version 1.0.2)
set(installed ${PREFIX}/node_modules/piston-client/package.json)
if(EXISTS ${installed})
  file(READ ${installed} manifest)
  if(manifest MATCHES "\"version\": \"${version}\"")
    message(STATUS "piston-client ${version} already in ${PREFIX}")
    return()
  endif()
endif()
if(NOT NPM OR NOT EXISTS "${NPM}")
  message(FATAL_ERROR "npm not found: install Node.js and npm (scripts/setup-deps.sh installs nodejs; "
                      "Debian: apt-get install npm) to run the piston-client test")
endif()
file(MAKE_DIRECTORY ${PREFIX})
execute_process(
  COMMAND ${NPM} install --prefix ${PREFIX} --no-audit --no-fund --no-save piston-client@${version}
  RESULT_VARIABLE failed OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
if(failed OR NOT EXISTS ${installed})
  message(FATAL_ERROR "npm could not install piston-client@${version} into ${PREFIX} (is the npm registry "
                      "reachable? check proxy settings or `npm ping`):\n${out}\n${err}")
endif()
message(STATUS "installed piston-client ${version} into ${PREFIX}")
