// The recipe's patches, in the order build-tflite.sh applies them: the TFLite source's (scripts/patches/tensorflow/),
// then XNNPACK's (scripts/patches/xnnpack/), each with its sha256: what write-manifest.js records in a prebuild's
// manifest, and what test/prebuild.test.ts checks every committed manifest against.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const TREES = ['tensorflow', 'xnnpack'];

function recipePatches(root = path.join(__dirname, '..')) {
  return TREES.flatMap((tree) => {
    const dir = path.join(root, 'scripts/patches', tree);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => f.endsWith('.patch')).sort().map((f) => ({
      file: `scripts/patches/${tree}/${f}`,
      sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex'),
    }));
  });
}

module.exports = { recipePatches };
