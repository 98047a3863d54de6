#include "tensor.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "addon.h"
#include "dtype.h"
#include "errors.h"

namespace tflite_node {

void ViewRegistry::Track(Napi::ArrayBuffer buffer) {
  views_.push_back(Napi::Weak(buffer));
}

void ViewRegistry::DetachAll() {
  for (auto& ref : views_) {
    if (ref.IsEmpty()) continue;
    Napi::ArrayBuffer buffer = ref.Value();
    if (!buffer.IsEmpty() && !buffer.IsDetached()) buffer.Detach();
  }
  views_.clear();
}

namespace {

Napi::Array IntArrayToJs(Napi::Env env, const TfLiteIntArray* dims) {
  int size = dims ? dims->size : 0;
  Napi::Array out = Napi::Array::New(env, size);
  for (int i = 0; i < size; ++i) out.Set(i, dims->data[i]);
  return out;
}

size_t ElementCount(const TfLiteTensor* tensor) {
  size_t count = 1;
  for (int i = 0; i < TfLiteTensorNumDims(tensor); ++i) count *= static_cast<size_t>(TfLiteTensorDim(tensor, i));
  return count;
}

Napi::Value MakeTypedArray(Napi::Env env, napi_typedarray_type type, size_t elementSize, Napi::ArrayBuffer buffer) {
  napi_value array;
  napi_status status = napi_create_typedarray(env, type, buffer.ByteLength() / elementSize, buffer, 0, &array);
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  return Napi::Value(env, array);
}

// napi_create_arraybuffer cannot fail gracefully: when V8 cannot get the memory it ends the process. A model makes
// its outputs as large as it likes, so a large copy first checks that the memory can be had (malloc is fallible).
void EnsureAllocatable(Napi::Env env, size_t bytes, const TfLiteTensor* tensor) {
  if (bytes < (size_t{64} << 20)) return;
  void* probe = std::malloc(bytes);
  if (probe == nullptr) {
    const char* name = TfLiteTensorName(tensor);
    Throw(env, "ERR_TFLITE_ALLOCATE", "out of memory: cannot allocate " + std::to_string(bytes) +
                                          " bytes for a copy of tensor '" + (name ? name : "") + "'");
  }
  std::free(probe);
}

Napi::Value CopyToTypedArray(Napi::Env env, const TfLiteTensor* tensor) {
  const DTypeInfo& info = DTypeOf(TfLiteTensorType(tensor));
  size_t bytes = TfLiteTensorByteSize(tensor);
  EnsureAllocatable(env, bytes, tensor);
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0 && TfLiteTensorData(tensor) != nullptr) std::memcpy(buffer.Data(), TfLiteTensorData(tensor), bytes);
  return MakeTypedArray(env, info.array, info.arrayElementSize, buffer);
}

// TFLite's string tensor layout: int32 count N, N+1 int32 offsets from the start of the buffer, then the bytes.
Napi::Value ReadStrings(Napi::Env env, const TfLiteTensor* tensor) {
  const char* data = static_cast<const char*>(TfLiteTensorData(tensor));
  size_t bytes = TfLiteTensorByteSize(tensor);
  int32_t count = 0;
  if (data == nullptr || bytes < sizeof(int32_t)) {
    Throw(env, "ERR_TFLITE_INVOKE", "string tensor '" + std::string(TfLiteTensorName(tensor)) +
                                        "' holds no data: set it or invoke the model first");
  }
  std::memcpy(&count, data, sizeof count);
  if (count < 0 || (static_cast<size_t>(count) + 2) * sizeof(int32_t) > bytes) {
    Throw(env, "ERR_TFLITE_INVOKE", "string tensor '" + std::string(TfLiteTensorName(tensor)) + "' is malformed");
  }
  Napi::Array out = Napi::Array::New(env, count);
  for (int32_t i = 0; i < count; ++i) {
    int32_t begin, end;
    std::memcpy(&begin, data + sizeof(int32_t) * (1 + i), sizeof begin);
    std::memcpy(&end, data + sizeof(int32_t) * (2 + i), sizeof end);
    if (begin < 0 || end < begin || static_cast<size_t>(end) > bytes) {
      Throw(env, "ERR_TFLITE_INVOKE", "string tensor '" + std::string(TfLiteTensorName(tensor)) + "' is malformed");
    }
    out.Set(i, Napi::String::New(env, data + begin, end - begin));  // invalid UTF-8 becomes U+FFFD
  }
  return out;
}

// String tensors are kTfLiteDynamic: their buffer is (re)allocated by TfLiteTensorRealloc, as TFLite's own
// DynamicBuffer::WriteToTensor does, then filled in TFLite's layout.
void WriteStrings(Napi::Env env, TfLiteTensor* tensor, Napi::Array strings) {
  if (tensor->allocation_type != kTfLiteDynamic) {
    Throw(env, "ERR_TFLITE_DTYPE", "string tensor '" + std::string(TfLiteTensorName(tensor)) +
                                       "' is not dynamically allocated; TFLite cannot take new strings there");
  }
  uint32_t count = strings.Length();
  std::vector<std::string> values(count);
  size_t payload = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Value value = strings.Get(i);
    if (!value.IsString()) Throw(env, "ERR_TFLITE_DTYPE", "string tensors take an array of strings");
    values[i] = value.As<Napi::String>().Utf8Value();
    payload += values[i].size();
  }
  size_t header = sizeof(int32_t) * (count + 2);
  size_t total = header + payload;
  if (total > INT32_MAX) Throw(env, "ERR_TFLITE_SIZE", "strings exceed TFLite's 2 GiB string tensor limit");
  if (TfLiteTensorRealloc(total, tensor) != kTfLiteOk || tensor->data.raw == nullptr) {
    Throw(env, "ERR_TFLITE_ALLOCATE", "TfLiteTensorRealloc failed for a string tensor of " + std::to_string(total) + " bytes");
  }
  char* buffer = tensor->data.raw;
  auto put = [buffer](size_t at, size_t value) {
    int32_t v = static_cast<int32_t>(value);
    std::memcpy(buffer + at, &v, sizeof v);
  };
  put(0, count);
  size_t offset = header;
  for (uint32_t i = 0; i < count; ++i) {
    put(sizeof(int32_t) * (1 + i), offset);
    std::memcpy(buffer + offset, values[i].data(), values[i].size());
    offset += values[i].size();
  }
  put(sizeof(int32_t) * (1 + count), offset);
}

