// sha256 over native/ (file names and contents, sorted): identifies the sources a prebuilt addon was built from.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

function nativeSourcesHash(root = path.join(__dirname, '..')) {
  const dir = path.join(root, 'native');
  const hash = crypto.createHash('sha256');
  for (const name of fs.readdirSync(dir).sort()) {
    hash.update(`${name}\0`);
    hash.update(fs.readFileSync(path.join(dir, name)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

module.exports = { nativeSourcesHash };
if (require.main === module) console.log(nativeSourcesHash());
