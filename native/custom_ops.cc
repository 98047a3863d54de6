#include "custom_ops.h"

#include <dlfcn.h>

#include <map>
#include <mutex>

#include "errors.h"

namespace tflite_node {

namespace {
using Registerer = void (*)(TfLiteInterpreterOptions*);

// dlopen handles by path, shared by every environment (worker_threads included) of the process.
std::mutex librariesMutex;
std::map<std::string, void*>& Libraries() {
  static auto* libraries = new std::map<std::string, void*>();  // never destroyed: handles outlive exit hooks
  return *libraries;
}
}  // namespace

void RegisterCustomOps(Napi::Env env, TfLiteInterpreterOptions* options, const std::string& library,
                       const std::string& registerer) {
  void* handle = nullptr;
  std::string failure;
  {
    std::lock_guard<std::mutex> lock(librariesMutex);
    auto found = Libraries().find(library);
    if (found != Libraries().end()) {
      handle = found->second;
    } else {
      // RTLD_LOCAL: two op libraries may define the same helper symbols without clashing.
      handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) {
        Libraries()[library] = handle;
      } else {
        const char* text = dlerror();
        failure = text != nullptr ? text : "dlopen failed";
      }
    }
  }
  if (handle == nullptr) {
    Throw(env, "ERR_TFLITE_NOT_FOUND", "customOps: cannot load " + library + ": " + failure);
  }
  dlerror();
  auto entry = reinterpret_cast<Registerer>(dlsym(handle, registerer.c_str()));
  if (entry == nullptr) {
    Throw(env, "ERR_TFLITE_NOT_FOUND", "customOps: " + library + " exports no registerer '" + registerer +
                                           "' (void " + registerer + "(TfLiteInterpreterOptions*))");
  }
  entry(options);
}

}  // namespace tflite_node
