# Cross toolchain: Linux ARMv7-A hard-float with NEON (armhf: Raspberry Pi 2/3/4/5 on a 32-bit OS, BeagleBone,
# i.MX6, ...) with Debian's g++-arm-linux-gnueabihf.
# Used by scripts/build-tflite.sh (ARCH=armv7) and scripts/prebuild.sh (cmake-js, the addon).
# CMAKE_SYSTEM_PROCESSOR "armv7": XNNPACK matches "^armv[5-8]" and selects its aarch32 NEON kernel set.
set(CMAKE_SYSTEM_PROCESSOR armv7)

set(CROSS_TRIPLE arm-linux-gnueabihf)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)  # compilers, binutils, search paths

# NEON is required (plain "neon" = VFPv3-D32 + Advanced SIMD: Cortex-A7/A8/A9/A15/A53/A72 all have it).
# XNNPACK's own fp16/dotprod kernels get per-file -mfpu flags and are chosen at run time.
set(CMAKE_C_FLAGS_INIT   "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
set(CMAKE_ASM_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
