// The types of corpus.js (plain JavaScript, shared with bench/): what the test files and bench/ read of
// references.json (make_references.py writes it; see README.md here) and the helpers over it.
import type { DType, Interpreter, TypedArray } from '../../dist/cjs';

/** One input of a reference model, and the recipe make_references.py filled it with. */
export interface CorpusInput {
  name: string;
  index: number;
  dtype: DType;
  shape: number[];
  shapeSignature: number[];
  recipe?: { k: number; M: number; rule: string };
  inputSha256?: string;
}

/** One output as Python's tf.lite saw it: every value (small outputs) or a summary (first 16, samples, sums). */
export interface CorpusOutput {
  name: string;
  index: number;
  dtype: DType;
  shape: number[];
  shapeSignature: number[];
  count?: number;
  values?: (number | string)[];
  sum: number;
  sumAbs: number;
  min: number;
  max: number;
  first16: number[];
  sampledPositions: number[];
  sampled: number[];
  maxAbsDiffVsBuiltin?: number;
}

/** What Python did with the model with one delegate setting. */
export interface PythonOutcome { loads: boolean; allocates: boolean; invokes: boolean }

export interface CorpusModel {
  file: string;
  source: string;
  committed: boolean;
  bytes: number;
  sha256: string;
  inputs: CorpusInput[];
  outputs: CorpusOutput[];
  signatures: unknown[];
  ops: string[];
  opCounts?: Record<string, number>;
  nodeCount?: number;
  xnnpack?: { delegateKernels: number; nodesDelegated: number; nodesRemaining: number; remainingOpCounts: Record<string, number> };
  python?: { defaultDelegates?: PythonOutcome; builtinWithoutDefaultDelegates?: PythonOutcome };
  outputsFrom?: 'defaultDelegates' | 'builtinWithoutDefaultDelegates';
  python_ms_1t?: number;
  python_ms_2t?: number;
  loadError?: string;
}

export declare const references: { generator: unknown; inputRecipe: unknown; summaryRule: unknown; models: CorpusModel[] };
/** Models whose file is here (committed ones always; cache ones when fetch-mediapipe.sh etc. ran). */
export declare function availableModels(options?: { committedOnly?: boolean }): CorpusModel[];
export declare function modelPath(entry: CorpusModel): string;
/** Input k's values for `count` elements of `dtype`: make_references.py's recipe. */
export declare function recipeValues(dtype: DType, k: number, count: number): TypedArray | string[];
/** Fills the interpreter's inputs by the recipe; throws when a recipe's bytes differ from what Python fed. */
export declare function fillInputs(interpreter: Interpreter, entry: CorpusModel): void;
/** Differences between our output and Python's reference, as sentences (empty when it matches). */
export declare function compareOutput(actual: ArrayLike<number | bigint | string>, ref: CorpusOutput): string[];
/** A copy of a model with every `op` operator code's stored version set to `version`. */
export declare function withOpVersion(model: Uint8Array, op: 'FULLY_CONNECTED', version: number): Buffer;
