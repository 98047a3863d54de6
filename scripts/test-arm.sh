#!/usr/bin/env bash
# Runs the package's tests on the ARM prebuilds under emulation: a Debian bookworm root per architecture (made with
# debootstrap, with bookworm's nodejs: Node 18.20, what Raspberry Pi OS bookworm ships) and qemu-user-static.
#
#   scripts/test-arm.sh [arm64|armv7|all] [--smoke] [-- <jest args>]          (default: all, whole suite)
#
#   (default)  the whole jest suite (--runInBand) against prebuilds/linux-arm64 or prebuilds/linux-arm
#              (~11 min per architecture on 2 cores)
#   --smoke    only scripts/smoke.js: load the addon through node-gyp-build, run test/fixtures/add.tflite with and
#              without XNNPACK (which must really apply), sync and async, compare with expected.json. What CI runs:
#              ~25 s per architecture on a clean machine (root included), 2-3 s once the root exists.
#
# Needs root (debootstrap, chroot, mounts in a private mount namespace), network to deb.debian.org the first time,
# and the host packages qemu-user-static, debootstrap, binfmt-support; the whole suite also g++-aarch64-linux-gnu /
# g++-arm-linux-gnueabihf (the test plugins are cross-compiled). Roots live in $ARM_ROOTS (default
# <repo>/.arm-roots/<debian-arch>, gitignored) and are made once: debootstrap --foreign (~20 s, ~60 MB) and, for the
# whole suite, its second stage under qemu (~2-3 min); the smoke test only unpacks the downloaded .debs.
# The checkout is staged into <root>/pkg-<pid> (one per run, removed afterwards) without build/ (whose host addon
# node-gyp-build would prefer), .git, build trees, caches and roots; node_modules is hard-linked from a copy in the
# root that is refreshed when package-lock.json changes. The host's
# `npm run build --ignore-scripts` refreshes dist/ first (skip with TEST_ARM_NO_BUILD=1). Under emulation tests run
# ~3-5x slower than on the host; the default per-test timeout is raised to 180 s (explicit timeouts stay).
#
# With binfmt_misc (Debian registers qemu with the F flag: no qemu copy inside the root) the root is entered with
# chroot and everything runs as on a board, including the child processes tests spawn. Without binfmt_misc (and no
# way to mount it) it falls back to `qemu-<arch>-static -L <root> <root>/usr/bin/node`: the smoke test works, tests
# that spawn processes do not.
#
# For the whole suite the root also gets: the test delegate plugins (test/plugins/*.cc) cross-compiled with the host's
# cross g++ into the staged copy (jest's globalSetup finds them up to date); npm 10.8.2 (what Node 18.20 bundles,
# pinned sha256) for the pack test, with the host's npm cache copied in so that its `npm install --prefer-offline`
# fetches nothing.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOTS=${ARM_ROOTS:-$REPO/.arm-roots}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm

TARGET=all SMOKE=0 JEST_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    arm64|armv7|all) TARGET=$1 ;;
    --smoke) SMOKE=1 ;;
    --) shift; JEST_ARGS=("$@"); break ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (arm64 | armv7 | all, --smoke, -- jest args)" >&2; exit 2 ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || { echo "test-arm.sh needs root (debootstrap, chroot)" >&2; exit 1; }
for tool in debootstrap qemu-aarch64-static qemu-arm-static; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install qemu-user-static debootstrap binfmt-support" >&2; exit 1; }
done

say() { echo "[test-arm $(date +%H:%M:%S)] $*"; }

arch_vars() {
  case "$1" in
    arm64) DEBARCH=arm64; QEMU=qemu-aarch64-static; BINFMT=qemu-aarch64; PLATFORM=linux-arm64; TRIPLE=aarch64-linux-gnu ;;
    armv7) DEBARCH=armhf; QEMU=qemu-arm-static;     BINFMT=qemu-arm;     PLATFORM=linux-arm;   TRIPLE=arm-linux-gnueabihf ;;
  esac
  R=$ROOTS/$DEBARCH
}

# binfmt_misc with qemu's handlers (Debian registers them with the F flag, so a chroot needs no qemu copy inside).
binfmt_ok() {
  local f=/proc/sys/fs/binfmt_misc/$BINFMT
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || return 1
  fi
  if ! head -1 "$f" 2>/dev/null | grep -q enabled; then
    update-binfmts --enable "$BINFMT" >/dev/null 2>&1 || true
  fi
  head -1 "$f" 2>/dev/null | grep -q enabled && grep -q '^flags: .*F' "$f"
}

