// Engine server for this addon (tflite-runtime). All addon variants run in this one process, so they share JIT
// state and the interpreter; run.js alternates them with the other engines.
// Variants (per call):
//   sync    write the cached input view(s), invoke(), copy the cached output view(s) into a JS array (zero-copy path)
//   getter  the same, but reading it.input(i).data / it.output(i).data on every call (no caching by the user)
//   invoke  invoke() alone
//   run     it.run([inputs]) : copies in, invoke, fresh copies out
//   async   as sync, with await invokeAsync()
import type { Interpreter as InterpreterType } from 'tflite-runtime';
import { loadLibrary } from '../../stress/lib/runtime';
import { fillInput, like, measureSync, measureAsync, serve, viewOf, type View } from './common';

const { Interpreter } = loadLibrary();

interface Slot { it: InterpreterType; inViews: View[]; outViews: View[]; src: View[]; dst: View[] }
const slots = new Map<number, Slot>();


serve({
  load(id, threads, xnnpack, file) {
    const old = slots.get(id);
    if (old) old.it.dispose();
    const t0 = process.hrtime.bigint();
    const it = new Interpreter(file, { threads, xnnpack });
    const t1 = process.hrtime.bigint();
    it.allocateTensors();
    const t2 = process.hrtime.bigint();
    const inViews = it.inputs.map((t) => viewOf(t.data));
    const outViews = it.outputs.map((t) => viewOf(t.data));
    const src = inViews.map((v) => fillInput(like(v)));
    const dst = outViews.map(like);
    const delegates = it.delegates;
    slots.set(id, { it, inViews, outViews, src, dst });
    const xnn = delegates.find((d) => d.name === 'xnnpack');
    return {
      loadUs: Number(t1 - t0) / 1e3,
      allocUs: Number(t2 - t1) / 1e3,
      xnnpack: !!(xnn && xnn.applied),
      xnnpackNodes: xnn ? xnn.nodes : 0,
      plan: it.executionPlan.map((p) => (p.delegate ? `${p.delegate}(${p.nodes})` : p.op)),
    };
  },

  run(id, variant, iters, batch, warmup) {
    const s = slots.get(id);
    if (!s) throw new Error(`slot ${id} not loaded`);
    const { it, inViews, outViews, src, dst } = s;
    const n = inViews.length;
    const m = outViews.length;
    switch (variant) {
      case 'sync':
        return measureSync(() => {
          for (let i = 0; i < n; i++) inViews[i]!.set(src[i]!);
          it.invoke();
          for (let i = 0; i < m; i++) dst[i]!.set(outViews[i]!);
        }, iters, batch, warmup);
      case 'getter':
        return measureSync(() => {
          for (let i = 0; i < n; i++) viewOf(it.input(i).data).set(src[i]!);
          it.invoke();
          for (let i = 0; i < m; i++) dst[i]!.set(viewOf(it.output(i).data));
        }, iters, batch, warmup);
      case 'invoke':
        return measureSync(() => it.invoke(), iters, batch, warmup);
      case 'run':
        return measureSync(() => it.run(src as never), iters, batch, warmup);
      case 'async':
        return measureAsync(async () => {
          for (let i = 0; i < n; i++) inViews[i]!.set(src[i]!);
          await it.invokeAsync();
          for (let i = 0; i < m; i++) dst[i]!.set(outViews[i]!);
        }, iters, batch, warmup);
      default:
        throw new Error(`unknown variant ${variant}`);
    }
  },

  free(id) {
    const s = slots.get(id);
    if (s) s.it.dispose();
    slots.delete(id);
  },
});
