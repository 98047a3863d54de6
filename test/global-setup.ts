// Builds what the tests need beyond the package itself: the test delegate plugins (test/plugins/build.sh), once.
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';

export default async function globalSetup(): Promise<void> {
  const script = path.join(__dirname, 'plugins', 'build.sh');
  if (fs.existsSync(script)) execFileSync('bash', [script], { stdio: 'inherit' });
}
