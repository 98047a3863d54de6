# Cross toolchain: Linux aarch64 (arm64) with Debian's g++-aarch64-linux-gnu.
# Used by scripts/build-tflite.sh (ARCH=arm64) and scripts/prebuild.sh (cmake-js, the addon).
# CMAKE_SYSTEM_PROCESSOR must be exactly "aarch64": XNNPACK maps it to its "arm64" kernel set and TFLite's
# CMakeLists only builds the NEON_2_SSE shim when it matches "x86".
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER   ${CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${CROSS_TRIPLE}-g++)
set(CMAKE_ASM_COMPILER ${CROSS_TRIPLE}-gcc)
set(CMAKE_AR      ${CROSS_TRIPLE}-ar      CACHE FILEPATH "")
set(CMAKE_RANLIB  ${CROSS_TRIPLE}-ranlib  CACHE FILEPATH "")
set(CMAKE_STRIP   ${CROSS_TRIPLE}-strip   CACHE FILEPATH "")
set(CMAKE_OBJCOPY ${CROSS_TRIPLE}-objcopy CACHE FILEPATH "")

# Baseline ARMv8-A (every 64-bit Pi / Jetson / Graviton). XNNPACK compiles its dotprod/fp16/i8mm kernels with
# per-file -march flags and picks them at run time (cpuinfo), so the baseline stays armv8-a.
set(CMAKE_C_FLAGS_INIT   "-march=armv8-a")
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")

# Cross (Debian's cross packages install the target's libraries in /usr/<triplet>): libraries, headers and
# packages come from there only; programs (python3, ...) from the host. On a native Debian/Ubuntu ARM system the
# same compiler names exist and there is no such folder: the normal search paths apply.
if(EXISTS /usr/${CROSS_TRIPLE}/lib)
  set(CMAKE_FIND_ROOT_PATH /usr/${CROSS_TRIPLE})
  set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
endif()
