#!/usr/bin/env bash
# Builds libtensorflowlite_c.so (TensorFlow Lite 2.14.1 C API, XNNPACK in) from Debian source packages only.
#
#   scripts/build-tflite.sh fetch      download every source listed in scripts/tflite-sources.lock, verify sha256,
#                                      extract and patch into $TFLITE_ROOT/src (idempotent: skipped when done)
#   scripts/build-tflite.sh headers    fetch + extract only the TensorFlow and flatbuffers tarballs (enough to
#                                      compile the addon against a prebuilt library; what CI uses); prints the
#                                      TensorFlow source root (the flatbuffers headers are beside it, $FLATBUFFERS)
#   scripts/build-tflite.sh build      fetch, then configure + build + strip into $TFLITE_ROOT/build-$ARCH
#   scripts/build-tflite.sh lock       print sha256 lines for the downloaded files (to refresh the lock file)
#
# env: TFLITE_ROOT (default <repo>/.tflite-build), JOBS (default: nproc), ARCH (x64 | arm64 | armv7; default x64),
#      TFLITE_CLANG (default clang-19 for x64, clang-14 for ARM: Debian 12's clang-19 / clang-14 packages; the
#      compiler of the whole library, see below)
#
# Why Debian: no registry reachable here ships a current TFLite C library, and Debian's source archive has
# TF 2.14.1 plus every dependency. Traps found on the way (see shared/reference/TFLITE-BUILD-NOTES.md):
#  - sid's eigen3 5.x breaks TF 2.14 -> trixie's eigen3 3.4.0-5 with its patch series.
#  - ruy's source tarball is missing from the archive -> the binary libruy-dev .deb (headers, static libs, CMake
#    config), with __isoc23_strtol renamed to strtol (built against glibc >= 2.38; bookworm has 2.36).
#  - ml_dtypes is not packaged -> Debian's own disable-ml_dtypes.patch.
#  - Eigen's export(PACKAGE) writes ~/.cmake/packages -> package registry off both ways.
#  - FETCHCONTENT_FULLY_DISCONNECTED=ON: nothing is ever fetched from anywhere else.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${TFLITE_ROOT:-$REPO/.tflite-build}
JOBS=${JOBS:-$(nproc)}
ARCH=${ARCH:-x64}
LOCK=$REPO/scripts/tflite-sources.lock
DL=$ROOT/downloads
S=$ROOT/src
LOG=$ROOT/build-tflite-$ARCH.log

