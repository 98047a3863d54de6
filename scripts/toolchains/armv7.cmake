# Cross toolchain: Linux ARMv7-A hard-float with NEON (armhf: Raspberry Pi 2/3/4/5 on a 32-bit OS, BeagleBone,
# i.MX6, ...) with Debian's g++-arm-linux-gnueabihf.
# Used by scripts/build-tflite.sh (ARCH=armv7) and scripts/prebuild.sh (cmake-js, the addon).
# CMAKE_SYSTEM_PROCESSOR "armv7": XNNPACK matches "^armv[5-8]" and selects its aarch32 NEON kernel set.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7)

set(CROSS_TRIPLE arm-linux-gnueabihf)
set(CMAKE_C_COMPILER   ${CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${CROSS_TRIPLE}-g++)
set(CMAKE_ASM_COMPILER ${CROSS_TRIPLE}-gcc)
set(CMAKE_AR      ${CROSS_TRIPLE}-ar      CACHE FILEPATH "")
set(CMAKE_RANLIB  ${CROSS_TRIPLE}-ranlib  CACHE FILEPATH "")
set(CMAKE_STRIP   ${CROSS_TRIPLE}-strip   CACHE FILEPATH "")
set(CMAKE_OBJCOPY ${CROSS_TRIPLE}-objcopy CACHE FILEPATH "")

# NEON is required (plain "neon" = VFPv3-D32 + Advanced SIMD: Cortex-A7/A8/A9/A15/A53/A72 all have it).
# XNNPACK's own fp16/dotprod kernels get per-file -mfpu flags and are chosen at run time.
set(CMAKE_C_FLAGS_INIT   "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
set(CMAKE_ASM_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")

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
