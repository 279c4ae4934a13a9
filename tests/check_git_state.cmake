# ctest bench_git_state: the commit and tree state nnsimd_bench records in its JSON context
# (nnsimd_git_commit, nnsimd_git_dirty) are those of the source tree it was built from, as git sees it
# now (cmake -DBENCH=<nnsimd_bench> -DSRC=<source dir> -P check_git_state.cmake). The header is taken at
# every build, so a commit made after the last configure is the one recorded; a binary built before the
# last commit, or before an edit, fails here.
execute_process(COMMAND "${BENCH}" "--benchmark_filter=^limit/fma/f32/sse2$" --benchmark_min_time=0.001
                        --benchmark_format=json
                OUTPUT_VARIABLE json RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nnsimd_bench failed (${rc})")
endif()
string(JSON got_commit GET "${json}" context nnsimd_git_commit)
string(JSON got_dirty GET "${json}" context nnsimd_git_dirty)
include("${SRC}/cmake/git_state.cmake")  # nnsimd_git_state: what the build-time header is made from
nnsimd_git_state("${SRC}" commit dirty)
if(NOT got_commit STREQUAL commit OR NOT got_dirty STREQUAL dirty)
  message(FATAL_ERROR "nnsimd_bench records commit '${got_commit}' (uncommitted changes: ${got_dirty}); the source "
                      "tree is at '${commit}' (uncommitted changes: ${dirty}): rebuild, or the build-time git state is broken")
endif()
message(STATUS "bench_git_state: ${got_commit}, uncommitted changes: ${got_dirty}")