# ARM: cross-built with Debian's g++-aarch64-linux-gnu / g++-arm-linux-gnueabihf (scripts/toolchains/), plus
#  - XNNPACK_ENABLE_KLEIDIAI=OFF: on arm64 XNNPACK would otherwise download KleidiAI at configure time (no Debian
#    source exists; TF 2.14 uses none of its kernels).
#  - arm64: TFLITE_WITH_RUY (-DTFLITE_ENABLE_RUY=ON): ruy's NEON kernels (in Debian's arm64 libruy) serve the
#    built-in kernels' GEMMs, as in TensorFlow's own ARM builds.
#  - armv7: not so. Debian's armhf libruy is compiled for the armhf baseline (VFPv3-D16, no NEON): it has no NEON
#    kernels at all, so the GEMMs stay on Eigen/gemmlowp, which this build compiles with NEON; and ruy's headers are
#    patched to say NEON is off (patch_ruy), or code compiled with -mfpu=neon references kernels the library lacks.
#  - x64: TFLITE_WITH_RUY too. Debian's amd64 libruy has ruy's AVX2-FMA and AVX-512 kernels, chosen at run time;
#    without it the float GEMMs of the built-in kernels ran on Eigen compiled for baseline x86-64 (SSE2), e.g. the
#    TRANSPOSE_CONV that stays off XNNPACK in the corpus's segmenters (perf, C loop, segmenter_f32: Eigen's
#    gebp_kernel 13.7% of the run, ruy's kernel 10.3% with it; Python's tf.lite 2.21 runs it on an AVX build).
# Compiler: clang, for the whole library (TFLite, XNNPACK, their dependencies; the addon stays on g++). XNNPACK's C
# microkernels are written for, and tuned with, clang: g++ 12 compiles the AVX2 f32 GEMMs (5x16 fma3_broadcast:
# 10 accumulators + 2 weight vectors + 5 broadcasts = 17 of 16 ymm registers) with an accumulator spilled to the
# stack inside the k-loop, a store->load chain on every iteration; clang reloads a weight vector instead. Measured
# on face_detection_short_range (perf, C loop): that kernel was 42% of the run, the library 1.5-1.7x slower than
# Python's tf.lite 2.21 on the same model (bench/CORPUS.md has the before/after).
# x64: clang 19 (Debian 12's clang-19). clang 14 compiles the qs8 AVX2 GEMMs (3x8c8: 12 accumulators) with
# accumulators spilled to the stack inside the K loop, 238 instructions and 18 stack references where clang 19 (and
# the build in Python's tf.lite 2.21) has 216 and 12: efficientnetb0_int8's fastest invoke 5.2-5.3 -> 4.8-5.05 ms in
# a C loop, the float models unchanged. ARM stays on clang 14: its prebuilds were tested with it, and its GEMMs here
# are mostly hand-written assembly; not measured with 19 (no board).
if [ "$ARCH" = x64 ]; then CLANG=${TFLITE_CLANG:-clang-19}; else CLANG=${TFLITE_CLANG:-clang-14}; fi
CLANGXX=${CLANG/clang/clang++}
# (only `build` compiles; `headers`, what CI runs, needs no compiler)
if [ "${1:-build}" = build ] && ! { command -v "$CLANG" && command -v "$CLANGXX"; } >/dev/null; then
  echo "$CLANG / $CLANGXX not found: apt-get install $CLANG (or set TFLITE_CLANG)" >&2; exit 2
fi
case "$ARCH" in
  x64)   MULTIARCH=x86_64-linux-gnu;     DEBARCH=amd64
         TOOLCHAIN=(-DCMAKE_C_COMPILER="$CLANG" -DCMAKE_CXX_COMPILER="$CLANGXX" -DTFLITE_ENABLE_RUY=ON) ;;
  arm64) MULTIARCH=aarch64-linux-gnu;    DEBARCH=arm64
         TOOLCHAIN=(-DCMAKE_TOOLCHAIN_FILE="$REPO/scripts/toolchains/aarch64.cmake" -DTFLITE_CLANG="$CLANG"
                    -DXNNPACK_ENABLE_KLEIDIAI=OFF
                    -DTFLITE_ENABLE_RUY=ON) ;;
  armv7) MULTIARCH=arm-linux-gnueabihf;  DEBARCH=armhf
         TOOLCHAIN=(-DCMAKE_TOOLCHAIN_FILE="$REPO/scripts/toolchains/armv7.cmake" -DTFLITE_CLANG="$CLANG"
                    -DXNNPACK_ENABLE_KLEIDIAI=OFF
                    -DTFLITE_ENABLE_RUY=OFF) ;;
  *) echo "unknown ARCH=$ARCH (x64 | arm64 | armv7)" >&2; exit 2 ;;
esac
if [ "$ARCH" = x64 ] && [ "$(uname -m)" != x86_64 ] && [ "${1:-build}" = build ]; then
  echo "this host is $(uname -m): set ARCH=arm64 or ARCH=armv7 (x64 is built only on x86_64)" >&2; exit 2
fi
# binutils for the target (the host's objcopy/strip only know x86 objects).
BINUTILS_PREFIX=; [ "$ARCH" = x64 ] || BINUTILS_PREFIX=$MULTIARCH-

