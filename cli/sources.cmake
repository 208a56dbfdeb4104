# The program's sources but main.c: the convtool_cli library that the binary,
# the fuzz CLI target and the CLI unit tests link (src/README.md, "cli").
set(CONVTOOL_CLI_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cmd_kernels.c
  ${CMAKE_CURRENT_LIST_DIR}/commands.c
  # cli/common: messages, exit codes, numbers, signals, options both commands share
  ${CMAKE_CURRENT_LIST_DIR}/common/fd_names.c
  ${CMAKE_CURRENT_LIST_DIR}/common/geometry_opts.c
  ${CMAKE_CURRENT_LIST_DIR}/common/json.c
  ${CMAKE_CURRENT_LIST_DIR}/common/kernel_spec.c
  ${CMAKE_CURRENT_LIST_DIR}/common/messages.c
  ${CMAKE_CURRENT_LIST_DIR}/common/numparse.c
  ${CMAKE_CURRENT_LIST_DIR}/common/option_check.c
  ${CMAKE_CURRENT_LIST_DIR}/common/shell_word.c
  ${CMAKE_CURRENT_LIST_DIR}/common/signals.c
  ${CMAKE_CURRENT_LIST_DIR}/common/suggest.c
  ${CMAKE_CURRENT_LIST_DIR}/common/tty_guard.c
  ${CMAKE_CURRENT_LIST_DIR}/common/utf8.c
  # cli/apply: convtool apply, single file and batch
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_args.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_bias.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_common.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_fused.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_grid.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_limits.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_meta.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_mix.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_outputs.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_run.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_stream.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_stream_npy.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_stream_out.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/apply_stream_rows.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/batch_args.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/batch_run.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/cmd_apply.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/files_from.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/name_template.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/path_roles.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/path_set.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/progress.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/report.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/save_choice.c
  ${CMAKE_CURRENT_LIST_DIR}/apply/shard.c
  # cli/shape: convtool shape, sizes and networks
  ${CMAKE_CURRENT_LIST_DIR}/shape/cmd_shape.c
  ${CMAKE_CURRENT_LIST_DIR}/shape/shape_json.c
  ${CMAKE_CURRENT_LIST_DIR}/shape/shape_nets.c
  ${CMAKE_CURRENT_LIST_DIR}/shape/shape_parse.c
  ${CMAKE_CURRENT_LIST_DIR}/shape/shape_report.c
  ${CMAKE_CURRENT_LIST_DIR}/shape/shape_walk.c
  ${CMAKE_CURRENT_LIST_DIR}/shape/shape_words.c)
