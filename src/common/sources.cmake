# src/common: status codes, checked sizes, tensors, pixel images, buffers, big allocations, the thread pool, exact reads at an offset.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/big_alloc.c
  ${CMAKE_CURRENT_LIST_DIR}/buffer.c
  ${CMAKE_CURRENT_LIST_DIR}/checked_math.c
  ${CMAKE_CURRENT_LIST_DIR}/pixels.c
  ${CMAKE_CURRENT_LIST_DIR}/pool.c
  ${CMAKE_CURRENT_LIST_DIR}/read_at.c
  ${CMAKE_CURRENT_LIST_DIR}/status.c
  ${CMAKE_CURRENT_LIST_DIR}/tensor.c
)
