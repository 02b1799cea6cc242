# Install rules and the Debian packages (cpack -G DEB), one per component:
#   topolab-engine  the engine as a private shared library all three share,
#                   and the plugin SDK (headers, TopoLabConfig.cmake, topolab-engine.pc)
#   topolab-agent   the daemon, its systemd unit and /etc/default file
#   topolab-cli     the `topolab` command
#   topolab-studio  the designer, its desktop entry, AppStream metainfo, icons
# Dependencies come from the binaries themselves (dpkg-shlibdeps). Configure
# with -DCMAKE_INSTALL_PREFIX=/usr for packages (packaging/package.sh does).
set(_pkg "${PROJECT_SOURCE_DIR}/packaging")
set(_docs "${PROJECT_BINARY_DIR}/packaging-docs")
set(TOPOLAB_DESKTOP_ID org.topolab.Studio)

# Programs and the library.
# The library needs no search path of its own (its neighbours are system libraries).
set_target_properties(topolab_engine PROPERTIES INSTALL_RPATH "")
install(TARGETS topolab_engine LIBRARY DESTINATION "${TOPOLAB_PRIVATE_LIBDIR}" COMPONENT engine)
# The plugin SDK (headers, CMake package config, pkg-config file) goes with it.
include(TopolabSdk)
install(TARGETS topolab-agent RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT agent)
install(TARGETS topolab RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT cli)
install(TARGETS topolab-studio RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT studio)

# The agent as a service. Debian 12 keeps system units in /lib/systemd/system.
set(TOPOLAB_SYSTEMD_UNITDIR "/lib/systemd/system" CACHE PATH "where the agent's systemd unit goes")
install(FILES "${_pkg}/systemd/topolab-agent.service" DESTINATION "${TOPOLAB_SYSTEMD_UNITDIR}" COMPONENT agent)
install(FILES "${_pkg}/systemd/topolab-agent.default" DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/default"
        RENAME topolab-agent COMPONENT agent)

# The studio on the desktop.
install(FILES "${_pkg}/desktop/${TOPOLAB_DESKTOP_ID}.desktop"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/applications" COMPONENT studio)
install(FILES "${_pkg}/desktop/${TOPOLAB_DESKTOP_ID}.metainfo.xml"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo" COMPONENT studio)
install(FILES "${PROJECT_SOURCE_DIR}/resources/icons/${TOPOLAB_DESKTOP_ID}.svg"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps" COMPONENT studio)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/resources/icons/hicolor/"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor" COMPONENT studio
        FILES_MATCHING PATTERN "*.png")

# Man pages and the changelog, compressed as Debian expects (gzip -n: no
# time stamp, so the same sources give the same package).
set(_gz_outputs "")
foreach(entry IN ITEMS "man/topolab-agent.8" "man/topolab.1" "man/topolab-studio.1" "debian/changelog")
  get_filename_component(name "${entry}" NAME)
  add_custom_command(OUTPUT "${_docs}/${name}.gz"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${_docs}"
    COMMAND gzip -9nc "${_pkg}/${entry}" > "${_docs}/${name}.gz"
    DEPENDS "${_pkg}/${entry}" VERBATIM)
  list(APPEND _gz_outputs "${_docs}/${name}.gz")
endforeach()
add_custom_target(topolab_package_docs ALL DEPENDS ${_gz_outputs})
install(FILES "${_docs}/topolab-agent.8.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man8" COMPONENT agent)
install(FILES "${_docs}/topolab.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT cli)
install(FILES "${_docs}/topolab-studio.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT studio)

set(_components engine agent cli studio)
foreach(component IN LISTS _components)
  install(FILES "${_pkg}/debian/copyright" "${_docs}/changelog.gz"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/topolab-${component}" COMPONENT ${component})
endforeach()

# CPack: Debian packages.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME topolab)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "TopoLab")
set(CPACK_PACKAGE_CONTACT "TopoLab team <topolab@example.org>" CACHE STRING "Maintainer of the Debian packages")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL ${_components})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SOURCE topolab)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps runs in each component's staging folder; the engine's is a sibling.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "../engine${CMAKE_INSTALL_PREFIX}/${TOPOLAB_PRIVATE_LIBDIR}")
set(_needs_engine "topolab-engine (= ${PROJECT_VERSION})")

set(CPACK_DEBIAN_ENGINE_PACKAGE_NAME topolab-engine)
set(CPACK_DEBIAN_ENGINE_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_ENGINE_DESCRIPTION "TopoLab engine (private library) and plugin SDK
The stream-topology engine shared by topolab-agent, topolab-cli and
topolab-studio: topology files, the runtime, components and metrics.
With its public headers, a CMake package config (find_package(TopoLab))
and a pkg-config file (topolab-engine) to build component-type plugins.")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME topolab-agent)
set(CPACK_DEBIAN_AGENT_PACKAGE_SECTION net)
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "${_needs_engine}, adduser")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
  "${_pkg}/debian/topolab-agent/conffiles"
  "${_pkg}/debian/topolab-agent/postinst"
  "${_pkg}/debian/topolab-agent/prerm"
  "${_pkg}/debian/topolab-agent/postrm")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_AGENT_DESCRIPTION "TopoLab agent: runs stream topologies on a lab node
topolab-agent takes deployments of stream topologies over gRPC and runs
them with the TopoLab engine. It runs as a hardened systemd service under
the topolab system user, listens on loopback until configured otherwise in
/etc/default/topolab-agent, and needs a token for every call.")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME topolab-cli)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "${_needs_engine}")
set(CPACK_COMPONENT_CLI_DESCRIPTION "TopoLab command: validate, run and deploy stream topologies
The topolab command checks topology files, runs them in-process with live
metrics, deploys them on a cluster of topolab-agent nodes, injects faults
and exports diagrams.")

set(CPACK_DEBIAN_STUDIO_PACKAGE_NAME topolab-studio)
set(CPACK_DEBIAN_STUDIO_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_STUDIO_PACKAGE_DEPENDS "${_needs_engine}")
# The local lab starts topolab-agent from next to the studio.
set(CPACK_DEBIAN_STUDIO_PACKAGE_RECOMMENDS topolab-agent)
set(CPACK_COMPONENT_STUDIO_DESCRIPTION "TopoLab Studio: design stream topologies on a canvas
A Qt desktop application for drawing stream topologies (producers, bolts,
sinks, load balancers, replica sets) with inline validation, undo and the
same file format as the topolab command.")

include(CPack)
