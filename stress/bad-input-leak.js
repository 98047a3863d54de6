// @ts-check
'use strict';
// stress/bad-input-leak.ts, compiled (npm run build): the tests that spawn this path. New callers use dist-tools/stress/bad-input-leak.js.
require('../dist-tools/stress/bad-input-leak.js');