// Zero-copy is safe only for memory that stays put until the next allocate / resize / dispose (which detach every
// view). Dynamic tensors (strings, data-dependent shapes) may be reallocated by any invoke, so they get copies.
// A model's constants (kTfLiteMmapRo) live in the model's bytes: for a model loaded from a path, a read-only file
// mapping, where any write (through a view, or set()) is a segmentation fault. They are copied out, never written.
bool ReadOnly(const TfLiteTensor* tensor) { return tensor->allocation_type == kTfLiteMmapRo; }

bool CanView(Napi::Env env, const TfLiteTensor* tensor) {
  const DTypeInfo& info = DTypeOf(TfLiteTensorType(tensor));
  bool aligned = reinterpret_cast<uintptr_t>(TfLiteTensorData(tensor)) % info.arrayElementSize == 0;
  return Addon::Of(env).externalBuffersAllowed && tensor->allocation_type != kTfLiteDynamic && !ReadOnly(tensor) &&
         aligned;
}

}  // namespace

Napi::Object DescribeTensor(Napi::Env env, const TfLiteTensor* tensor) {
  Napi::Object out = Napi::Object::New(env);
  const char* name = TfLiteTensorName(tensor);
  out.Set("name", name ? name : "");
  out.Set("type", static_cast<int>(TfLiteTensorType(tensor)));
  out.Set("shape", IntArrayToJs(env, tensor->dims));
  // The model's shape_signature (-1 for dynamic dims); models that store none get their current shape.
  bool hasSignature = tensor->dims_signature != nullptr && tensor->dims_signature->size > 0;
  out.Set("shapeSignature", IntArrayToJs(env, hasSignature ? tensor->dims_signature : tensor->dims));
  out.Set("byteLength", static_cast<double>(TfLiteTensorByteSize(tensor)));
  TfLiteQuantizationParams q = TfLiteTensorQuantizationParams(tensor);
  out.Set("scale", q.scale);
  out.Set("zeroPoint", q.zero_point);
  Napi::Array scales = Napi::Array::New(env), zeroPoints = Napi::Array::New(env);
  int quantizedDimension = 0;
  if (tensor->quantization.type == kTfLiteAffineQuantization && tensor->quantization.params != nullptr) {
    auto* affine = static_cast<const TfLiteAffineQuantization*>(tensor->quantization.params);
    for (int i = 0; affine->scale && i < affine->scale->size; ++i) scales.Set(i, affine->scale->data[i]);
    for (int i = 0; affine->zero_point && i < affine->zero_point->size; ++i) {
      zeroPoints.Set(i, affine->zero_point->data[i]);
    }
    quantizedDimension = affine->quantized_dimension;
  }
  out.Set("scales", scales);
  out.Set("zeroPoints", zeroPoints);
  out.Set("quantizedDimension", quantizedDimension);
  out.Set("viewable", CanView(env, tensor));
  out.Set("writable", !ReadOnly(tensor));
  return out;
}

