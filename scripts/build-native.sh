#!/usr/bin/env bash
# Compiles native/ from source into build/Release (which node-gyp-build prefers over prebuilds/), against the
# prebuilt TFLite library of this platform and the headers of the pinned TensorFlow source (fetched and verified,
# ~56 MB once; no library rebuild). Extra arguments go to cmake-js (e.g. --debug, --CDCMAKE_CXX_COMPILER=clang++).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
case "$(uname -m)" in
  x86_64) PLATFORM=linux-x64 ;; aarch64) PLATFORM=linux-arm64 ;; armv7l) PLATFORM=linux-arm ;;
  *) echo "no prebuilt TFLite library for $(uname -m): build one with scripts/build-tflite.sh" >&2; exit 1 ;;
esac
HEADERS=$(bash "$REPO/scripts/build-tflite.sh" headers | tail -1)
cd "$REPO"
npx cmake-js compile --CDTFLITE_HEADERS="$HEADERS" --CDTFLITE_LIB_DIR="$REPO/prebuilds/$PLATFORM" "$@"
cp "prebuilds/$PLATFORM/libtensorflowlite_c.so" build/Release/
