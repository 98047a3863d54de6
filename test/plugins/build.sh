#!/usr/bin/env bash
# Builds the test delegate plugins into test/.build/plugins/ (gitignored), against the pinned TFLite headers:
#   libadd_delegate.so        add_delegate.cc: a plugin claiming float32 ADD nodes (see the file)
#   libhalf_plugin.so         add_delegate.cc without tflite_plugin_destroy_delegate (an incomplete plugin)
#   edgetpu/libedgetpu.so.1   fake_edgetpu.cc: a stand-in for Coral's libedgetpu (device list, version, plugin ABI)
#   libdet_op.so              det_op.cc: a custom op library (MatrixDeterminant) for the customOps option, linked
#                             against this platform's prebuilt libtensorflowlite_c.so
# Rebuilds an output only when a source (or this script) is newer. Run by jest's globalSetup; safe to run twice at
# once (each output is written to a temporary file, then renamed). On a fresh machine the header lookup fetches and
# verifies the TensorFlow source once (~56 MB, scripts/build-tflite.sh headers).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="$REPO/test/.build/plugins"
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null || { echo "test/plugins: no C++ compiler ($CXX): install g++ or set CXX" >&2; exit 1; }
mkdir -p "$OUT/edgetpu"

HEADERS=""
stale() {  # stale OUTPUT SOURCE...
  local output=$1; shift
  [ -f "$output" ] || return 0
  local source
  for source in "$@" "$HERE/plugin_common.h" "$HERE/build.sh"; do
    [ "$source" -nt "$output" ] && return 0
  done
  return 1
}

build() {  # build OUTPUT SONAME SOURCE [FLAGS...]
  local output=$1 soname=$2 source=$3; shift 3
  stale "$output" "$source" || return 0
  if [ -z "$HEADERS" ]; then
    HEADERS=$(bash "$REPO/scripts/build-tflite.sh" headers | tail -1)
    [ -f "$HEADERS/tensorflow/lite/core/c/common.h" ] || { echo "no TFLite headers at '$HEADERS'" >&2; exit 1; }
  fi
  local temporary="$output.tmp.$$"
  echo "test/plugins: building ${output#"$REPO"/}" >&2
  "$CXX" -std=c++17 -shared -fPIC -O1 -fvisibility=hidden -Wall -Wl,-soname,"$soname" -Wl,--no-undefined \
    -I"$HEADERS" -I"$HERE" -o "$temporary" "$source" "$@" -ldl  # "$@" after the source: -l order matters
  mv -f "$temporary" "$output"
}

build "$OUT/libadd_delegate.so" libadd_delegate.so "$HERE/add_delegate.cc"
build "$OUT/libhalf_plugin.so" libhalf_plugin.so "$HERE/add_delegate.cc" -DTEST_PLUGIN_NO_DESTROY
build "$OUT/edgetpu/libedgetpu.so.1" libedgetpu.so.1 "$HERE/fake_edgetpu.cc"
# The op library calls the C API, so it links the library the addon loads (same soname: the loader shares it).
# The target is the compiler's (scripts/test-arm.sh cross-builds these with CXX=<triple>-g++ on the host).
case "$("$CXX" -dumpmachine)" in
  x86_64*) PLATFORM=linux-x64 ;; aarch64*) PLATFORM=linux-arm64 ;; arm*) PLATFORM=linux-arm ;;
  *) PLATFORM=linux-x64 ;;
esac
build "$OUT/libdet_op.so" libdet_op.so "$HERE/det_op.cc" -L"$REPO/prebuilds/${PLATFORM:-linux-x64}" -ltensorflowlite_c
