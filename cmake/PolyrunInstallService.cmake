# Runs at install time (install(SCRIPT), see Packaging.cmake) for one service, POLYRUN_ROLE =
# master or slave: writes its configuration, its systemd unit and, for the Debian package, its
# maintainer scripts, for the prefix being installed to. Done at install time rather than at
# configure time because `cmake --install --prefix` and CPack choose the prefix then.
#
# Configuration goes to /etc/polyrun when the prefix is /usr (a package, or a source install
# into /usr), else to <prefix>/etc/polyrun. An existing configuration file is never overwritten
# by `cmake --install`: the new one is written next to it as <name>.dist.
#
# Inputs: POLYRUN_ROLE, POLYRUN_SOURCE_DIR, POLYRUN_STAGING_DIR (a folder for generated files).

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(POLYRUN_ETCDIR "/etc/polyrun")
else()
  set(POLYRUN_ETCDIR "${CMAKE_INSTALL_PREFIX}/etc/polyrun")
endif()
set(POLYRUN_BINDIR "${CMAKE_INSTALL_PREFIX}/bin")
set(POLYRUN_DOCDIR "${CMAKE_INSTALL_PREFIX}/share/doc/polyrun")
set(ROLE "${POLYRUN_ROLE}")
# One folder per destination: installs into different prefixes may run at the same time.
string(MD5 destination "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(out "${POLYRUN_STAGING_DIR}/${ROLE}-${destination}")
file(REMOVE_RECURSE "${out}")
file(MAKE_DIRECTORY "${out}")

# The installed configuration is the example in config/ with what a service on a real machine
# needs instead: state under /var/lib/polyrun, the token in a file, logs in a rotating file.
file(READ "${POLYRUN_SOURCE_DIR}/config/${ROLE}.properties" text)
macro(polyrun_replace from to)
  string(FIND "${text}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "config/${ROLE}.properties no longer contains \"${from}\": "
                        "update cmake/PolyrunInstallService.cmake to match")
  endif()
  string(REPLACE "${from}" "${to}" text "${text}")
endmacro()
polyrun_replace("# Start with: polyrun-${ROLE} --config-file=config/${ROLE}.properties"
  "# The installed configuration: the service runs\n#   polyrun-${ROLE} --config-file=${POLYRUN_ETCDIR}/${ROLE}.properties\n# Restart it after a change: systemctl restart polyrun-${ROLE}")
if(ROLE STREQUAL "master")
  polyrun_replace("master.slave.token = change-me\n# master.slave.token.file = /etc/polyrun/token"
    "master.slave.token.file = ${POLYRUN_ETCDIR}/token")
  polyrun_replace("master.journal.path = /tmp/polyrun-master.journal"
    "master.journal.path = /var/lib/polyrun/master.journal")
  set(ROLE_STATE "/var/lib/polyrun/master.journal /var/lib/polyrun/master.journal-*")
else()
  polyrun_replace("slave.token = change-me\n# slave.token.file = /etc/polyrun/token"
    "slave.token.file = ${POLYRUN_ETCDIR}/token")
  polyrun_replace("slave.work.dir = /tmp/polyrun-slave" "slave.work.dir = /var/lib/polyrun/slave")
  # Toolchains in the unit's CacheDirectory (the default for a non-root slave is under $HOME).
  set(toolchains "slave.toolchains.dir = /var/cache/polyrun/toolchains")
  string(FIND "${text}" "# ${toolchains}" at)
  if(at EQUAL -1)
    string(REPLACE "# ---- logging ----" "${toolchains}\n\n# ---- logging ----" text "${text}")
  else()
    string(REPLACE "# ${toolchains}" "${toolchains}" text "${text}")
  endif()
  set(ROLE_STATE "/var/lib/polyrun/slave /var/cache/polyrun")
endif()
string(FIND "${text}" "# ---- logging ----" begin)
string(FIND "${text}" "# ---- end of logging ----" end)
if(begin EQUAL -1 OR end EQUAL -1)
  message(FATAL_ERROR "config/${ROLE}.properties lacks the logging markers")
endif()
string(SUBSTRING "${text}" 0 ${begin} head)
string(SUBSTRING "${text}" ${end} -1 tail)
string(CONCAT text "${head}" "# ---- logging ----
# Poco logging channels (docs/configuration.md#logging): one line per event with time (UTC),
# level, component (logger name) and message, in /var/log/polyrun/${ROLE}.log, rotated at
# 10 MB; the 10 newest old files are kept (${ROLE}.log.0 is the newest). What goes wrong before
# this file is read (e.g. a missing configuration file) is on stderr: journalctl -u polyrun-${ROLE}.
logging.formatters.polyrun.class = PatternFormatter
logging.formatters.polyrun.pattern = %Y-%m-%d %H:%M:%S.%i %p %s: %t
logging.channels.file.class = FileChannel
logging.channels.file.path = /var/log/polyrun/${ROLE}.log
logging.channels.file.rotation = 10 M
logging.channels.file.archive = number
logging.channels.file.purgeCount = 10
logging.channels.file.formatter = polyrun
logging.loggers.root.channel = file
logging.loggers.root.level = information
" "${tail}")
file(WRITE "${out}/${ROLE}.properties" "${text}")

set(dest "${POLYRUN_ETCDIR}/${ROLE}.properties")
if(EXISTS "$ENV{DESTDIR}${dest}")
  file(READ "$ENV{DESTDIR}${dest}" current)
  if(NOT current STREQUAL text)
    message(STATUS "Keeping the existing ${dest}; the new one is ${dest}.dist")
    file(RENAME "${out}/${ROLE}.properties" "${out}/${ROLE}.properties.dist")
  endif()
endif()
file(GLOB generated "${out}/${ROLE}.properties*")
file(INSTALL ${generated} DESTINATION "${POLYRUN_ETCDIR}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

configure_file("${POLYRUN_SOURCE_DIR}/packaging/systemd/polyrun-${ROLE}.service.in"
               "${out}/polyrun-${ROLE}.service" @ONLY)
file(INSTALL "${out}/polyrun-${ROLE}.service" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")

# Maintainer scripts for the Debian package (CPack reads them from here; see Packaging.cmake),
# whose prefix is /usr.
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  return()
endif()
foreach(script postinst prerm postrm)
  configure_file("${POLYRUN_SOURCE_DIR}/packaging/debian/${script}.in"
                 "${POLYRUN_STAGING_DIR}/debian-${ROLE}/${script}" @ONLY FILE_PERMISSIONS
                 OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
file(WRITE "${POLYRUN_STAGING_DIR}/debian-${ROLE}/conffiles" "${POLYRUN_ETCDIR}/${ROLE}.properties\n")
