# Sourced by build.sh and package.sh: Debian's hardening flags (fortify,
# stack protector, relro, bind-now), as a debhelper build uses them, and the
# /usr prefix. The tested build and the packages' build compile alike, so
# package.sh can package the tested build without compiling it again.
# -g is left to the build type (the packaged files are stripped).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CXXFLAGS_MAINT_STRIP=-g
deb_cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
deb_ldflags=$(dpkg-buildflags --get LDFLAGS)
deb_cmake_flags=(-DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_CXX_FLAGS="$deb_cxxflags"
  -DCMAKE_EXE_LINKER_FLAGS="$deb_ldflags" -DCMAKE_SHARED_LINKER_FLAGS="$deb_ldflags"
  -DCMAKE_MODULE_LINKER_FLAGS="$deb_ldflags")
