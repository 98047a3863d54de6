#include "delegate.h"

#include <dlfcn.h>

#include <vector>

#include "errors.h"

namespace tflite_node {

namespace {
using CreateFn = TfLiteDelegate* (*)(char** keys, char** values, size_t count, void (*report)(const char*));

// The plugin ABI's error callback carries no user data; creation runs synchronously on this thread.
thread_local std::string pluginError;
void ReportPluginError(const char* message) {
  if (!pluginError.empty()) pluginError += "\n";
  pluginError += message;
}

// Libraries are never dlclose'd: plugins such as libedgetpu start threads (libusb) that must not lose their code.
void* OpenLibrary(Napi::Env env, const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    Throw(env, "ERR_TFLITE_DELEGATE", "cannot load delegate library '" + path + "': " + (reason ? reason : "unknown"));
  }
  return handle;
}

void* Symbol(Napi::Env env, void* handle, const std::string& path, const char* name) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    Throw(env, "ERR_TFLITE_DELEGATE", "delegate library '" + path + "' does not export " + name +
                                          " (not a TFLite external delegate plugin)");
  }
  return symbol;
}
}  // namespace

Napi::Function Delegate::Define(Napi::Env env) {
  return DefineClass(env, "Delegate", {InstanceMethod("dispose", &Delegate::Dispose)});
}

// info[0]: library path; info[1]: option keys; info[2]: option values (strings, checked by lib/delegate.ts).
Delegate::Delegate(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Delegate>(info) {
  Napi::Env env = info.Env();
  TagObject(env, info.This().As<Napi::Object>(), kDelegateTag);
  auto handle = std::make_shared<DelegateHandle>();
  handle->path = info[0].As<Napi::String>().Utf8Value();
  const std::string& path = handle->path;
  void* library = OpenLibrary(env, path);
  auto create = reinterpret_cast<CreateFn>(Symbol(env, library, path, "tflite_plugin_create_delegate"));
  auto destroy = reinterpret_cast<DelegateHandle::DestroyFn>(Symbol(env, library, path, "tflite_plugin_destroy_delegate"));

  Napi::Array keys = info[1].As<Napi::Array>(), values = info[2].As<Napi::Array>();
  std::vector<std::string> storage;
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    storage.push_back(keys.Get(i).As<Napi::String>().Utf8Value());
    storage.push_back(values.Get(i).As<Napi::String>().Utf8Value());
  }
  std::vector<char*> keyPtrs, valuePtrs;
  for (size_t i = 0; i < storage.size(); i += 2) {
    keyPtrs.push_back(storage[i].data());
    valuePtrs.push_back(storage[i + 1].data());
  }
  pluginError.clear();
  TfLiteDelegate* delegate = create(keyPtrs.data(), valuePtrs.data(), keyPtrs.size(), ReportPluginError);
  if (delegate == nullptr) {
    std::string reason = pluginError.empty() ? "tflite_plugin_create_delegate returned NULL" : pluginError;
    Throw(env, "ERR_TFLITE_DELEGATE", "delegate '" + path + "' was not created: " + reason);
  }
  handle->delegate = delegate;
  handle->destroy = destroy;
  handle_ = std::move(handle);
}

// Interpreters using the delegate keep their share; the plugin destroys it when the last one lets go.
Napi::Value Delegate::Dispose(const Napi::CallbackInfo& info) {
  handle_.reset();
  return info.Env().Undefined();
}

namespace {
// libedgetpu's C API (edgetpu_c.h).
enum EdgeTpuDeviceType { kEdgeTpuApexPci = 0, kEdgeTpuApexUsb = 1 };
struct EdgeTpuDevice {
  EdgeTpuDeviceType type;
  const char* path;
};
using ListDevicesFn = EdgeTpuDevice* (*)(size_t* count);
using FreeDevicesFn = void (*)(EdgeTpuDevice* devices);
using VersionFn = const char* (*)();
}  // namespace

Napi::Value Delegate::ListEdgeTpus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return env.Null();
  auto list = reinterpret_cast<ListDevicesFn>(dlsym(handle, "edgetpu_list_devices"));
  auto release = reinterpret_cast<FreeDevicesFn>(dlsym(handle, "edgetpu_free_devices"));
  auto version = reinterpret_cast<VersionFn>(dlsym(handle, "edgetpu_version"));
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", version ? Napi::Value(Napi::String::New(env, version())) : env.Null());
  Napi::Array devices = Napi::Array::New(env);
  if (list != nullptr) {
    size_t count = 0;
    EdgeTpuDevice* found = list(&count);
    for (size_t i = 0; found != nullptr && i < count; ++i) {
      Napi::Object device = Napi::Object::New(env);
      device.Set("type", found[i].type == kEdgeTpuApexUsb ? "usb" : "pci");
      device.Set("path", found[i].path ? found[i].path : "");
      devices.Set(static_cast<uint32_t>(i), device);
    }
    if (found != nullptr && release != nullptr) release(found);
  }
  out.Set("devices", devices);
  return out;
}

}  // namespace tflite_node
