// The recipe's patches to the TFLite source (scripts/patches/tensorflow/), in the order build-tflite.sh applies
// them, each with its sha256: what write-manifest.js records in a prebuild's manifest, and what
// test/prebuild.test.ts checks every committed manifest against.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

function recipePatches(root = path.join(__dirname, '..')) {
  const dir = path.join(root, 'scripts/patches/tensorflow');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.patch')).sort().map((f) => ({
    file: `scripts/patches/tensorflow/${f}`,
    sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex'),
  }));
}

module.exports = { recipePatches };