# A root is made once. The whole suite needs a complete one: debootstrap's second stage, run under qemu (~2.5-3 min).
# The smoke test only needs Node and its libraries: the .debs that the first stage downloaded, unpacked (~30 s in
# all), which is what CI uses; a later full run makes the root again (the second stage does not run over a root
# whose packages were unpacked by hand).
ensure_root() {
  [ -f "$R/.test-arm-root" ] && [ -e "$R/usr/bin/node" ] && return 0
  [ "$SMOKE" = 1 ] && [ -f "$R/.test-arm-root-unpacked" ] && [ -e "$R/usr/bin/node" ] && return 0
  local t0=$SECONDS log=$ROOTS/debootstrap-$DEBARCH.log
  if [ ! -d "$R/debootstrap" ] || [ -f "$R/.test-arm-root-unpacked" ]; then
    say "making the $DEBARCH root in $R (debootstrap --foreign $SUITE, minbase + nodejs)"
    rm -rf "$R"; mkdir -p "$R"
    debootstrap --foreign --arch="$DEBARCH" --variant=minbase --include=nodejs "$SUITE" "$R" "$MIRROR" \
      > "$log" 2>&1 || { tail -20 "$log"; exit 1; }
  fi
  if [ "$SMOKE" = 1 ] || [ "$USE_CHROOT" = 0 ]; then
    for deb in "$R"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$R"; done
    touch "$R/.test-arm-root-unpacked"
    say "root unpacked in $((SECONDS - t0)) s"
    [ "$USE_CHROOT" = 0 ] && [ "$SMOKE" = 0 ] && touch "$R/.test-arm-root"  # nothing more can be done without binfmt
    return 0
  fi
  say "debootstrap second stage under qemu (a few minutes, once)"
  nice -n 10 chroot "$R" /debootstrap/debootstrap --second-stage >> "$log" 2>&1 || { tail -20 "$log"; exit 1; }
  touch "$R/.test-arm-root"
  say "root ready in $((SECONDS - t0)) s"
}

# npm for the root: bookworm's nodejs package has none, and the host's npm may be too new for Node 18. 10.8.2 is
# the npm that Node 18.20 bundles; the tarball is pinned by sha256.
NPM_VERSION=10.8.2
NPM_SHA256=c8c61ba0fa0ab3b5120efd5ba97fdaf0e0b495eef647a97c4413919eda0a878b
ensure_npm() {
  [ -f "$R/usr/local/lib/node_modules/npm/.test-arm-$NPM_VERSION" ] && return 0
  local tgz=$ROOTS/cache/npm-$NPM_VERSION.tgz
  if ! echo "$NPM_SHA256  $tgz" | sha256sum --quiet -c - 2>/dev/null; then
    mkdir -p "$ROOTS/cache"
    (cd "$ROOTS/cache" && npm pack "npm@$NPM_VERSION" --silent >/dev/null)
    echo "$NPM_SHA256  $tgz" | sha256sum --quiet -c - || { echo "npm-$NPM_VERSION.tgz: sha256 mismatch" >&2; exit 1; }
  fi
  rm -rf "$R/usr/local/lib/node_modules/npm" && mkdir -p "$R/usr/local/lib/node_modules/npm" "$R/usr/local/bin"
  tar -xzf "$tgz" -C "$R/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
  touch "$R/usr/local/lib/node_modules/npm/.test-arm-$NPM_VERSION"
}

# The pack test installs the packed tarball into a new project with `npm install --prefer-offline`: seed the root's
# npm cache from the host's (the same packuments and tarballs the host's run uses), so that nothing is fetched.
seed_npm_cache() {
  local cache; cache=$(npm config get cache 2>/dev/null || echo "$HOME/.npm")
  [ -d "$cache/_cacache" ] || return 0
  mkdir -p "$R/root/.npm" && cp -a -u "$cache/_cacache" "$R/root/.npm/"
}

cxx_stub() {
  printf '#!/bin/sh\necho "test-arm: no compiler in this root; the test plugins are cross-built on the host by scripts/test-arm.sh" >&2\nexit 1\n' \
    > "$R/usr/local/bin/$TRIPLE-g++"
  chmod +x "$R/usr/local/bin/$TRIPLE-g++"
}

