#!/usr/bin/env bash
# Classifies saved fuzz crashes by where they crash: replays each reproducer (stress/crashes/*.json, or the folder
# given) under gdb, as the campaign ran it (XNNPACK on/off, Buffer or file, the same input values, the same 3 GiB
# address-space limit), against a copy of the package whose libtensorflowlite_c.so is the unstripped build
# (.tflite-build/build-x64/libtensorflowlite_c.so, when the library was built locally) so frames have names.
#
#   bash stress/triage.sh [CRASH_DIR=stress/crashes] [STAGE]     one line per crash: file [stage] base, mutation ::
#                                                                 top frames
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(cd "${1:-$REPO/stress/crashes}" && pwd)
STAGE=${2:-}
SYM=$(mktemp -d)
trap 'rm -rf "$SYM"' EXIT
mkdir -p "$SYM/build/Release"
cp -r "$REPO/dist" "$REPO/package.json" "$SYM/"
ln -s "$REPO/node_modules" "$SYM/node_modules"
ADDON=$(cd "$REPO" && node -p "require('node-gyp-build').path('.')")
cp "$ADDON" "$SYM/build/Release/tflite_runtime.node"
LIB=$REPO/.tflite-build/build-x64/libtensorflowlite_c.so
[ -f "$LIB" ] || LIB=$(dirname "$ADDON")/libtensorflowlite_c.so
cp "$LIB" "$SYM/build/Release/libtensorflowlite_c.so"
command -v gdb >/dev/null || { echo "triage needs gdb" >&2; exit 1; }

for json in "$DIR"/*.json; do
  [ -f "$json" ] || continue
  read -r stage index xnnpack via alone base notes < <(node -e "
    const c = require('$json');
    console.log(c.stage, c.index, c.xnnpack, c.via || 'buffer', c.reproducible ? 'alone' : 'in-batch', c.base,
      (c.notes || []).join('|').replace(/\s+/g, '_').slice(0, 70))")
  [ -n "$STAGE" ] && [ "$stage" != "$STAGE" ] && continue
  model=${json%.json}.tflite
  frames=$(cd "$REPO" && TFLITE_RUNTIME_DIST="$SYM/dist/cjs" timeout 180 prlimit --as=$((3072 * 1024 * 1024)) \
    gdb -batch -ex run -ex bt --args node dist-tools/stress/fuzz-models.js --replay "$model" --xnnpack "$xnnpack" --via "$via" \
    --fill-seed "$index" 2>&1 | grep "^#" |
    grep -v "raise\|abort\|terminate\|__cxa\|operator new\|libc.so\|libstdc\|pthread_kill\|gsignal\|malloc_printerr\|__libc_message\|_int_\|__GI_\|malloc_assert\|__memcpy\|__memset\|__memmove\|__strlen" |
    head -3 | sed 's/ (.*//; s/^#[0-9]* *0x[0-9a-f]* in //; s/(.*//; s/<.*//' | tr '\n' ' ')
  echo "$(basename "$model") [$stage, $alone] $base $notes :: ${frames:-(no crash under gdb: timing- or memory-dependent)}"
done
