// Writes the ESM entry (dist/esm/index.mjs): a thin wrapper over the CommonJS build, so both module systems share
// one addon instance and one set of classes (instanceof works across them).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const cjs = require(path.join(root, 'dist/cjs/index.js'));
const names = Object.keys(cjs).filter((n) => n !== '__esModule' && n !== 'default');
const esmDir = path.join(root, 'dist/esm');
fs.mkdirSync(esmDir, { recursive: true });
fs.writeFileSync(path.join(esmDir, 'index.mjs'),
  `import { createRequire } from 'module';\nconst cjs = createRequire(import.meta.url)('../cjs/index.js');\n` +
  names.map((n) => `export const ${n} = cjs.${n};`).join('\n') + '\nexport default cjs;\n');
// `export *` does not carry the default export: declare it too (the CommonJS module object, as index.mjs exports).
fs.writeFileSync(path.join(esmDir, 'index.d.mts'),
  "export * from '../cjs/index.js';\nimport * as cjs from '../cjs/index.js';\nexport default cjs;\n");