# The repository as a checkout would have it, into a directory of its own for this run (<root>/pkg-<pid>, removed
# afterwards: runs at the same time, e.g. CI's smoke test beside a full run, do not disturb each other); never
# build/ (node-gyp-build would prefer its host addon), nor build trees, caches, roots or virtualenvs.
# node_modules is kept in <root>/var/cache/test-arm (refreshed when package-lock.json changes) and hard-linked in.
stage_package() {
  [ -d "$REPO/prebuilds/$PLATFORM" ] || { echo "no prebuilds/$PLATFORM: run ARCH=$1 scripts/prebuild.sh" >&2; exit 1; }
  local cache=$R/var/cache/test-arm stamp
  stamp=$(sha256sum "$REPO/package-lock.json" | cut -c1-64)
  if [ "$(cat "$cache/node_modules.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$cache/node_modules" && mkdir -p "$cache" && cp -a "$REPO/node_modules" "$cache/" \
      && echo "$stamp" > "$cache/node_modules.stamp"
  fi
  PKG=/pkg-$$
  local P=$R$PKG
  rm -rf "$P" && mkdir -p "$P"
  tar -C "$REPO" --exclude=./.git --exclude=./build --exclude=./node_modules --exclude=./.tflite-build \
      --exclude=./.arm-roots --exclude=./.venv --exclude=./coverage --exclude=./test/.build \
      --exclude=./bench/.cache --exclude=./bench/.peers -cf - . | tar -C "$P" -xf -
  cp -al "$cache/node_modules" "$P/node_modules"
  # The test delegate plugins, cross-compiled here for the target (the root has no compiler). jest's globalSetup
  # runs test/plugins/build.sh again inside the root, finds every output newer than its sources and builds nothing.
  if [ "$SMOKE" = 0 ] && [ -f "$P/test/plugins/build.sh" ]; then
    CXX=$TRIPLE-g++ TFLITE_ROOT=${TFLITE_ROOT:-$REPO/.tflite-build} bash "$P/test/plugins/build.sh" \
      || { echo "cross-building the test plugins with $TRIPLE-g++ failed" >&2; exit 1; }
  fi
}

run_in_root() {  # run_in_root <command line run by sh in the staged package>
  # CXX: test/plugins/build.sh wants a compiler on PATH even when its outputs are up to date; the root's is a stub
  # that says where the plugins come from (see stage_package), never called while nothing is stale.
  local envs=(PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 CI=1 CXX=$TRIPLE-g++)
  if [ "$USE_CHROOT" = 1 ]; then
    # A private mount namespace: what is mounted here exists for this run only and disappears with it.
    #   /proc; /sys (cpuinfo, which XNNPACK and ruy use to pick kernels, reads /sys/devices/system/cpu: without it
    #   XNNPACK silently stays off); /dev with /dev/pts (tests run the CLI on a pseudo-terminal with script(1));
    #   the host's resolv.conf (should npm need the registry after all).
    unshare --mount --propagation private sh -c '
      r=$1; shift
      mount -t proc proc "$r/proc" && mount -t sysfs -o ro sysfs "$r/sys" && mount --rbind /dev "$r/dev" &&
      mount --bind /etc/resolv.conf "$r/etc/resolv.conf" && exec chroot "$r" "$@"' \
      sh "$R" /usr/bin/env -i "${envs[@]}" sh -c "cd $PKG && $1"
  else
    (cd "$R$PKG" && env -i "${envs[@]}" QEMU_LD_PREFIX="$R" "$QEMU" -L "$R" "$R/usr/bin/node" ${1#node })
  fi
}

run_arch() {
  arch_vars "$1"
  USE_CHROOT=1
  binfmt_ok || { USE_CHROOT=0; say "binfmt_misc unavailable: qemu -L fallback (tests that spawn processes will fail)"; }
  # The root and its shared parts are prepared under a lock (two runs may start at once); the run itself is not.
  exec 9>"$ROOTS/.lock-$DEBARCH"
  flock 9
  ensure_root
  [ "$SMOKE" = 1 ] || { ensure_npm; seed_npm_cache; cxx_stub; }
  stage_package "$1"
  flock -u 9
  trap 'rm -rf "${R:?}${PKG:?}"' EXIT
  local t0=$SECONDS status=0
  if [ "$SMOKE" = 1 ]; then
    say "$1: smoke test (scripts/smoke.js) under $QEMU"
    cp "$REPO/scripts/smoke.js" "$R$PKG/smoke.js"
    run_in_root "node smoke.js $PKG" || status=$?
  else
    say "$1: jest under $QEMU ($(run_in_root 'node --version'))"
    local extra=; [ ${#JEST_ARGS[@]} -gt 0 ] && extra=$(printf ' %q' "${JEST_ARGS[@]}")
    run_in_root "node node_modules/jest/bin/jest.js --runInBand --testTimeout=180000$extra" || status=$?
  fi
  say "$1: $([ $status = 0 ] && echo PASS || echo "FAIL ($status)") in $((SECONDS - t0)) s"
  rm -rf "${R:?}${PKG:?}"; trap - EXIT
  return $status
}

if [ "${TEST_ARM_NO_BUILD:-0}" != 1 ] && [ "$SMOKE" = 0 ] || [ ! -d "$REPO/dist" ]; then
  # --ignore-scripts: only tsc + ESM (the prebuild pre-hook would rebuild the x64 prebuild when native/ changed).
  (cd "$REPO" && npm run build --silent --ignore-scripts)
fi
mkdir -p "$ROOTS"
overall=0
case "$TARGET" in
  all) run_arch arm64 || overall=1; run_arch armv7 || overall=1 ;;
  *) run_arch "$TARGET" || overall=1 ;;
esac
exit $overall
