# src/files: reading files whole and writing them atomically (temp + fsync + rename, the link policy).
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/atomic_write.c
  ${CMAKE_CURRENT_LIST_DIR}/file_read.c
  ${CMAKE_CURRENT_LIST_DIR}/write_target.c
)
