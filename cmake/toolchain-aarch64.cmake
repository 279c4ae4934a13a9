# Cross build for aarch64 (NEON) with Debian's cross compiler (g++-aarch64-linux-gnu), tests run under
# qemu-user (qemu-aarch64). Used by tools/neon_test.sh; by hand:
#   cmake -S . -B build-neon -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake ...
# Timings under emulation mean nothing: this build is for correctness only.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)  # the top-level CMakeLists picks NNSIMD_ISAS=neon64 from this

set(NNSIMD_CROSS_TRIPLE aarch64-linux-gnu CACHE STRING "GNU triple of the cross compiler")
set(CMAKE_C_COMPILER ${NNSIMD_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${NNSIMD_CROSS_TRIPLE}-g++)

# Debian installs the target's libc, libstdc++ and libgomp under /usr/<triple>; qemu needs the same
# directory (-L) to find the dynamic loader and those libraries. With the emulator set, ctest runs every
# test through it and gtest_discover_tests can list the tests at build time.
set(NNSIMD_CROSS_ROOT /usr/${NNSIMD_CROSS_TRIPLE} CACHE PATH "Target libraries of the cross toolchain")
set(CMAKE_FIND_ROOT_PATH ${NNSIMD_CROSS_ROOT})
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;${NNSIMD_CROSS_ROOT})

# Programs (python, pkg-config, qemu) are the host's; libraries and headers only the target's.
# Packages: only the target's, except those named explicitly with <Pkg>_DIR (tools/neon_test.sh points
# GTest_DIR at a googletest it cross-built and xsimd_DIR at a header-only shim).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
