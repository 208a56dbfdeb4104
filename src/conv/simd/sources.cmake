# src/conv/simd: the row loops, built once per instruction set and chosen at run time.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/pixel_rows_avx2.c
  ${CMAKE_CURRENT_LIST_DIR}/rowconv_scalar.c
  ${CMAKE_CURRENT_LIST_DIR}/simd.c
)

# The row loop is built once per instruction set and chosen at run time (simd.c);
# -ffp-contract=fast lets the AVX2/AVX-512 builds use FMA. Elsewhere: portable C only.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  set(CONVTOOL_X86_64 ON)
  list(APPEND CONVTOOL_LIB_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/rowconv_sse2.c
    ${CMAKE_CURRENT_LIST_DIR}/rowconv_avx2.c
    ${CMAKE_CURRENT_LIST_DIR}/rowconv_avx512.c)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/rowconv_sse2.c PROPERTIES
                              COMPILE_OPTIONS "-msse2;-ffp-contract=fast")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/rowconv_avx2.c PROPERTIES
                              COMPILE_OPTIONS "-mavx2;-mfma;-ffp-contract=fast")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/rowconv_avx512.c PROPERTIES
                              COMPILE_OPTIONS "-mavx512f;-mfma;-ffp-contract=fast")
endif()