Napi::Value ViewTensor(Napi::Env env, TfLiteTensor* tensor, ViewRegistry& views, std::shared_ptr<void> owner) {
  const DTypeInfo& info = DTypeOf(TfLiteTensorType(tensor));
  void* data = TfLiteTensorData(tensor);
  size_t bytes = TfLiteTensorByteSize(tensor);
  // Zero-element tensors have a NULL data pointer: an empty (owned) buffer, nothing to detach.
  if (data == nullptr || bytes == 0) {
    return MakeTypedArray(env, info.array, info.arrayElementSize, Napi::ArrayBuffer::New(env, 0));
  }
  if (!CanView(env, tensor)) return CopyToTypedArray(env, tensor);
  napi_value buffer;
  auto* hold = new std::shared_ptr<void>(std::move(owner));
  auto release = [](napi_env, void*, void* hint) { delete static_cast<std::shared_ptr<void>*>(hint); };
  napi_status status = napi_create_external_arraybuffer(env, data, bytes, release, hold, &buffer);
  if (status != napi_ok) delete hold;
  if (status == napi_no_external_buffers_allowed) return CopyToTypedArray(env, tensor);
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  Napi::ArrayBuffer arrayBuffer(env, buffer);
  views.Track(arrayBuffer);
  return MakeTypedArray(env, info.array, info.arrayElementSize, arrayBuffer);
}

Napi::Value ReadTensor(Napi::Env env, const TfLiteTensor* tensor) {
  if (TfLiteTensorType(tensor) == kTfLiteString) return ReadStrings(env, tensor);
  return CopyToTypedArray(env, tensor);
}

void WriteTensor(Napi::Env env, TfLiteTensor* tensor, Napi::Value value) {
  if (ReadOnly(tensor)) {
    const char* name = TfLiteTensorName(tensor);
    Throw(env, "ERR_TFLITE_READ_ONLY", std::string("tensor '") + (name ? name : "") +
                                           "' is a constant of the model (read-only): it cannot be set");
  }
  if (TfLiteTensorType(tensor) == kTfLiteString) {
    if (!value.IsArray()) Throw(env, "ERR_TFLITE_DTYPE", "string tensors take an array of strings");
    Napi::Array strings = value.As<Napi::Array>();
    if (strings.Length() != ElementCount(tensor)) {
      Throw(env, "ERR_TFLITE_SIZE", "expected " + std::to_string(ElementCount(tensor)) + " strings, got " +
                                        std::to_string(strings.Length()));
    }
    WriteStrings(env, tensor, strings);
    return;
  }
  // lib/tensor.ts hands over only TypedArrays over plain ArrayBuffers; checked again because a wrong cast here reads
  // arbitrary memory.
  if (!value.IsTypedArray()) Throw(env, "ERR_TFLITE_DTYPE", "tensor data must be a TypedArray");
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  size_t bytes = TfLiteTensorByteSize(tensor);
  if (array.ByteLength() != bytes) {
    Throw(env, "ERR_TFLITE_SIZE", "tensor '" + std::string(TfLiteTensorName(tensor)) + "' holds " +
                                      std::to_string(bytes) + " bytes, got " + std::to_string(array.ByteLength()));
  }
  if (bytes == 0) return;
  const uint8_t* source = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  if (TfLiteTensorCopyFromBuffer(tensor, source, bytes) != kTfLiteOk) {
    Throw(env, "ERR_TFLITE_SIZE", "TfLiteTensorCopyFromBuffer failed for '" + std::string(TfLiteTensorName(tensor)) + "'");
  }
}

}  // namespace tflite_node
