# Installation: `cmake --install BUILD [--prefix DIR]` puts, under GNUInstallDirs,
#   bin/convtool                              (linked statically with libconvtool)
#   lib/libconvtool.so.1.0.0 (+ .so.1, .so)   (exports the CONVTOOL_API functions only)
#   lib/libconvtool.a
#   include/convtool/convtool.h
#   share/convtool/kernels/*.txt, FORMAT.md   (the same kernels are compiled in)
#   share/man/man1/convtool.1
#   share/bash-completion/completions/convtool, share/zsh/site-functions/_convtool
#   lib/pkgconfig/convtool.pc, lib/cmake/convtool/convtool{Config,ConfigVersion,Targets}.cmake
#
# The pkg-config Requires.private/Libs.private and the CMake package's
# find_dependency() calls are derived from convtool_lib's LINK_LIBRARIES at the
# end of configuration, so a dependency added with
#   find_package(ZLIB) + target_link_libraries(convtool_lib PRIVATE ZLIB::ZLIB)   or
#   pkg_check_modules(TJ IMPORTED_TARGET libturbojpeg) + ... PkgConfig::TJ
# shows up in both without further work (see convtool_translate_link_item for
# the targets it knows). Anything else can be declared by appending to
#   CONVTOOL_PC_REQUIRES_PRIVATE   pkg-config modules, e.g. "foo >= 1.2"
#   CONVTOOL_PC_LIBS_PRIVATE       linker flags, e.g. -lfoo
#   CONVTOOL_CONFIG_DEPENDENCIES   lines of CMake for the package file, e.g. "find_dependency(Foo)"
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(CONVTOOL_SHARED "Build and install the shared library libconvtool.so" ON)
set(CONVTOOL_KERNELS_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/convtool/kernels)
set(CONVTOOL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/convtool)

# The shared library is linked from the static library's own objects, so it
# is compiled once and gets every setting the library target has.
set_target_properties(convtool_lib PROPERTIES POSITION_INDEPENDENT_CODE ON
                                              EXPORT_NAME convtool_static)
# With -fPIC, GCC assumes exported functions may be interposed and stops
# inlining them within the library; this keeps the code what -fPIE gives.
target_compile_options(convtool_lib PRIVATE
  $<$<C_COMPILER_ID:GNU>:-fno-semantic-interposition>)
