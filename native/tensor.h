// Reading and writing one TfLiteTensor: its description, zero-copy views, copies in and out, string tensors.
// Interpreter and SignatureRunner resolve a tensor pointer afresh on every call (TFLite may move its tensor array
// while allocating) and hand it to these functions.
#pragma once
#include <napi.h>
#include <memory>
#include <vector>
#include "tflite.h"

namespace tflite_node {

// Every ArrayBuffer handed out over TFLite's memory, held weakly, so all of them can be detached at once when that
// memory may move or be freed (allocate, resize, dispose). A detached view has length 0: stale, never dangling.
class ViewRegistry {
 public:
  void Track(Napi::ArrayBuffer buffer);
  void DetachAll();

 private:
  std::vector<Napi::Reference<Napi::ArrayBuffer>> views_;
};

// { name, type, shape, shapeSignature, byteLength, scale, zeroPoint, scales, zeroPoints, quantizedDimension,
//   viewable, writable }: viewable is false where ViewTensor would return a copy; writable is false for the model's
//   constants (read-only memory: WriteTensor refuses them).
Napi::Object DescribeTensor(Napi::Env env, const TfLiteTensor* tensor);

// A TypedArray over the tensor's own buffer (external ArrayBuffer, tracked for detaching). Where the runtime
// forbids external buffers (Electron's V8 sandbox), the tensor is dynamic, or the data is misaligned, a copy.
// `owner` (the interpreter's core) is kept alive by the view until the GC collects it.
Napi::Value ViewTensor(Napi::Env env, TfLiteTensor* tensor, ViewRegistry& views, std::shared_ptr<void> owner);

// A copy: TypedArray, or string[] for string tensors.
Napi::Value ReadTensor(Napi::Env env, const TfLiteTensor* tensor);

// Copy in. `value` was checked by lib/tensor.ts: a TypedArray of the tensor's byte length, or for string tensors
// an array of strings with one per element. Throws ERR_TFLITE_SIZE on a byte-length mismatch regardless.
void WriteTensor(Napi::Env env, TfLiteTensor* tensor, Napi::Value value);

}  // namespace tflite_node
