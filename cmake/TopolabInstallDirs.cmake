# Where `cmake --install` and the Debian packages put things. Included before
# any target exists, so every installed program finds the private engine
# library next to it: <prefix>/<libdir>/topolab, by a RUNPATH relative to
# $ORIGIN (the tree also runs where `dpkg -x` unpacked it).
include(GNUInstallDirs)

set(TOPOLAB_PRIVATE_LIBDIR "${CMAKE_INSTALL_LIBDIR}/topolab")
file(RELATIVE_PATH _topolab_bin_to_lib "/${CMAKE_INSTALL_BINDIR}" "/${TOPOLAB_PRIVATE_LIBDIR}")
set(CMAKE_INSTALL_RPATH "$ORIGIN/${_topolab_bin_to_lib}")
unset(_topolab_bin_to_lib)
