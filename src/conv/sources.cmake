# src/conv: the convolution: geometry, plans, the banded core, the FFT tiles and the method
# choice, padding, value maps, combining.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/combine.c
  ${CMAKE_CURRENT_LIST_DIR}/conv.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_pixels.c
  ${CMAKE_CURRENT_LIST_DIR}/strip.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_plan.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_run.c
  ${CMAKE_CURRENT_LIST_DIR}/core.c
  ${CMAKE_CURRENT_LIST_DIR}/deinterleave.c
  ${CMAKE_CURRENT_LIST_DIR}/fft_plan.c
  ${CMAKE_CURRENT_LIST_DIR}/fft_tiles.c
  ${CMAKE_CURRENT_LIST_DIR}/geometry.c
  ${CMAKE_CURRENT_LIST_DIR}/mix.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_blocks.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_depthwise.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_gemm.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_im2col.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_winograd.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_winograd_transforms.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_winograd_weights.c
  ${CMAKE_CURRENT_LIST_DIR}/method.c
  ${CMAKE_CURRENT_LIST_DIR}/method_choice.c
  ${CMAKE_CURRENT_LIST_DIR}/pad.c
  ${CMAKE_CURRENT_LIST_DIR}/value_map.c
)

# The hand-written GEMM of channel mixing: AVX2 + FMA, chosen at run time (mix_gemm.c).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  list(APPEND CONVTOOL_LIB_SOURCES ${CMAKE_CURRENT_LIST_DIR}/mix_gemm_avx2.c)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/mix_gemm_avx2.c PROPERTIES
                              COMPILE_OPTIONS "-mavx2;-mfma")
endif()
