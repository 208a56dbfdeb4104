# The library's sources, folder by folder (src/README.md gives each folder's
# rules). Each folder lists its own files; conv/simd also sets their flags.
set(CONVTOOL_LIB_SOURCES)
foreach(folder common files sandbox codec image conv conv/simd kernel)
  include(${CMAKE_CURRENT_LIST_DIR}/${folder}/sources.cmake)
endforeach()
