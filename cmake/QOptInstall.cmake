# What `cmake --install <build> --prefix P` puts under P: what embedding a compiled model needs and
# nothing of LLVM or MLIR (the runtime uses neither; qopt's static libraries are internal).
#   P/lib/libqopt_runtime.so.<soversion>   the runtime, exporting only the C API
#   P/include/qopt/Runtime/qopt_runtime.h  its one header (C, depends only on <stddef.h>/<stdint.h>)
#   P/lib/cmake/qopt/                      find_package(qopt) -> imported target qopt::runtime
#   P/lib/pkgconfig/qopt.pc                pkg-config --cflags --libs qopt
#   P/bin/                                 qopt-compile, qopt-run, qopt-opt, qopt-translate
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(QOPT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/qopt)

# 0.x releases may change the C API between minor versions, so the minor version is part of the
# soname until 1.0.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(QOPT_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(QOPT_SOVERSION ${PROJECT_VERSION_MAJOR})
endif()
set_target_properties(qopt_runtime PROPERTIES
  VERSION ${PROJECT_VERSION}
  SOVERSION ${QOPT_SOVERSION}
  EXPORT_NAME runtime)
# Only for consumers of the installed package: inside the build, the C test program keeps seeing
# nothing but the header's own directory (test/Runtime/CMakeLists.txt).
target_include_directories(qopt_runtime INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

install(TARGETS qopt_runtime EXPORT qoptTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/qopt/Runtime/qopt_runtime.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qopt/Runtime)
install(EXPORT qoptTargets NAMESPACE qopt:: FILE qoptTargets.cmake
  DESTINATION ${QOPT_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/qoptConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/qoptConfig.cmake
  INSTALL_DESTINATION ${QOPT_INSTALL_CMAKEDIR})
# Same rule as the soname: before 1.0 a package satisfies a request for its own minor version only.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(QOPT_COMPATIBILITY SameMinorVersion)
else()
  set(QOPT_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/qoptConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${QOPT_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/cmake/qoptConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/qoptConfigVersion.cmake
  DESTINATION ${QOPT_INSTALL_CMAKEDIR})

# The .pc file finds the prefix from its own location, so it stays right under any --prefix.
file(RELATIVE_PATH QOPT_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" QOPT_PC_TO_PREFIX "${QOPT_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/qopt.pc.in ${PROJECT_BINARY_DIR}/cmake/qopt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/qopt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The user-facing tools (not the test-only ones). Their RUNPATH finds LLVM where it was found at
# build time.
install(TARGETS qopt-compile qopt-run qopt-opt qopt-translate
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