# Source trees as extracted (directory names come from the upstream tarballs).
TF=$S/tensorflow-2.14.1
ABSL=$S/abseil-cpp-20260107.0
EIGEN=$S/eigen-3.4.0
FARMHASH="$S/farmhash-0~git20190513.0d859a8"
FFT2D=$S/OouraFFT-1.0
FLATBUFFERS=$S/flatbuffers-23.5.26+dfsg
GEMMLOWP="$S/gemmlowp-0.0~git20211220.e844ffd"
NEON2SSE="$S/neon-2-sse-0.0.0~git20220912.a15b489"
CPUINFO="$S/cpuinfo-0.0~git20250905.877328f"
PTHREADPOOL="$S/pthreadpool-0.0~git20251020.0e6ca13"
FXDIV="$S/fxdiv-0.0~git20200417.b408327"
FP16="$S/fp16-0.0~git20200514.4dfe081"
XNNPACK="$S/xnnpack-0.0~git20241108.4ea82e5"
RUYROOT=$ROOT/ruy-$DEBARCH
SHIM=$ROOT/shims/cpuinfo

log() { echo "[build-tflite $(date +%H:%M:%S)] $*" | tee -a "$LOG"; }

# A private apt configuration: its own sources list, lists and cache. The system's apt setup is never touched.
apt_private() {
  local name=$1; shift
  local d=$ROOT/apt-$name
  if [ ! -f "$d/sources.list" ]; then
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
    printf '%s\n' "$@" > "$d/sources.list"
  fi
  APT_OPTS=(-o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=/dev/null
            -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache"
            -o APT::Architectures::="$(dpkg --print-architecture)" -o APT::Architectures::=arm64
            -o APT::Architectures::=armhf)
  if ! ls "$d/lists/"*Sources* >/dev/null 2>&1; then
    apt-get "${APT_OPTS[@]}" update >>"$LOG" 2>&1
  fi
}

# Lock file lines: "<sha256>  <file>  <suite>  <how>" where how is source:<pkg>=<ver> or deb:<pkg>:<arch>=<ver>.
lock_entries() { grep -v '^#' "$LOCK" | awk 'NF>=4'; }

verify() {  # verify <file>: exit non-zero unless it matches its pinned sha256
  local f=$1 want
  want=$(lock_entries | awk -v f="$f" '$2==f {print $1}')
  [ -n "$want" ] || { echo "no pinned sha256 for $f in $LOCK" >&2; return 1; }
  echo "$want  $DL/$f" | sha256sum --quiet -c - || { echo "sha256 mismatch: $f" >&2; return 1; }
}

download() {  # download <file> <suite> <how>
  local f=$1 suite=$2 how=$3
  if [ -s "$DL/$f" ] && verify "$f" 2>/dev/null; then return 0; fi
  case "$suite" in
    sid) apt_private sid "deb-src http://deb.debian.org/debian sid main" \
                         "deb [arch=amd64,arm64,armhf] http://deb.debian.org/debian sid main" ;;
    trixie) apt_private trixie "deb-src http://deb.debian.org/debian trixie main" ;;
  esac
  ( cd "$DL"
    case "$how" in
      # .dsc / .debian.tar.xz of several packages 404 on the mirror; apt-get source then exits non-zero even
      # though the .orig tarball arrived, so the file itself is what is checked.
      source:*) apt-get "${APT_OPTS[@]}" source --download-only "${how#source:}" >>"$LOG" 2>&1 || true ;;
      deb:*)    apt-get "${APT_OPTS[@]}" download "${how#deb:}" >>"$LOG" 2>&1 || true ;;
    esac )
  [ -s "$DL/$f" ] || { echo "download failed: $f ($how from $suite), see $LOG" >&2; exit 1; }
  verify "$f"
}

fetch_all() {  # fetch_all [filter-regex]
  mkdir -p "$DL"
  lock_entries | grep -E "${1:-.}" | while read -r sha f suite how; do download "$f" "$suite" "$how"; done
}

