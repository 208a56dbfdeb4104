# src/kernel: kernels and banks: the text parser, other formats (ImageMagick, vips .mat, .npy), the library.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/kernel_bank.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_formats.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_imagemagick.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_load.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_names.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_nested.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_ops.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_parse.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_weight.c
  ${CMAKE_CURRENT_LIST_DIR}/kernel_write.c
)
