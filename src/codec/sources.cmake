# src/codec: one file per format piece: PNG read/unfilter/filter/write, deflate, checksums, JPEG, stb, .npy.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/checksum.c
  ${CMAKE_CURRENT_LIST_DIR}/decode_arena.c
  ${CMAKE_CURRENT_LIST_DIR}/deflate_fast.c
  ${CMAKE_CURRENT_LIST_DIR}/exif_tiff.c
  ${CMAKE_CURRENT_LIST_DIR}/huffman.c
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_quality.c
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_scan.c
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_scan_error.c
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_scan_write.c
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_markers.c
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_markers_write.c
  ${CMAKE_CURRENT_LIST_DIR}/jpeg_turbo.c
  ${CMAKE_CURRENT_LIST_DIR}/meta_common.c
  ${CMAKE_CURRENT_LIST_DIR}/npy.c
  ${CMAKE_CURRENT_LIST_DIR}/png_chunks.c
  ${CMAKE_CURRENT_LIST_DIR}/png_chunks_write.c
  ${CMAKE_CURRENT_LIST_DIR}/png_filter.c
  ${CMAKE_CURRENT_LIST_DIR}/png_inflate.c
  ${CMAKE_CURRENT_LIST_DIR}/png_precheck.c
  ${CMAKE_CURRENT_LIST_DIR}/png_read.c
  ${CMAKE_CURRENT_LIST_DIR}/png_unfilter.c
  ${CMAKE_CURRENT_LIST_DIR}/png_write.c
  ${CMAKE_CURRENT_LIST_DIR}/stb_codec.c
)