if(CONVTOOL_SHARED)
  add_library(convtool_shared SHARED $<TARGET_OBJECTS:convtool_lib>)
  set_target_properties(convtool_shared PROPERTIES
    OUTPUT_NAME convtool EXPORT_NAME convtool
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
  target_include_directories(convtool_shared INTERFACE
    $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>)
  target_link_libraries(convtool_shared PRIVATE $<TARGET_PROPERTY:convtool_lib,LINK_LIBRARIES>)
  # Catch a dependency missing from convtool_lib at link time, not in a user's
  # program. Sanitizer builds leave their runtime's symbols to the executable.
  target_link_options(convtool_shared PRIVATE
    $<$<NOT:$<OR:$<CONFIG:Asan>,$<CONFIG:Tsan>>>:LINKER:--no-undefined>)
endif()

install(TARGETS convtool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/convtool/convtool.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/convtool)
# Every file of kernels/: the kernels (also compiled in) and FORMAT.md.
file(GLOB CONVTOOL_KERNEL_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernels/*)
install(FILES ${CONVTOOL_KERNEL_FILES} DESTINATION ${CONVTOOL_KERNELS_INSTALL_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/man/convtool.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/completions/convtool.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME convtool)
install(FILES ${CMAKE_SOURCE_DIR}/completions/_convtool
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)

# One item of LINK_LIBRARIES to pkg-config and CMake package terms. Appends to
# the caller's pc_requires, pc_libs and config_lines; sets exportable to FALSE
# for a target of this project, which the static library cannot carry.
function(convtool_translate_link_item item)
  set(req ${pc_requires})
  set(libs ${pc_libs})
  set(cfg ${config_lines})
  if(item MATCHES "^\\$<LINK_ONLY:(.*)>$")
    set(item "${CMAKE_MATCH_1}")
  endif()
  if(item STREQUAL "Threads::Threads")
    list(APPEND libs -lpthread)
    list(APPEND cfg "find_dependency(Threads)")
  elseif(item STREQUAL "ZLIB::ZLIB")
    list(APPEND req zlib)
    list(APPEND cfg "find_dependency(ZLIB)")
  elseif(item STREQUAL "PNG::PNG")
    list(APPEND req libpng)
    list(APPEND cfg "find_dependency(PNG)")
  elseif(item STREQUAL "JPEG::JPEG")
    list(APPEND req libjpeg)
    list(APPEND cfg "find_dependency(JPEG)")
  elseif(item MATCHES "^libjpeg-turbo::(turbojpeg|jpeg)(-static)?$")
    if(CMAKE_MATCH_1 STREQUAL "turbojpeg")
      list(APPEND req libturbojpeg)
    else()
      list(APPEND req libjpeg)
    endif()
    list(APPEND cfg "find_dependency(libjpeg-turbo)")
  elseif(item MATCHES "^PkgConfig::(.+)$")
    set(prefix ${CMAKE_MATCH_1})
    set(module ${${prefix}_MODULE_NAME})
    if(NOT module)
      message(AUTHOR_WARNING "convtool: ${item}: no ${prefix}_MODULE_NAME; "
                             "add its module to CONVTOOL_PC_REQUIRES_PRIVATE")
    else()
      list(APPEND req ${module})
      list(APPEND cfg "find_dependency(PkgConfig)"
           "pkg_check_modules(${prefix} REQUIRED QUIET IMPORTED_TARGET ${module})")
    endif()
  elseif(TARGET ${item})
    get_target_property(imported ${item} IMPORTED)
    if(NOT imported)
      set(exportable FALSE PARENT_SCOPE)
    endif()
    message(AUTHOR_WARNING "convtool: convtool_lib links ${item}, which cmake/install.cmake "
            "does not know: declare it in CONVTOOL_PC_* and CONVTOOL_CONFIG_DEPENDENCIES")
  elseif(item MATCHES "^-")
    list(APPEND libs ${item})
  elseif(item MATCHES "(^|/)lib([^/]+)\\.(so|a)(\\.[0-9.]+)?$")
    list(APPEND libs -l${CMAKE_MATCH_2})
  elseif(item MATCHES "^[A-Za-z0-9_+.-]+$")
    list(APPEND libs -l${item})
  else()
    message(AUTHOR_WARNING "convtool: convtool_lib links '${item}', which cmake/install.cmake "
            "cannot translate for convtool.pc and convtoolConfig.cmake")
  endif()
  set(pc_requires ${req} PARENT_SCOPE)
  set(pc_libs ${libs} PARENT_SCOPE)
  set(config_lines ${cfg} PARENT_SCOPE)
endfunction()

# Runs once the whole project is configured, when convtool_lib's link
# libraries are final.
function(convtool_install_package)
  get_target_property(items convtool_lib LINK_LIBRARIES)
  set(pc_requires ${CONVTOOL_PC_REQUIRES_PRIVATE})
  set(pc_libs "")
  set(config_lines "")
  set(exportable TRUE)
  foreach(item IN LISTS items)
    convtool_translate_link_item("${item}")
  endforeach()
  list(APPEND pc_libs ${CONVTOOL_PC_LIBS_PRIVATE})
  list(APPEND config_lines ${CONVTOOL_CONFIG_DEPENDENCIES})
  foreach(var pc_requires pc_libs config_lines)
    list(REMOVE_DUPLICATES ${var})
  endforeach()

  set(export_targets "")
  if(CONVTOOL_SHARED)
    list(APPEND export_targets convtool_shared)
  endif()
  if(exportable)
    list(APPEND export_targets convtool_lib)
  else()
    install(TARGETS convtool_lib ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
  install(TARGETS ${export_targets} EXPORT convtoolTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT convtoolTargets NAMESPACE convtool:: DESTINATION ${CONVTOOL_CMAKE_INSTALL_DIR})

  list(JOIN config_lines "\n" CONVTOOL_CONFIG_DEPENDENCIES)
  configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/convtoolConfig.cmake.in
    ${CMAKE_BINARY_DIR}/convtoolConfig.cmake
    INSTALL_DESTINATION ${CONVTOOL_CMAKE_INSTALL_DIR}
    PATH_VARS CMAKE_INSTALL_INCLUDEDIR CONVTOOL_KERNELS_INSTALL_DIR)
  write_basic_package_version_file(${CMAKE_BINARY_DIR}/convtoolConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
  install(FILES ${CMAKE_BINARY_DIR}/convtoolConfig.cmake
          ${CMAKE_BINARY_DIR}/convtoolConfigVersion.cmake
          DESTINATION ${CONVTOOL_CMAKE_INSTALL_DIR})

  # convtool.pc names the prefix it is installed to (which `cmake --install
  # --prefix` may change), so its last step runs at install time.
  list(JOIN pc_requires ", " CONVTOOL_PC_REQUIRES_PRIVATE)
  list(JOIN pc_libs " " CONVTOOL_PC_LIBS_PRIVATE)
  foreach(kind LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
      set(CONVTOOL_PC_${kind} "${CMAKE_INSTALL_${kind}}")
    else()
      set(CONVTOOL_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
    endif()
  endforeach()
  set(CONVTOOL_PC_KERNELSDIR "\${prefix}/${CONVTOOL_KERNELS_INSTALL_DIR}")
  set(CONVTOOL_PC_PREFIX "@CONVTOOL_PC_PREFIX@") # kept for the install-time step
  configure_file(${CMAKE_SOURCE_DIR}/cmake/convtool.pc.in ${CMAKE_BINARY_DIR}/convtool.pc.in
                 @ONLY)
  install(CODE "set(CONVTOOL_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    configure_file(\"${CMAKE_BINARY_DIR}/convtool.pc.in\"
                   \"${CMAKE_BINARY_DIR}/convtool.pc\" @ONLY)")
  install(FILES ${CMAKE_BINARY_DIR}/convtool.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

if(CMAKE_VERSION VERSION_LESS 3.19)
  convtool_install_package()
else()
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL convtool_install_package)
endif()
