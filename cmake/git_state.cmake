# Writes OUT, a header with the commit the build's sources are at and whether the working tree had
# uncommitted changes to tracked files:
#   #define NNSIMD_BENCH_GIT_COMMIT "<short hash>"   ("unknown" without git)
#   #define NNSIMD_BENCH_GIT_DIRTY "yes" | "no"     ("unknown" without git)
# Run on every build (cmake -DSRC=<source dir> -DOUT=<header> -P git_state.cmake) and rewritten only when
# its text changes, so a result file names the commit its binary was built from, even when no CMake
# file changed since the last configure, and says when the tree held more than that commit.
execute_process(COMMAND git rev-parse --short HEAD WORKING_DIRECTORY "${SRC}"
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
set(dirty unknown)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit unknown)
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY "${SRC}"
                  OUTPUT_VARIABLE status RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0)
    if(status STREQUAL "")
      set(dirty no)
    else()
      set(dirty yes)
    endif()
  endif()
endif()
set(text "#define NNSIMD_BENCH_GIT_COMMIT \"${commit}\"\n#define NNSIMD_BENCH_GIT_DIRTY \"${dirty}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
