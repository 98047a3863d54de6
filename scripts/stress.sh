#!/usr/bin/env bash
# Hostile input and long runs: everything in stress/ (see docs/SECURITY.md for what each part checks and found).
#
#   bash scripts/stress.sh          full: 200,000 fuzzed models, full soak (10k cycles, 1M invokes, 200 workers),
#                                   valgrind (3 rounds), the whole jest suite under ASan + UBSan, LeakSanitizer
#   bash scripts/stress.sh --ci     short (< 5 min on 2 cores): 10,000 fuzzed models, CI-sized soak, valgrind
#                                   (1 round, when installed), the bad-input/async/interpreter tests under ASan +
#                                   UBSan, LeakSanitizer
#
# Parts can be skipped with STRESS_SKIP="fuzz soak valgrind asan" (any of them). Runs against the addon the package
# loads (build/Release when present, else prebuilds/), and dist/ (built first when missing; dist-tools/ always). Each part writes
# stress/results/<part>.json; the summary goes to stress/results/summary.json. Exits 1 when any part fails:
#   fuzz      a crash while loading, inspecting, allocating or filling inputs, or an error that is not a TfLiteError.
#             Crashes from invoke on (inside TFLite's and XNNPACK's kernels, or later from the heap they corrupted:
#             reading outputs, dispose) are reported, not gated: docs/SECURITY.md lists them
#   bad-input any case of test/bad-input.test.ts (the table and its leak check)
#   soak      RSS drift past a phase's bound, or a wrong result
#   valgrind  any memcheck error or definite leak
#   asan      any ASan/UBSan report, a failing test, or a leak reaching the addon in steady state
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
CI=0
[ "${1:-}" = "--ci" ] && CI=1
SKIP=" ${STRESS_SKIP:-} "
RESULTS=stress/results
mkdir -p "$RESULTS"
started=$SECONDS
declare -A STATUS SECONDS_OF
step() { echo; echo "=== stress: $* ($((SECONDS - started)) s)"; }
run_part() { # name command...
  local name=$1 t0=$SECONDS
  shift
  if [[ "$SKIP" == *" $name "* ]]; then STATUS[$name]=skipped; return; fi
  step "$name"
  if "$@"; then STATUS[$name]=ok; else STATUS[$name]=FAILED; fi
  SECONDS_OF[$name]=$((SECONDS - t0))
}

if [ ! -f dist/cjs/index.js ]; then
  step "building dist/"
  npx tsc -p tsconfig.json && node scripts/build-esm.js || exit 1
fi
# The stress scripts are TypeScript (stress/*.ts -> dist-tools/stress/*.js): compiled every run, so never stale.
npx tsc -p tsconfig.tools.json || exit 1
node -e "console.log('stress: addon', require('node-gyp-build').path('.'))"

if [ $CI = 1 ]; then
  FUZZ=(--count 10000 --seed 20250101 --batch 500)
  SOAK=(--ci)
  VALGRIND_ROUNDS=1
  ASAN_TESTS=(test/bad-input.test test/async.test test/interpreter.test test/hostile.test test/api-sweep.test)
else
  FUZZ=(--count 200000 --seed 1 --batch 500)
  SOAK=()
  VALGRIND_ROUNDS=3
  ASAN_TESTS=()
fi

# fuzz-models.js exits 1 on any crash; this gate decides which ones fail the run.
fuzz_part() {
  nice -n 10 node dist-tools/stress/fuzz-models.js "${FUZZ[@]}" --jobs 2 --quiet --out "$RESULTS/fuzz.json"
  node -e "
    const s = require('./$RESULTS/fuzz.json');
    const outside = ['load', 'inspect', 'allocate', 'fill', 'unknown'];
    const fatal = Object.entries(s.crashesAt).filter(([k]) => outside.includes(k)).reduce((a, [, v]) => a + v, 0);
    if (s.crashes) console.log('fuzz: ' + s.crashes + ' crash(es): ' + JSON.stringify(s.crashesAt));
    if (fatal || s.outcomes.untyped) {
      console.error('fuzz: ' + fatal + ' crash(es) outside invoke, ' + s.outcomes.untyped + ' untyped error(s)');
      process.exit(1);
    }"
}

