# src/conv: the convolution: geometry, plans, the banded core, padding, value maps, combining.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/combine.c
  ${CMAKE_CURRENT_LIST_DIR}/conv.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_pixels.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_plan.c
  ${CMAKE_CURRENT_LIST_DIR}/core.c
  ${CMAKE_CURRENT_LIST_DIR}/deinterleave.c
  ${CMAKE_CURRENT_LIST_DIR}/geometry.c
  ${CMAKE_CURRENT_LIST_DIR}/mix.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_blocks.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_depthwise.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_gemm.c
  ${CMAKE_CURRENT_LIST_DIR}/mix_im2col.c
  ${CMAKE_CURRENT_LIST_DIR}/pad.c
  ${CMAKE_CURRENT_LIST_DIR}/value_map.c
)
