# src/conv: the convolution: geometry, plans, the banded core, the FFT tiles and the method
# choice, padding, value maps, combining.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/combine.c
  ${CMAKE_CURRENT_LIST_DIR}/conv.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_pixels.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_plan.c
  ${CMAKE_CURRENT_LIST_DIR}/conv_run.c
  ${CMAKE_CURRENT_LIST_DIR}/core.c
  ${CMAKE_CURRENT_LIST_DIR}/deinterleave.c
  ${CMAKE_CURRENT_LIST_DIR}/fft_plan.c
  ${CMAKE_CURRENT_LIST_DIR}/fft_tiles.c
  ${CMAKE_CURRENT_LIST_DIR}/geometry.c
  ${CMAKE_CURRENT_LIST_DIR}/method.c
  ${CMAKE_CURRENT_LIST_DIR}/method_choice.c
  ${CMAKE_CURRENT_LIST_DIR}/pad.c
  ${CMAKE_CURRENT_LIST_DIR}/value_map.c
)
