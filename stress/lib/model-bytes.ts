// The plain-JS model writers in stress/lib/ (hostile.js: hand-made hostile models; mutate.js: the fuzzer's mutants),
// loaded from the source tree, not compiled: they read the seeds and fixtures relative to themselves. Typed here by
// what the TypeScript scripts use of them.
import * as path from 'path';
import { ROOT } from './runtime';

const source = (name: string): string => path.join(ROOT, 'stress', 'lib', name);

/** Each hostile model by name, as a function that builds its bytes. */
export function hostileModels(): Record<string, () => Buffer> {
  return (require(source('hostile.js')) as { hostile: Record<string, () => Buffer> }).hostile;
}

export interface Mutant {
  bytes: Buffer;
  /** The fixture or seed it was made from. */
  base: string;
  strategies: string[];
  notes: string[];
}

/** The fuzzer's mutant `index` of `seed` (deterministic). */
export function mutant(seed: number, index: number): Mutant {
  return (require(source('mutate.js')) as { mutant(seed: number, index: number): Mutant }).mutant(seed, index);
}
