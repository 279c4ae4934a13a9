# Symbol audit of the per-ISA objects (run as a ctest: see tests/CMakeLists.txt).
#
# Why: each src/isa/<isa>.cpp is compiled with its own -m flags. An inline function or template that is
# NOT parameterized by the ISA gets the same (weak, "vague linkage") symbol in every object, and the
# linker keeps one copy for the whole program; if it keeps the copy compiled with -mavx512f, the SSE2
# path executes AVX-512 instructions (xsimd PR #1311 describes this bug). Kernel code therefore only
# defines templates whose arguments include the xsimd architecture, so every ISA gets symbols of its own.
#
# Rules, for every weak function (nm type W) and every guard variable (the flag of a dynamically
# initialized static, whose initializer is code) defined in a selected object:
#   1. its demangled name names an xsimd architecture tag (xsimd::sse2, xsimd::fma3<xsimd::avx2>,
#      xsimd::avx512bw, xsimd::neon64, ...): a weak symbol without one can be shared with any other
#      object of the program, whatever its flags;
#   2. no two selected objects define it: two ISA objects instantiating the same template with the same
#      arch (e.g. an AVX-512 kernel falling back to xsimd::avx2 halves that the AVX2 object also emits)
#      would again leave the linker to pick one copy built with one ISA's flags.
# Other weak data (V, u: constant tables such as a kernel's polynomial coefficients, vtables, typeinfo,
# DW.ref.__gxx_personality_v0) is the same bytes whatever the flags, so any copy will do; it is counted,
# not rejected. (At -O0 the kernels' constant tables appear as such symbols; at -O2 they fold away.)
#
# Arguments (-D...):
#   NM        the nm of the toolchain (CMAKE_NM)
#   OBJECTS   object files separated by '|'
#   SELECT    keep only objects whose path contains this string (e.g. /src/isa/)
#   EXPECT    optional, '|'-separated names: invert the test (for the planted self-check): succeed only
#             if every name appears among the violations.
cmake_minimum_required(VERSION 3.25)

if(NOT NM OR NOT DEFINED OBJECTS)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DOBJECTS=<a.o|b.o> [-DSELECT=<substring>] [-DEXPECT=<n1|n2>] -P check_isa_symbols.cmake")
endif()

string(REPLACE "|" ";" all_objects "${OBJECTS}")
set(objects "")
foreach(obj IN LISTS all_objects)
  if(NOT DEFINED SELECT OR obj MATCHES "${SELECT}")
    list(APPEND objects "${obj}")
  endif()
endforeach()
list(LENGTH objects n_objects)
if(n_objects EQUAL 0)
  message(FATAL_ERROR "check_isa_symbols: no object matches '${SELECT}' in: ${OBJECTS}")
endif()

set(arch_tag "xsimd::(sse[0-9_]*|ssse3|avx[0-9a-z_]*|fma[0-9]+<|neon[0-9]*)")
set(violations "")
set(n_weak 0)
set(n_data 0)
foreach(obj IN LISTS objects)
  if(NOT EXISTS "${obj}")
    message(FATAL_ERROR "check_isa_symbols: ${obj} does not exist (build first)")
  endif()
  execute_process(COMMAND "${NM}" -C --defined-only "${obj}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "check_isa_symbols: ${NM} failed on ${obj}: ${err}")
  endif()
  # One list element per line. Demangled names may hold ';', '[' and ']', which CMake lists treat
  # specially: swap them for placeholders first.
  string(REPLACE ";" "<semicolon>" out "${out}")
  string(REPLACE "[" "<lbracket>" out "${out}")
  string(REPLACE "]" "<rbracket>" out "${out}")
  string(REPLACE "\n" ";" lines "${out}")
  get_filename_component(obj_name "${obj}" NAME)
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "^[0-9a-fA-F]+ ([WVu]) (.+)$")
      continue()
    endif()
    set(type "${CMAKE_MATCH_1}")
    set(sym "${CMAKE_MATCH_2}")
    math(EXPR n_weak "${n_weak} + 1")
    if(NOT type STREQUAL "W" AND NOT sym MATCHES "^guard variable for ")
      math(EXPR n_data "${n_data} + 1")
      continue()
    endif()
    if(NOT sym MATCHES "${arch_tag}")
      list(APPEND violations "${obj_name}: not ISA-specific: ${sym}")
    endif()
    # (One object may list a name twice: the complete- and base-object constructors and destructors,
    # C1/C2 and D1/D2, demangle alike.)
    string(MD5 key "${sym}")
    if(DEFINED seen_${key} AND NOT seen_${key} STREQUAL obj)
      list(APPEND violations "${obj_name} and ${seen_obj_name_${key}}: defined in both: ${sym}")
    else()
      set(seen_${key} "${obj}")
      set(seen_obj_name_${key} "${obj_name}")
    endif()
  endforeach()
endforeach()

list(LENGTH violations n_bad)
if(DEFINED EXPECT)
  # Self-check mode: every expected name must have been caught.
  string(REPLACE "|" ";" expected "${EXPECT}")
  foreach(name IN LISTS expected)
    set(found FALSE)
    foreach(v IN LISTS violations)
      if(v MATCHES "${name}")
        set(found TRUE)
      endif()
    endforeach()
    if(NOT found)
      message(FATAL_ERROR "check_isa_symbols: the planted symbol '${name}' was NOT reported; violations found:\n${violations}")
    endif()
    message(STATUS "check_isa_symbols: planted symbol '${name}' reported, as it must be")
  endforeach()
  return()
endif()

if(n_bad GREATER 0)
  list(JOIN violations "\n  " report)
  string(REPLACE "<semicolon>" ";" report "${report}")
  string(REPLACE "<lbracket>" "[" report "${report}")
  string(REPLACE "<rbracket>" "]" report "${report}")
  message(FATAL_ERROR "ISA symbol audit FAILED: ${n_bad} weak symbol(s) in ${n_objects} ISA object(s) could be "
                      "merged across ISAs by the linker:\n  ${report}\nMake each such function a template on the "
                      "xsimd Arch (see src/isa/isa_tu.inc).")
endif()
math(EXPR n_code "${n_weak} - ${n_data}")
message(STATUS "ISA symbol audit passed: ${n_code} weak functions and guards in ${n_objects} object(s), all "
               "ISA-specific and unshared (${n_data} weak data symbols not checked)")
