# What every cross toolchain file here shares, included after it sets CMAKE_SYSTEM_PROCESSOR and CROSS_TRIPLE:
# the compiler and binutils of Debian's cross packages (<triplet>-gcc, ...), and where libraries come from.
set(CMAKE_SYSTEM_NAME Linux)
# TFLITE_CLANG (build-tflite.sh passes it for the library): clang targeting the triple instead, with the cross
# gcc's libraries and headers (clang finds Debian's /usr/<triplet> installation itself). The addon keeps gcc.
if(TFLITE_CLANG)
  string(REPLACE "clang" "clang++" TFLITE_CLANGXX "${TFLITE_CLANG}")
  set(CMAKE_C_COMPILER   ${TFLITE_CLANG})
  set(CMAKE_CXX_COMPILER ${TFLITE_CLANGXX})
  set(CMAKE_ASM_COMPILER ${TFLITE_CLANG})
  set(CMAKE_C_COMPILER_TARGET   ${CROSS_TRIPLE})
  set(CMAKE_CXX_COMPILER_TARGET ${CROSS_TRIPLE})
  set(CMAKE_ASM_COMPILER_TARGET ${CROSS_TRIPLE})
else()
  set(CMAKE_C_COMPILER   ${CROSS_TRIPLE}-gcc)
  set(CMAKE_CXX_COMPILER ${CROSS_TRIPLE}-g++)
  set(CMAKE_ASM_COMPILER ${CROSS_TRIPLE}-gcc)
endif()
set(CMAKE_AR      ${CROSS_TRIPLE}-ar      CACHE FILEPATH "")
set(CMAKE_RANLIB  ${CROSS_TRIPLE}-ranlib  CACHE FILEPATH "")
set(CMAKE_STRIP   ${CROSS_TRIPLE}-strip   CACHE FILEPATH "")
set(CMAKE_OBJCOPY ${CROSS_TRIPLE}-objcopy CACHE FILEPATH "")

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
