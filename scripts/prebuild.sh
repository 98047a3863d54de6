#!/usr/bin/env bash
# Rebuilds prebuilds/<platform>/: the addon and libtensorflowlite_c.so beside it (the addon finds it via rpath
# $ORIGIN), plus manifest.json. Builds the TFLite library first when $TFLITE_ROOT has none (see build-tflite.sh).
#   usage: scripts/prebuild.sh            (ARCH=x64 | arm64 | armv7; default x64)
# `npm run prebuilds`. It does nothing while the committed prebuild was built from the
# checked-out native/ sources (FORCE=1 rebuilds anyway). The committed library is reused unless a local library
# build exists or REBUILD_LIB=1 asks for one (~8 min on 2 cores).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ARCH=${ARCH:-x64}
ROOT=${TFLITE_ROOT:-$REPO/.tflite-build}
case "$ARCH" in
  x64) PLATFORM=linux-x64; TRIPLE=x86_64-linux-gnu; CROSS=(); ADDON=tflite-runtime.napi.glibc.node ;;
  arm64) PLATFORM=linux-arm64; TRIPLE=aarch64-linux-gnu; ADDON=tflite-runtime.napi.glibc.node
         CROSS=(--CDCMAKE_TOOLCHAIN_FILE="$REPO/scripts/toolchains/aarch64.cmake") ;;
  # node-gyp-build on linux-arm compares an "armv<N>" tag with process.config.variables.arm_version: "armv7"
  # keeps an armv6 Node (Pi Zero/1, no NEON) from loading this NEON build.
  armv7) PLATFORM=linux-arm; TRIPLE=arm-linux-gnueabihf; ADDON=tflite-runtime.napi.armv7.glibc.node
         CROSS=(--CDCMAKE_TOOLCHAIN_FILE="$REPO/scripts/toolchains/armv7.cmake") ;;
  *) echo "unknown ARCH=$ARCH" >&2; exit 2 ;;
esac
OUT=$REPO/prebuilds/$PLATFORM
if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT/manifest.json" ] && node -e "
  const m = require('$OUT/manifest.json'), { nativeSourcesHash } = require('$REPO/scripts/native-hash.js');
  process.exit(m.nativeSourcesSha256 === nativeSourcesHash('$REPO') ? 0 : 1)"; then
  echo "prebuilds/$PLATFORM is up to date with native/ (FORCE=1 rebuilds it)"
  exit 0
fi
LIB=$ROOT/build-$ARCH/libtensorflowlite_c.stripped.so
if [ "${REBUILD_LIB:-0}" = 1 ] || { [ ! -f "$LIB" ] && [ ! -f "$OUT/libtensorflowlite_c.so" ]; }; then
  ARCH=$ARCH bash "$REPO/scripts/build-tflite.sh" build
fi
HEADERS=$(bash "$REPO/scripts/build-tflite.sh" headers | tail -1)
STAGE=$ROOT/addon-$ARCH
mkdir -p "$OUT" "$STAGE"
[ -f "$LIB" ] && cp "$LIB" "$OUT/libtensorflowlite_c.so"

cd "$REPO"
npx cmake-js compile --out "$STAGE" "${CROSS[@]}" --CDTFLITE_HEADERS="$HEADERS" --CDTFLITE_LIB_DIR="$OUT" >"$STAGE/build.log" 2>&1 \
  || { tail -30 "$STAGE/build.log"; exit 1; }
STRIP=strip; [ "$ARCH" = x64 ] || STRIP=$TRIPLE-strip
$STRIP --strip-unneeded -o "$OUT/$ADDON" "$STAGE/Release/tflite_runtime.node"

ARCH=$ARCH PLATFORM=$PLATFORM TRIPLE=$TRIPLE OUT=$OUT ADDON_NAME=$ADDON node "$REPO/scripts/write-manifest.js"
echo "prebuilds/$PLATFORM:"; ls -l "$OUT"
