# src/sandbox: the contained decoder: fork, rlimits, seccomp, the reply pipe, the deadline;
# long-lived workers that decode job after job.
list(APPEND CONVTOOL_LIB_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/decode_sandbox.c
  ${CMAKE_CURRENT_LIST_DIR}/sandbox_child.c
  ${CMAKE_CURRENT_LIST_DIR}/sandbox_wait.c
  ${CMAKE_CURRENT_LIST_DIR}/sandbox_worker.c
  ${CMAKE_CURRENT_LIST_DIR}/worker_loop.c
)
