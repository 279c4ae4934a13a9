# ctest bench_git_state: the commit and tree state nnsimd_bench records in its JSON context
# (nnsimd_git_commit, nnsimd_git_dirty) are those of the source tree it was built from, as git sees it
# now (cmake -DBENCH=<nnsimd_bench> -DSRC=<source dir> -P check_git_state.cmake). The header is taken at
# every build, so a commit made after the last configure is the one recorded.
execute_process(COMMAND "${BENCH}" "--benchmark_filter=^limit/fma/f32/sse2$" --benchmark_min_time=0.001
                        --benchmark_format=json
                OUTPUT_VARIABLE json RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nnsimd_bench failed (${rc})")
endif()
string(JSON got_commit GET "${json}" context nnsimd_git_commit)
string(JSON got_dirty GET "${json}" context nnsimd_git_dirty)
execute_process(COMMAND git rev-parse --short HEAD WORKING_DIRECTORY "${SRC}"
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit unknown)
  set(dirty unknown)
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY "${SRC}"
                  OUTPUT_VARIABLE status ERROR_QUIET)
  if(status STREQUAL "")
    set(dirty no)
  else()
    set(dirty yes)
  endif()
endif()
if(NOT got_commit STREQUAL commit OR NOT got_dirty STREQUAL dirty)
  message(FATAL_ERROR "nnsimd_bench records commit '${got_commit}' (uncommitted changes: ${got_dirty}); the source "
                      "tree is at '${commit}' (uncommitted changes: ${dirty}): rebuild, or the build-time git state is broken")
endif()
message(STATUS "bench_git_state: ${got_commit}, uncommitted changes: ${got_dirty}")
