# src/sandbox: the contained decoder: fork, rlimits, seccomp, the reply pipe, the deadline.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/decode_sandbox.c
  ${CMAKE_CURRENT_LIST_DIR}/sandbox_child.c
)
