// @ts-check
'use strict';
// stress/api-sweep.ts, compiled (npm run build): the tests that spawn this path. New callers use dist-tools/stress/api-sweep.js.
require('../dist-tools/stress/api-sweep.js');
