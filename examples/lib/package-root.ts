// Where the examples' files are: the package root (this checkout, or node_modules/tflite-runtime), found by the
// package's own name as Node resolves `import 'tflite-runtime'` (self-reference through package.json `exports`), not
// from this file's folder, so that the same code runs from examples/ and compiled, from dist/examples/.
import * as path from 'path';

export const ROOT = path.dirname(require.resolve('tflite-runtime/package.json'));
/** The models published with the examples (examples/models/). */
export const MODELS = path.join(ROOT, 'examples', 'models');
/** The photos (examples/assets/). */
export const ASSETS = path.join(ROOT, 'examples', 'assets');
/** The test models (test/fixtures/: in the repository, not in the package). */
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
