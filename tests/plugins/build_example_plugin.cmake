# cmake -DBUILD_DIR=... -DPREFIX=... -DSOURCE_DIR=... -DEXAMPLE_BUILD_DIR=... -DCXX_COMPILER=...
#       [-DSANITIZE=ON] -P build_example_plugin.cmake
# Installs the polyrun build in BUILD_DIR into PREFIX, then configures and builds the plugin in
# SOURCE_DIR against that installation only (find_package(polyrun) through CMAKE_PREFIX_PATH).
foreach(var BUILD_DIR PREFIX SOURCE_DIR EXAMPLE_BUILD_DIR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_example_plugin.cmake needs -D${var}=...")
  endif()
endforeach()

# From scratch every time: nothing left over from an earlier polyrun or configuration.
file(REMOVE_RECURSE ${PREFIX} ${EXAMPLE_BUILD_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
# A sanitizer build's runner helpers need the sanitizer runtimes, which the slave provides.
set(sanitize_args "")
if(SANITIZE)
  set(sanitize_args -DPOLYRUN_SANITIZE=ON "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${EXAMPLE_BUILD_DIR}
                        -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
                        -DCMAKE_BUILD_TYPE=RelWithDebInfo ${sanitize_args}
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${EXAMPLE_BUILD_DIR}
                COMMAND_ERROR_IS_FATAL ANY)