# Our patches to TFLite 2.14.1 (scripts/patches/tensorflow/NNNN-*.patch, applied in order with patch -p1): each
# opens with the defect it fixes, how it was found and the upstream change it mirrors, if any. The stamp holds the
# patch set's sha256, so a changed set re-extracts the tree; tar restores the tarball's mtimes and only the patched
# files are new, so an incremental build recompiles just those.
# XNNPACK's patches (scripts/patches/xnnpack/) work the same way on its own tree, with a stamp of their own.
PATCHES=$REPO/scripts/patches
patch_set_sha() { cat "$PATCHES/$1"/*.patch 2>/dev/null | sha256sum | cut -d' ' -f1; }
# apply_patches TREE DIR: scripts/patches/TREE/*.patch in order, inside DIR.
apply_patches() {
  local p
  for p in "$PATCHES/$1"/*.patch; do
    [ -e "$p" ] || continue
    log "patch $1 $(basename "$p")"
    (cd "$2" && patch -s -p1 --no-backup-if-mismatch < "$p") || { echo "patch failed: $p" >&2; exit 1; }
  done
}

extract_tensorflow() {
  local want; want=$(patch_set_sha tensorflow)
  [ -f "$TF/.extracted" ] && [ "$(cat "$TF/.extracted")" = "$want" ] && return 0
  log "extracting tensorflow"
  rm -rf "$TF" "$S/tf-debian" && mkdir -p "$S/tf-debian"
  tar -xf "$DL/tensorflow_2.14.1+dfsg.orig.tar.xz" -C "$S"
  tar -xf "$DL/tensorflow_2.14.1+dfsg-3.1.debian.tar.xz" -C "$S/tf-debian"
  (cd "$TF" && patch -s -p1 < "$S/tf-debian/debian/patches/disable-ml_dtypes.patch")
  apply_patches tensorflow "$TF"
  echo "$want" > "$TF/.extracted"
}

extract_deps() {
  [ -f "$S/.deps-extracted" ] && return 0
  log "extracting dependencies"
  rm -rf "$ABSL" "$EIGEN" "$FARMHASH" "$FFT2D" "$FLATBUFFERS" "$GEMMLOWP" "$NEON2SSE" "$CPUINFO" \
         "$PTHREADPOOL" "$FXDIV" "$FP16" "$S/eigen-debian"
  for t in abseil_20260107.0.orig.tar.gz eigen3_3.4.0.orig.tar.bz2 "farmhash_0~git20190513.0d859a8.orig.tar.xz" \
           oourafft_1.0.orig.tar.gz flatbuffers_23.5.26+dfsg.orig.tar.xz "gemmlowp_0.0~git20211220.e844ffd.orig.tar.xz" \
           "neon-2-sse_0.0.0~git20220912.a15b489.orig.tar.xz" "cpuinfo_0.0~git20250905.877328f.orig.tar.xz" \
           "pthreadpool_0.0~git20251020.0e6ca13.orig.tar.xz" "fxdiv_0.0~git20200417.b408327.orig.tar.xz" \
           "fp16_0.0~git20200514.4dfe081.orig.tar.xz"; do
    tar -xf "$DL/$t" -C "$S"
  done
  mkdir -p "$S/eigen-debian" && tar -xf "$DL/eigen3_3.4.0-5.debian.tar.xz" -C "$S/eigen-debian"
  (cd "$EIGEN" && for p in $(grep -v '^#' "$S/eigen-debian/debian/patches/series"); do
     patch -s -p1 < "$S/eigen-debian/debian/patches/$p"; done)
  # libruy-dev's ruyConfig.cmake calls find_dependency(cpuinfo): resolve it to the cpuinfo target that TF's
  # own tools/cmake/modules/cpuinfo.cmake builds from the Debian source.
  mkdir -p "$SHIM"
  cat > "$SHIM/cpuinfoConfig.cmake" <<'CMAKE'
if(NOT TARGET cpuinfo)
  include(cpuinfo)
endif()
if(NOT TARGET cpuinfo::cpuinfo)
  add_library(cpuinfo::cpuinfo ALIAS cpuinfo)
endif()
set(cpuinfo_FOUND TRUE)
CMAKE
  touch "$S/.deps-extracted"
}

extract_xnnpack() {
  local want; want=$(patch_set_sha xnnpack)
  [ -f "$XNNPACK/.extracted" ] && [ "$(cat "$XNNPACK/.extracted")" = "$want" ] && return 0
  log "extracting xnnpack"
  rm -rf "$XNNPACK" && mkdir -p "$XNNPACK"
  tar -xf "$DL/xnnpack_0.0~git20241108.4ea82e5.orig.tar.xz" -C "$XNNPACK"  # no top dir
  apply_patches xnnpack "$XNNPACK"
  echo "$want" > "$XNNPACK/.extracted"
}

extract_ruy() {
  [ -f "$RUYROOT/.extracted" ] && return 0
  rm -rf "$RUYROOT"
  dpkg-deb -x "$DL"/libruy-dev_*_"$DEBARCH".deb "$RUYROOT"
  "${BINUTILS_PREFIX}objcopy" --redefine-sym __isoc23_strtol=strtol "$RUYROOT/usr/lib/$MULTIARCH/libruy_ctx.a"
  touch "$RUYROOT/.extracted"
}

# Debian's armhf libruy has no NEON code (see above): make its platform.h agree, so that TFLite's translation units
# (compiled with -mfpu=neon) instantiate ruy's portable paths only, exactly what the library was built with.
patch_ruy() {
  [ "$DEBARCH" = armhf ] || return 0
  local h=$RUYROOT/usr/include/ruy/platform.h
  grep -q 'Debian armhf libruy' "$h" && return 0
  sed -i 's|^#if (defined(__ARM_NEON) \|\| defined(__ARM_NEON__)) && !RUY_PLATFORM_X86$|#if 0  /* Debian armhf libruy is built without NEON */|' "$h"
  grep -q 'Debian armhf libruy' "$h" || { echo "patch_ruy: NEON test not found in $h" >&2; exit 1; }
}

