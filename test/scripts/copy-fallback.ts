// Run with TFLITE_RUNTIME_NO_EXTERNAL_BUFFERS=1 (as in Electron's V8 sandbox, where external ArrayBuffers are
// forbidden): views are copies, and the usual "fill input.data, invoke, read output.data" still works.
import { Interpreter, zeroCopy } from 'tflite-runtime';
import { fixture } from '../../stress/lib/fixtures';

const it = new Interpreter(fixture('add.tflite'));
it.allocateTensors();
const a = it.input(0, 'float32').data;
const b = it.input(1, 'float32').data;
a.set([1, 2, 3, 4]);
b.set([10, 20, 30, 40]);
it.invoke();
const first = Array.from(it.output(0, 'float32').data);
a[0] = 100; // the same copy, written back at the next invoke
it.invoke();
const second = Array.from(it.output(0, 'float32').data);
it.input(1).set(Float32Array.of(0, 0, 0, 0)); // set() wins over a copy handed out before it
it.invoke();
const third = Array.from(it.output(0, 'float32').data);
it.allocateTensors();
console.log(JSON.stringify({ zeroCopy, first, second, third, keptAfterAllocate: a.length }));
