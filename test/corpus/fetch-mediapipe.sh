#!/usr/bin/env bash
# Fetch the pinned @mediapipe npm packages and extract every *.tflite they ship.
#
# Why: MediaPipe's models are real production TFLite files (sparse weights, custom
# graph shapes, float16 weights) that users bring; they are the judge of compatibility.
# The packages are fetched with `npm pack` (the ordinary npm client), pinned by version
# AND by the tarball's sha256 in mediapipe.lock, verified on every run.
#
#   test/corpus/fetch-mediapipe.sh           # fetch (if needed), verify, extract  (idempotent)
#   test/corpus/fetch-mediapipe.sh --update  # re-pin every package to `npm view <pkg> version`
#
# Output: test/corpus/.cache/npm/*.tgz and test/corpus/.cache/mediapipe/<file>.tflite
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOCK="$HERE/mediapipe.lock"
CACHE="$HERE/.cache"
NPMDIR="$CACHE/npm"
OUT="$CACHE/mediapipe"
PACKAGES=(face_detection hands pose selfie_segmentation objectron)

mkdir -p "$NPMDIR" "$OUT"

sha256() { sha256sum "$1" | cut -d' ' -f1; }

if [[ "${1:-}" == "--update" ]]; then
  tmp="$(mktemp)"
  echo "# package version sha256(tarball from npm pack) -- written by fetch-mediapipe.sh --update" > "$tmp"
  for p in "${PACKAGES[@]}"; do
    v="$(npm view "@mediapipe/$p" version)"
    tgz="$NPMDIR/mediapipe-$p-$v.tgz"
    [[ -f "$tgz" ]] || (cd "$NPMDIR" && npm pack --silent "@mediapipe/$p@$v" >/dev/null)
    echo "@mediapipe/$p $v $(sha256 "$tgz")" >> "$tmp"
  done
  mv "$tmp" "$LOCK"
  echo "re-pinned: $LOCK"
fi

[[ -f "$LOCK" ]] || { echo "missing $LOCK (run with --update to create it)" >&2; exit 1; }

while read -r pkg ver sum; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  name="${pkg#@mediapipe/}"
  tgz="$NPMDIR/mediapipe-$name-$ver.tgz"
  if [[ ! -f "$tgz" ]]; then
    echo "fetching $pkg@$ver"
    (cd "$NPMDIR" && npm pack --silent "$pkg@$ver" >/dev/null)
  fi
  got="$(sha256 "$tgz")"
  if [[ "$got" != "$sum" ]]; then
    echo "sha256 mismatch for $tgz: lock says $sum, file is $got" >&2
    rm -f "$tgz"
    exit 1
  fi
  # Extract only the .tflite files, flattened into $OUT (names are unique across packages).
  while read -r member; do
    base="$(basename "$member")"
    if [[ ! -f "$OUT/$base" ]] || ! cmp -s <(tar -xzOf "$tgz" "$member") "$OUT/$base"; then
      tar -xzOf "$tgz" "$member" > "$OUT/$base.tmp" && mv "$OUT/$base.tmp" "$OUT/$base"
      echo "extracted $base ($pkg@$ver)"
    fi
  done < <(tar -tzf "$tgz" | grep '\.tflite$')
done < "$LOCK"

echo "ok: $(ls "$OUT"/*.tflite | wc -l) models in $OUT"