build() {
  local B=$ROOT/build-$ARCH
  fetch_all
  mkdir -p "$S"; extract_tensorflow; extract_deps; extract_xnnpack; extract_ruy; patch_ruy
  # A build tree configured with another compiler is started afresh (CMake cannot switch compilers in place).
  local compiler; compiler=$("$CLANG" --version | head -1)
  if [ -d "$B" ] && [ "$(cat "$B/.compiler" 2>/dev/null)" != "$compiler" ]; then log "new compiler: fresh $B"; rm -rf "$B"; fi
  mkdir -p "$B"; echo "$compiler" > "$B/.compiler"
  local t0=$SECONDS
  log "configure ($ARCH) in $B"
  local mark; mark=$(wc -l < "$LOG")
  cmake -S "$TF/tensorflow/lite/c" -B "$B" -G Ninja -Wno-dev -DCMAKE_BUILD_TYPE=Release "${TOOLCHAIN[@]}" \
    -DTFLITE_ENABLE_GPU=OFF -DTFLITE_ENABLE_NNAPI=OFF \
    -DTFLITE_ENABLE_XNNPACK=ON -DFETCHCONTENT_SOURCE_DIR_XNNPACK="$XNNPACK" -DXNNPACK_BUILD_ALL_MICROKERNELS=OFF \
    -DFP16_SOURCE_DIR="$FP16" \
    -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON -Druy_DIR="$RUYROOT/usr/lib/$MULTIARCH/cmake/ruy" -Dcpuinfo_DIR="$SHIM" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON \
    -DFETCHCONTENT_FULLY_DISCONNECTED=ON \
    -DFETCHCONTENT_SOURCE_DIR_ABSEIL-CPP="$ABSL" -DFETCHCONTENT_SOURCE_DIR_EIGEN="$EIGEN" \
    -DFETCHCONTENT_SOURCE_DIR_FARMHASH="$FARMHASH" -DFETCHCONTENT_SOURCE_DIR_FFT2D="$FFT2D" \
    -DFETCHCONTENT_SOURCE_DIR_FLATBUFFERS="$FLATBUFFERS" -DFETCHCONTENT_SOURCE_DIR_GEMMLOWP="$GEMMLOWP" \
    -DFETCHCONTENT_SOURCE_DIR_NEON2SSE="$NEON2SSE" -DFETCHCONTENT_SOURCE_DIR_CPUINFO="$CPUINFO" \
    -DPTHREADPOOL_SOURCE_DIR="$PTHREADPOOL" -DFXDIV_SOURCE_DIR="$FXDIV" >>"$LOG" 2>&1 \
    || { tail -30 "$LOG"; exit 1; }
  # XNNPACK's CMake downloads what it is not given (FETCHCONTENT_FULLY_DISCONNECTED does not cover it): refuse.
  if tail -n +"$mark" "$LOG" | grep '^-- Downloading ' >&2; then
    echo "configure tried to download a dependency: refused (give it a Debian source dir or turn it off)" >&2; exit 1
  fi
  log "build ($JOBS jobs)"
  nice -n 10 ninja -C "$B" -j"$JOBS" tensorflowlite_c >>"$LOG" 2>&1 || { grep -m1 -A30 FAILED "$LOG"; exit 1; }
  # Every symbol the library needs must come from a versioned system library (libc, libm, libstdc++, libgcc_s):
  # an unversioned undefined one is a dependency that was not linked in, and would fail only when first called.
  local missing; missing=$("${BINUTILS_PREFIX}nm" -D --undefined-only "$B/libtensorflowlite_c.so" | awk '$1=="U" && $2 !~ /@/ {print $2}')
  if [ -n "$missing" ]; then echo "unresolved symbols in libtensorflowlite_c.so:" >&2; echo "$missing" >&2; exit 1; fi
  "${BINUTILS_PREFIX}strip" --strip-unneeded -o "$B/libtensorflowlite_c.stripped.so" "$B/libtensorflowlite_c.so"
  log "done in $((SECONDS - t0)) s: $B/libtensorflowlite_c.stripped.so ($(stat -c %s "$B/libtensorflowlite_c.stripped.so") bytes)"
}

