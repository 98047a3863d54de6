// Node-API type tags on every object this addon wraps. ObjectWrap's Unwrap is a bare cast of whatever native
// pointer an object carries: handed another class's object (a forged Delegate whose native() returns a Model, say)
// it would read one class as another. Each wrapped class tags its objects when constructed, and every native
// object taken as an argument is checked against its class's tag first.
#pragma once
#include <napi.h>
#include <string>
#include "errors.h"

namespace tflite_node {

// One tag per wrapped class (random 128-bit values; they only have to differ from every other addon's).
inline constexpr napi_type_tag kModelTag = {0x6f2c1a9e5b8d4f17ULL, 0xa3e0c2d4b6f81951ULL};
inline constexpr napi_type_tag kInterpreterTag = {0x1d7e3b5a9c2f4e60ULL, 0x8b4a6c0e2d9f7153ULL};
inline constexpr napi_type_tag kSignatureRunnerTag = {0x5a9e1c3d7b0f2846ULL, 0xc6d8e0a2f4b61937ULL};
inline constexpr napi_type_tag kDelegateTag = {0x93b5d7f1a3c5e702ULL, 0x4e6a8c0b2d4f6183ULL};

inline void TagObject(Napi::Env env, Napi::Object object, const napi_type_tag& tag) {
  napi_status status = napi_type_tag_object(env, object, &tag);
  NAPI_THROW_IF_FAILED_VOID(env, status);
}

// The wrapped T behind `value`, or ERR_TFLITE_ARGUMENT when `value` is not one of T's objects.
template <class T>
T* UnwrapTagged(Napi::Env env, Napi::Value value, const napi_type_tag& tag, const std::string& what) {
  bool matches = false;
  if (value.IsObject()) napi_check_object_type_tag(env, value, &tag, &matches);
  if (!matches) Throw(env, "ERR_TFLITE_ARGUMENT", what + " is not an object this addon made");
  return Napi::ObjectWrap<T>::Unwrap(value.As<Napi::Object>());
}

}  // namespace tflite_node
