# The plugin SDK, installed with the engine (component `engine`, so in the
# topolab-engine package): the engine's public headers, a CMake package
# config (find_package(TopoLab) -> topolab::engine) and a pkg-config file
# (topolab-engine). Both are relocatable.
include(CMakePackageConfigHelpers)

file(STRINGS "${PROJECT_SOURCE_DIR}/engine/include/topolab/engine/plugin.h" _sdk_line
     REGEX "^#define TOPOLAB_SDK_VERSION [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" TOPOLAB_SDK_VERSION "${_sdk_line}")

set(_sdk_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/TopoLab")
set(_sdk_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
file(RELATIVE_PATH TOPOLAB_CONFIG_TO_PREFIX "/${_sdk_cmake_dir}" "/")
file(RELATIVE_PATH TOPOLAB_PC_TO_PREFIX "/${_sdk_pc_dir}" "/")
string(REGEX REPLACE "/$" "" TOPOLAB_PC_TO_PREFIX "${TOPOLAB_PC_TO_PREFIX}")

set(_sdk_out "${PROJECT_BINARY_DIR}/sdk")
configure_file("${PROJECT_SOURCE_DIR}/cmake/sdk/TopoLabConfig.cmake.in" "${_sdk_out}/TopoLabConfig.cmake" @ONLY)
write_basic_package_version_file("${_sdk_out}/TopoLabConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY ExactVersion)
configure_file("${PROJECT_SOURCE_DIR}/cmake/sdk/topolab-engine.pc.in" "${_sdk_out}/topolab-engine.pc" @ONLY)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/engine/include/topolab/engine"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/topolab" COMPONENT engine
        FILES_MATCHING PATTERN "*.h")
install(FILES "${_sdk_out}/TopoLabConfig.cmake" "${_sdk_out}/TopoLabConfigVersion.cmake"
        DESTINATION "${_sdk_cmake_dir}" COMPONENT engine)
install(FILES "${_sdk_out}/topolab-engine.pc" DESTINATION "${_sdk_pc_dir}" COMPONENT engine)
unset(_sdk_line)
unset(_sdk_out)