# The addon reads the model TFLite verified with TFLite's generated schema accessors (native/model_check_graph.cc),
# which need flatbuffers 23.5.26's headers: the pinned tarball, extracted where extract_deps puts it (download and
# extract only: `headers` runs without a compiler).
extract_flatbuffers_headers() {
  [ -f "$FLATBUFFERS/.headers-extracted" ] && return 0
  tar -xf "$DL/flatbuffers_23.5.26+dfsg.orig.tar.xz" -C "$S"
  [ -f "$FLATBUFFERS/include/flatbuffers/flatbuffers.h" ] || { echo "no flatbuffers headers in $FLATBUFFERS" >&2; exit 1; }
  touch "$FLATBUFFERS/.headers-extracted"
}

mkdir -p "$ROOT"
case "${1:-build}" in
  fetch)   fetch_all; mkdir -p "$S"; extract_tensorflow; extract_deps; extract_xnnpack; extract_ruy; patch_ruy ;;
  headers) fetch_all '^[0-9a-f]+ +(tensorflow|flatbuffers)_'; mkdir -p "$S"; extract_tensorflow
           extract_flatbuffers_headers; echo "$TF" ;;
  build)   build ;;
  lock)    (cd "$DL" && sha256sum -- *) ;;
  *) echo "usage: $0 fetch|headers|build|lock" >&2; exit 2 ;;
esac
