// The model writers in stress/lib/ (hostile.ts: hand-made hostile models; mutate.ts: the fuzzer's mutants), as the
// stress scripts use them. Both read the seeds and fixtures from the package root (runtime.ts ROOT).
import { hostile } from './hostile';
import { mutant as makeMutant } from './mutate';
import type { Mutant } from './mutate';

export type { Mutant };

/** Each hostile model by name, as a function that builds its bytes. */
export function hostileModels(): Record<string, () => Buffer> {
  return hostile;
}

/** The fuzzer's mutant `index` of `seed` (deterministic). */
export function mutant(seed: number, index: number): Mutant {
  return makeMutant(seed, index);
}
