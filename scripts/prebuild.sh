#!/usr/bin/env bash
# Rebuilds prebuilds/<platform>/: the addon and libtensorflowlite_c.so beside it (the addon finds it via rpath
# $ORIGIN), plus manifest.json. Builds the TFLite library first when $TFLITE_ROOT has none (see build-tflite.sh).
#   usage: scripts/prebuild.sh            (ARCH=x64 | arm64 | armv7; default x64)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ARCH=${ARCH:-x64}
ROOT=${TFLITE_ROOT:-$REPO/.tflite-build}
case "$ARCH" in
  x64) PLATFORM=linux-x64; TRIPLE=x86_64-linux-gnu; CROSS=() ;;
  arm64) PLATFORM=linux-arm64; TRIPLE=aarch64-linux-gnu; CROSS=(--CDCMAKE_TOOLCHAIN_FILE="$REPO/scripts/toolchains/aarch64.cmake") ;;
  armv7) PLATFORM=linux-arm; TRIPLE=arm-linux-gnueabihf; CROSS=(--CDCMAKE_TOOLCHAIN_FILE="$REPO/scripts/toolchains/armv7.cmake") ;;
  *) echo "unknown ARCH=$ARCH" >&2; exit 2 ;;
esac
LIB=$ROOT/build-$ARCH/libtensorflowlite_c.stripped.so
[ -f "$LIB" ] || ARCH=$ARCH bash "$REPO/scripts/build-tflite.sh" build
HEADERS=$(bash "$REPO/scripts/build-tflite.sh" headers | tail -1)
OUT=$REPO/prebuilds/$PLATFORM
STAGE=$ROOT/addon-$ARCH
mkdir -p "$OUT" "$STAGE"
cp "$LIB" "$OUT/libtensorflowlite_c.so"

cd "$REPO"
npx cmake-js compile --out "$STAGE" "${CROSS[@]}" --CDTFLITE_HEADERS="$HEADERS" --CDTFLITE_LIB_DIR="$OUT" >"$STAGE/build.log" 2>&1 \
  || { tail -30 "$STAGE/build.log"; exit 1; }
STRIP=strip; [ "$ARCH" = x64 ] || STRIP=$TRIPLE-strip
$STRIP --strip-unneeded -o "$OUT/tflite-runtime.napi.glibc.node" "$STAGE/Release/tflite_runtime.node"

ARCH=$ARCH PLATFORM=$PLATFORM TRIPLE=$TRIPLE OUT=$OUT node "$REPO/scripts/write-manifest.js"
echo "prebuilds/$PLATFORM:"; ls -l "$OUT"
