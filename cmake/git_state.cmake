# The commit a source tree is at and whether its tracked files have uncommitted changes.
#
# include()d: defines nnsimd_git_state(<src> <commit var> <dirty var>): the short hash ("unknown" without
# git) and "yes" | "no" ("unknown" when git cannot tell). tests/check_git_state.cmake uses it.
#
# Run as a script (cmake -DSRC=<source dir> -DOUT=<header> -P git_state.cmake, on every build of
# nnsimd_bench): writes OUT, rewritten only when its text changes, so a result file names the commit its
# binary was built from, even when no CMake file changed since the last configure, and says when the tree
# held more than that commit:
#   #define NNSIMD_BENCH_GIT_COMMIT "<short hash>"
#   #define NNSIMD_BENCH_GIT_DIRTY "yes" | "no"
function(nnsimd_git_state src commit_var dirty_var)
  execute_process(COMMAND git rev-parse --short HEAD WORKING_DIRECTORY "${src}"
                  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
  set(dirty unknown)
  if(NOT rc EQUAL 0 OR commit STREQUAL "")
    set(commit unknown)
  else()
    execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY "${src}"
                    OUTPUT_VARIABLE status RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0)
      if(status STREQUAL "")
        set(dirty no)
      else()
        set(dirty yes)
      endif()
    endif()
  endif()
  set(${commit_var} "${commit}" PARENT_SCOPE)
  set(${dirty_var} "${dirty}" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  nnsimd_git_state("${SRC}" commit dirty)
  set(text "#define NNSIMD_BENCH_GIT_COMMIT \"${commit}\"\n#define NNSIMD_BENCH_GIT_DIRTY \"${dirty}\"\n")
  if(EXISTS "${OUT}")
    file(READ "${OUT}" old)
  else()
    set(old "")
  endif()
  if(NOT old STREQUAL text)
    file(WRITE "${OUT}" "${text}")
  endif()
endif()
