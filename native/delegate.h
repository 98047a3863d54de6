// Wraps a TfLiteDelegate made by an external delegate plugin: a shared library exporting TFLite's plugin ABI
// (tflite_plugin_create_delegate / tflite_plugin_destroy_delegate), as libedgetpu and the Hexagon, GPU and Arm NN
// delegates do. Also reads libedgetpu's device list.
#pragma once
#include <napi.h>
#include <string>
#include "tflite.h"
#include <memory>
#include "type_tag.h"

namespace tflite_node {

// Shared by the JS Delegate object and every interpreter using it; destroyed (through the plugin) with the last.
struct DelegateHandle {
  using DestroyFn = void (*)(TfLiteDelegate*);
  std::string path;
  TfLiteDelegate* delegate = nullptr;
  DestroyFn destroy = nullptr;
  ~DelegateHandle() {
    if (delegate != nullptr) destroy(delegate);
  }
};

class Delegate : public Napi::ObjectWrap<Delegate> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Delegate(const Napi::CallbackInfo& info);
  static Delegate* Checked(Napi::Env env, Napi::Value value, const std::string& what) {
    return UnwrapTagged<Delegate>(env, value, kDelegateTag, what);
  }

  // Null once disposed.
  const std::shared_ptr<DelegateHandle>& handle() const { return handle_; }

  // listEdgeTpus(libraryPath): [{ type: 'usb' | 'pci', path }] from edgetpu_list_devices, plus the version;
  // null when the library cannot be loaded.
  static Napi::Value ListEdgeTpus(const Napi::CallbackInfo& info);

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<DelegateHandle> handle_;
};

}  // namespace tflite_node