bad_input() {
  npx jest --runInBand test/bad-input.test --json --outputFile="$RESULTS/bad-input.json" 2>&1 | tail -5
  node -e "const r = require('./$RESULTS/bad-input.json'); console.log('bad-input: ' + r.numPassedTests + '/' +
    r.numTotalTests + ' passed'); process.exit(r.success ? 0 : 1)"
}

soak() {
  node --expose-gc dist-tools/stress/soak.js "${SOAK[@]}" --out "$RESULTS/soak.json" 2>&1 | grep -v '^INFO: '
  return "${PIPESTATUS[0]}"
}

valgrind_part() {
  if ! command -v valgrind >/dev/null && [ $CI = 1 ]; then
    echo "valgrind is not installed: skipped in --ci (the full run installs it)"
    echo '{"skipped": "valgrind not installed"}' >"$RESULTS/valgrind.json"
    return 0
  fi
  bash stress/valgrind.sh "$VALGRIND_ROUNDS"
}

asan() {
  bash stress/asan.sh build && bash stress/asan.sh jest -- "${ASAN_TESTS[@]}" && bash stress/asan.sh leaks
}

run_part fuzz fuzz_part
run_part bad-input bad_input
run_part soak soak
run_part valgrind valgrind_part
run_part asan asan

step "summary"
export STRESS_CI=$CI STRESS_SECONDS=$((SECONDS - started))
for k in fuzz bad-input soak valgrind asan; do export "STRESS_STATUS_${k//-/_}=${STATUS[$k]:-skipped}"; done
node - <<'EOF'
const fs = require('fs');
const read = (f) => { try { return JSON.parse(fs.readFileSync(`stress/results/${f}`, 'utf8')); } catch { return null; } };
const fuzz = read('fuzz.json'), soak = read('soak.json'), valgrind = read('valgrind.json'), asan = read('asan.json');
const badInput = read('bad-input.json');
const status = (k) => process.env[`STRESS_STATUS_${k}`];
const summary = {
  mode: process.env.STRESS_CI === '1' ? 'ci' : 'full', seconds: Number(process.env.STRESS_SECONDS),
  status: { fuzz: status('fuzz'), badInput: status('bad_input'), soak: status('soak'), valgrind: status('valgrind'), asan: status('asan') },
  fuzz: fuzz && { models: fuzz.models, seed: fuzz.seed, ran: fuzz.outcomes.ran, rejected: fuzz.outcomes.rejected,
    untyped: fuzz.outcomes.untyped, crashes: fuzz.crashes, crashesAt: fuzz.crashesAt, rejectedBy: fuzz.rejectedBy },
  badInput: badInput && { tests: badInput.numTotalTests, passed: badInput.numPassedTests },
  soak: soak && Object.fromEntries((soak.phases || []).map((p) => [p.name, { total: p.total, driftMb: p.driftMb, rssEnd: p.rssEnd }])),
  valgrind: valgrind && { errors: valgrind.errors, definitelyLostBytes: valgrind.definitelyLostBytes, skipped: valgrind.skipped },
  asan: asan && { jest: asan.jest, leaks: asan.leaks },
};
fs.writeFileSync('stress/results/summary.json', `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary.status), `${summary.seconds} s`);
if (fuzz) console.log(`fuzz: ${fuzz.models} models: ${fuzz.outcomes.ran} ran, ${fuzz.outcomes.rejected} rejected with a code, ${fuzz.outcomes.untyped} untyped, ${fuzz.crashes} crashes ${JSON.stringify(fuzz.crashesAt)}`);
if (soak) console.log(`soak: ${(soak.phases || []).map((p) => `${p.name} ${p.driftMb} MB`).join(', ')}`);
EOF
for k in fuzz bad-input soak valgrind asan; do
  [ "${STATUS[$k]:-skipped}" = FAILED ] && { echo "stress: $k FAILED"; exit 1; }
done
echo "stress: ok in $((SECONDS - started)) s"
