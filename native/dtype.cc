#include "dtype.h"

namespace tflite_node {

// The enum values are part of TFLite's ABI; lib/dtype.ts repeats them, so pin them here.
static_assert(kTfLiteNoType == 0 && kTfLiteFloat32 == 1 && kTfLiteInt32 == 2 && kTfLiteUInt8 == 3 &&
                  kTfLiteInt64 == 4 && kTfLiteString == 5 && kTfLiteBool == 6 && kTfLiteInt16 == 7 &&
                  kTfLiteComplex64 == 8 && kTfLiteInt8 == 9 && kTfLiteFloat16 == 10 && kTfLiteFloat64 == 11 &&
                  kTfLiteComplex128 == 12 && kTfLiteUInt64 == 13 && kTfLiteResource == 14 &&
                  kTfLiteVariant == 15 && kTfLiteUInt32 == 16 && kTfLiteUInt16 == 17 && kTfLiteInt4 == 18,
              "TfLiteType values changed: update native/dtype.cc and lib/dtype.ts together");

namespace {
const DTypeInfo kTable[] = {
    {kTfLiteNoType, "notype", napi_uint8_array, 1},
    {kTfLiteFloat32, "float32", napi_float32_array, 4},
    {kTfLiteInt32, "int32", napi_int32_array, 4},
    {kTfLiteUInt8, "uint8", napi_uint8_array, 1},
    {kTfLiteInt64, "int64", napi_bigint64_array, 8},
    {kTfLiteString, "string", napi_uint8_array, 1},
    {kTfLiteBool, "bool", napi_uint8_array, 1},
    {kTfLiteInt16, "int16", napi_int16_array, 2},
    {kTfLiteComplex64, "complex64", napi_float32_array, 4},   // interleaved re, im
    {kTfLiteInt8, "int8", napi_int8_array, 1},
    {kTfLiteFloat16, "float16", napi_uint16_array, 2},        // raw IEEE half bits
    {kTfLiteFloat64, "float64", napi_float64_array, 8},
    {kTfLiteComplex128, "complex128", napi_float64_array, 8}, // interleaved re, im
    {kTfLiteUInt64, "uint64", napi_biguint64_array, 8},
    {kTfLiteResource, "resource", napi_uint8_array, 1},
    {kTfLiteVariant, "variant", napi_uint8_array, 1},
    {kTfLiteUInt32, "uint32", napi_uint32_array, 4},
    {kTfLiteUInt16, "uint16", napi_uint16_array, 2},
    {kTfLiteInt4, "int4", napi_int8_array, 1},                // packed nibbles, raw
};
}  // namespace

const DTypeInfo& DTypeOf(TfLiteType type) {
  size_t i = static_cast<size_t>(type);
  return i < sizeof(kTable) / sizeof(kTable[0]) ? kTable[i] : kTable[0];
}

}  // namespace tflite_node
