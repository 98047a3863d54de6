# Cross toolchain: Linux aarch64 (arm64) with Debian's g++-aarch64-linux-gnu.
# Used by scripts/build-tflite.sh (ARCH=arm64) and scripts/prebuild.sh (cmake-js, the addon).
# CMAKE_SYSTEM_PROCESSOR must be exactly "aarch64": XNNPACK maps it to its "arm64" kernel set and TFLite's
# CMakeLists only builds the NEON_2_SSE shim when it matches "x86".
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CROSS_TRIPLE aarch64-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)  # compilers, binutils, search paths

# Baseline ARMv8-A (every 64-bit Pi / Jetson / Graviton). XNNPACK compiles its dotprod/fp16/i8mm kernels with
# per-file -march flags and picks them at run time (cpuinfo), so the baseline stays armv8-a.
set(CMAKE_C_FLAGS_INIT   "-march=armv8-a")
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")
