// Builds what the tests need beyond the package itself: the test delegate plugins (test/plugins/build.sh), once.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

module.exports = async function globalSetup() {
  const script = path.join(__dirname, 'plugins', 'build.sh');
  if (fs.existsSync(script)) execFileSync('bash', [script], { stdio: 'inherit' });
};
