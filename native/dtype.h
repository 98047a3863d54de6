// TFLite's element types and how each maps onto a JavaScript TypedArray. Mirrored by lib/dtype.ts.
#pragma once
#include <napi.h>
#include "tflite.h"

namespace tflite_node {

struct DTypeInfo {
  TfLiteType type;
  const char* name;             // the name lib/dtype.ts and users see
  napi_typedarray_type array;   // the TypedArray a view or copy of this dtype is
  size_t arrayElementSize;      // bytes per element of that TypedArray
};

// Info for `type`; types with no numeric meaning (string, resource, variant, int4) map to raw bytes (Uint8Array).
const DTypeInfo& DTypeOf(TfLiteType type);

}  // namespace tflite_node
