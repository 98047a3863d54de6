// Custom op kernels from the user's shared libraries (Python's InterpreterWithCustomOps, C++'s AddCustom), through
// the C API: a library exports a registerer, `void <name>(TfLiteInterpreterOptions* options)`, which adds its ops
// with TfLiteInterpreterOptionsAddCustomOp or TfLiteInterpreterOptionsAddRegistrationExternal. The library links
// against libtensorflowlite_c.so; the dynamic loader resolves that to the copy this addon already loaded (same
// soname), so the op library and the interpreter share one TFLite.
#pragma once
#include <napi.h>
#include <string>
#include "tflite.h"

namespace tflite_node {

// The conventional registerer name when the user gives only a library path.
constexpr const char* kDefaultCustomOpRegisterer = "TfLiteRuntimeRegisterCustomOps";

// Opens `library` (once per process, never closed: the registrations it adds point into its code and may be held
// by any interpreter) and calls its `registerer` on `options`. Throws ERR_TFLITE_NOT_FOUND with the loader's
// message when the library or the symbol is missing.
void RegisterCustomOps(Napi::Env env, TfLiteInterpreterOptions* options, const std::string& library,
                       const std::string& registerer);

}  // namespace tflite_node
