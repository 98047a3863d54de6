#!/usr/bin/env node
// Smoke test of an installed/prebuilt package on any platform (CI runs it under qemu for the ARM prebuilds):
// load the addon through the package entry (node-gyp-build picks the prebuild), run test/fixtures/add.tflite with
// and without XNNPACK, synchronously and on the libuv pool, and compare with test/fixtures/expected.json.
//   usage: node scripts/smoke.js [packageDir]      exit 0 = pass
'use strict';
const path = require('path');
const fs = require('fs');

const pkg = path.resolve(process.argv[2] || path.join(__dirname, '..'));
const t0 = process.hrtime.bigint();
const { Interpreter, version } = require(pkg);
const loaded = Number(process.hrtime.bigint() - t0) / 1e6;
const expected = JSON.parse(fs.readFileSync(path.join(pkg, 'test/fixtures/expected.json'), 'utf8'))['add.tflite'];
const model = path.join(pkg, 'test/fixtures/add.tflite');
const inputs = Object.fromEntries(expected.inputs.map((i) => [i.name, Float32Array.from(i.value)]));
const want = expected.outputs[0];

function check(label, out) {
  const got = out[want.name];
  const ok = got instanceof Float32Array && got.length === want.value.length
    && want.value.every((v, i) => Math.abs(got[i] - v) <= 1e-6 * Math.max(1, Math.abs(v)));
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${Array.from(got ?? [])} (want ${want.value})`);
  if (!ok) process.exitCode = 1;
}

(async () => {
  const binding = require(require.resolve('node-gyp-build', { paths: [pkg] })).path(pkg);
  console.log(`${process.platform}-${process.arch} node ${process.version} arm_version=${process.config.variables.arm_version ?? '-'}`);
  console.log(`addon ${path.relative(pkg, binding)}; tflite ${version.tflite}, addon ${version.addon}; loaded in ${loaded.toFixed(0)} ms`);
  for (const xnnpack of [true, false]) {
    const it = new Interpreter(model, { xnnpack, threads: 1 });
    it.allocateTensors();
    if (xnnpack && Array.isArray(it.delegates)) {  // XNNPACK must really apply (it silently does not if cpuinfo fails)
      const applied = it.delegates.some((d) => d.name === 'xnnpack' && d.applied);
      console.log(`${applied ? 'ok  ' : 'FAIL'} xnnpack applied: ${JSON.stringify(it.delegates)}`);
      if (!applied) process.exitCode = 1;
    }
    check(`run (xnnpack ${xnnpack})`, it.run(inputs));
    check(`runAsync (xnnpack ${xnnpack})`, await it.runAsync(inputs));
    it.dispose();
  }
})().catch((error) => { console.error('FAIL', error); process.exitCode = 1; });
