# src/image: image I/O front door: formats, header probes, limits, contained decode, encode.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/decode_contained.c
  ${CMAKE_CURRENT_LIST_DIR}/format.c
  ${CMAKE_CURRENT_LIST_DIR}/image_decode.c
  ${CMAKE_CURRENT_LIST_DIR}/image_encode.c
  ${CMAKE_CURRENT_LIST_DIR}/image_probe.c
  ${CMAKE_CURRENT_LIST_DIR}/image_read.c
  ${CMAKE_CURRENT_LIST_DIR}/image_reader.c
  ${CMAKE_CURRENT_LIST_DIR}/row_prefetch.c
  ${CMAKE_CURRENT_LIST_DIR}/limits.c
  ${CMAKE_CURRENT_LIST_DIR}/metadata.c
  ${CMAKE_CURRENT_LIST_DIR}/metadata_embed.c
  ${CMAKE_CURRENT_LIST_DIR}/npy_reader.c
  ${CMAKE_CURRENT_LIST_DIR}/orient.c
)
