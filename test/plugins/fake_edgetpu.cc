// A stand-in for Coral's libedgetpu.so.1, for tests on machines without an Edge TPU. It exports what the package
// uses from the real library, with the real library's behaviour:
//   - edgetpu_list_devices / edgetpu_free_devices / edgetpu_version / edgetpu_verbosity (edgetpu_c.h).
//   - the external delegate plugin ABI, resolving the `device` option exactly as libedgetpu's
//     edgetpu_delegate_for_custom_op_tflite_plugin.cc does: absent or "" → the first device; "usb" / "pci" → the
//     first of that type; ":N" → the Nth device of any type; "usb:N" / "pci:N" → the Nth of that type; anything
//     else (a path included) → NULL. Like the real library it reports nothing through report_error when no device
//     matches; it only returns NULL.
//   - a delegate like EdgeTpuDelegateForCustomOp: flags kTfLiteDelegateFlagsAllowDynamicTensors, it claims every
//     `edgetpu-custom-op` node (one kernel per node, kernel name "EdgeTpuDelegateForCustomOp"). The real kernel runs
//     the compiled executable on the TPU; this one computes the determinant of its square float32 input (what
//     test/fixtures/edgetpu_custom_op.tflite's op stands for), so a test can check the result.
//
// Configuration, read on every call: `fake_edgetpu.conf` in the directory this library was loaded from (key=value
// lines), each key overridden by its environment variable when set. (Tests copy the library into a directory of
// their own and write the file there: jest's process.env is a copy that native code never sees.)
//   devices        FAKE_EDGETPU_DEVICES        e.g. usb:/sys/bus/usb/devices/2-1,pci:/dev/apex_0 (default: none)
//   version        FAKE_EDGETPU_VERSION        what edgetpu_version() returns (default below)
//   log            FAKE_EDGETPU_LOG            a file for JSON lines: create (device chosen, options),
//                                              create-failed, prepare (nodes claimed), invoke (count), destroy
//   prepare_error  FAKE_EDGETPU_PREPARE_ERROR  when set, the kernel's prepare fails with this message (what a
//                                              libedgetpu built for another TensorFlow version does, e.g.
//                                              "Unsupported data type in custom op handler: 0")
#include <dlfcn.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "plugin_common.h"

using namespace test_plugin;  // NOLINT: a test plugin of one file

extern "C" {
// edgetpu_c.h
enum edgetpu_device_type { EDGETPU_APEX_PCI = 0, EDGETPU_APEX_USB = 1 };
struct edgetpu_device {
  enum edgetpu_device_type type;
  const char* path;
};
}

namespace {

constexpr char kCustomOp[] = "edgetpu-custom-op";
constexpr char kKernelName[] = "EdgeTpuDelegateForCustomOp";
constexpr char kDefaultVersion[] = "BuildLabel(fake libedgetpu for tflite-runtime tests), RuntimeVersion(14)";

// `key` from the environment (FAKE_EDGETPU_<KEY>) or from fake_edgetpu.conf beside this library; "" when unset.
std::string Setting(const std::string& key) {
  std::string variable = "FAKE_EDGETPU_";
  for (char c : key) variable += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  if (const char* value = std::getenv(variable.c_str())) return value;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&Setting), &info) == 0 || info.dli_fname == nullptr) return "";
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  path = (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/fake_edgetpu.conf";
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    size_t equals = line.find('=');
    if (equals != std::string::npos && line.substr(0, equals) == key) return line.substr(equals + 1);
  }
  return "";
}

struct Device {
  edgetpu_device_type type;
  std::string path;
};

// "usb:/sys/bus/usb/devices/2-1,pci:/dev/apex_0" → devices, in that (enumeration) order.
std::vector<Device> Enumerate() {
  std::vector<Device> devices;
  std::string text = Setting("devices");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string entry = text.substr(start, end - start);
    size_t colon = entry.find(':');
    std::string type = entry.substr(0, colon);
    if (colon != std::string::npos && (type == "usb" || type == "pci")) {
      devices.push_back({type == "usb" ? EDGETPU_APEX_USB : EDGETPU_APEX_PCI, entry.substr(colon + 1)});
    }
    start = end + 1;
  }
  return devices;
}

// "<prefix>:N" with N a non-negative decimal.
bool MatchIndex(const std::string& text, const std::string& prefix, int* index) {
  std::string head = prefix + ":";
  if (text.compare(0, head.size(), head) != 0 || text.size() == head.size()) return false;
  long value = 0;
  for (size_t i = head.size(); i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || value > 1000000) return false;
    value = value * 10 + (text[i] - '0');
  }
  *index = static_cast<int>(value);
  return true;
}

// The device libedgetpu would open for `device` (nullptr: the option is absent), or -1 with `reason` set.
int Resolve(const std::vector<Device>& devices, const std::string* device, std::string* reason) {
  auto nth = [&](int want, int type) {  // type -1: any
    int seen = 0;
    for (size_t i = 0; i < devices.size(); ++i) {
      if (type >= 0 && devices[i].type != type) continue;
      if (seen++ == want) return static_cast<int>(i);
    }
    return -1;
  };
  int index = 0, found = -1;
  if (device == nullptr || device->empty()) found = nth(0, -1);
  else if (*device == "usb") found = nth(0, EDGETPU_APEX_USB);
  else if (*device == "pci") found = nth(0, EDGETPU_APEX_PCI);
  else if (MatchIndex(*device, "", &index)) found = nth(index, -1);
  else if (MatchIndex(*device, "usb", &index)) found = nth(index, EDGETPU_APEX_USB);
  else if (MatchIndex(*device, "pci", &index)) found = nth(index, EDGETPU_APEX_PCI);
  else {
    *reason = "unrecognised device string";
    return -1;
  }
  if (found < 0) *reason = "no such device among " + std::to_string(devices.size());
  return found;
}

std::atomic<int> nextId{1};

struct FakeDelegate {
  TfLiteDelegate delegate;
  int id = 0;
  std::string log;
  std::atomic<long> invocations{0};
};

FakeDelegate* Owner(TfLiteDelegate* delegate) { return static_cast<FakeDelegate*>(delegate->data_); }

struct Kernel {
  FakeDelegate* owner;
  int node, input, output;
};

void* KernelInit(TfLiteContext* context, const char* buffer, size_t) {
  int index = -1;
  TfLiteDelegate* delegate = nullptr;
  TfLiteNode* node = ReplacedNode(context, buffer, &index, &delegate);
  if (node == nullptr) return nullptr;
  return new Kernel{Owner(delegate), index, node->inputs->data[0], node->outputs->data[0]};
}

void KernelFree(TfLiteContext*, void* buffer) { delete static_cast<Kernel*>(buffer); }

TfLiteStatus KernelPrepare(TfLiteContext* context, TfLiteNode* node) {
  auto* kernel = static_cast<Kernel*>(node->user_data);
  std::string error = Setting("prepare_error");
  if (!error.empty()) {
    context->ReportError(context, "%s", error.c_str());
    return kTfLiteError;
  }
  if (kernel == nullptr) return kTfLiteError;
  const TfLiteTensor* input = &context->tensors[kernel->input];
  const TfLiteTensor* output = &context->tensors[kernel->output];
  if (input->type != kTfLiteFloat32 || output->type != kTfLiteFloat32 || input->dims->size != 2 ||
      input->dims->data[0] != input->dims->data[1]) {
    context->ReportError(context, "fake edgetpu: node %d needs a square float32 matrix", kernel->node);
    return kTfLiteError;
  }
  return kTfLiteOk;
}

double Determinant(std::vector<double> m, int n) {  // Gaussian elimination with partial pivoting
  double det = 1;
  for (int c = 0; c < n; ++c) {
    int pivot = c;
    for (int r = c + 1; r < n; ++r) {
      if (std::fabs(m[r * n + c]) > std::fabs(m[pivot * n + c])) pivot = r;
    }
    if (m[pivot * n + c] == 0) return 0;
    if (pivot != c) {
      for (int k = 0; k < n; ++k) std::swap(m[c * n + k], m[pivot * n + k]);
      det = -det;
    }
    det *= m[c * n + c];
    for (int r = c + 1; r < n; ++r) {
      double f = m[r * n + c] / m[c * n + c];
      for (int k = c; k < n; ++k) m[r * n + k] -= f * m[c * n + k];
    }
  }
  return det;
}

TfLiteStatus KernelInvoke(TfLiteContext* context, TfLiteNode* node) {
  auto* kernel = static_cast<Kernel*>(node->user_data);
  const TfLiteTensor* input = &context->tensors[kernel->input];
  const int n = input->dims->data[0];
  double det = Determinant(std::vector<double>(input->data.f, input->data.f + n * n), n);
  context->tensors[kernel->output].data.f[0] = static_cast<float>(det);
  long count = ++kernel->owner->invocations;
  Log(kernel->owner->log, "invoke", {{"id", std::to_string(kernel->owner->id)}, {"node", std::to_string(kernel->node)},
                                     {"count", std::to_string(count)}});
  return kTfLiteOk;
}

bool IsEdgeTpuOp(TfLiteContext*, TfLiteNode*, TfLiteRegistration* registration) {
  return registration->custom_name != nullptr && std::strcmp(registration->custom_name, kCustomOp) == 0;
}

TfLiteStatus DelegatePrepare(TfLiteContext* context, TfLiteDelegate* delegate) {
  FakeDelegate* self = Owner(delegate);
  std::vector<int> claimed = FindNodes(context, IsEdgeTpuOp);
  TfLiteStatus status =
      ReplaceEachNode(context, delegate, claimed, kKernelName, KernelInit, KernelFree, KernelPrepare, KernelInvoke);
  Log(self->log, "prepare", {{"id", std::to_string(self->id)}, {"claimed", IntList(claimed)}});
  return status;
}

}  // namespace

extern "C" {

EXPORT struct edgetpu_device* edgetpu_list_devices(size_t* num_devices) {
  std::vector<Device> devices = Enumerate();
  *num_devices = devices.size();
  if (devices.empty()) return nullptr;
  // One block, as libedgetpu allocates it: the structs, then the paths.
  size_t size = sizeof(edgetpu_device) * devices.size();
  for (const Device& device : devices) size += device.path.size() + 1;
  char* memory = new char[size];
  auto* out = reinterpret_cast<edgetpu_device*>(memory);
  char* paths = memory + sizeof(edgetpu_device) * devices.size();
  for (size_t i = 0; i < devices.size(); ++i) {
    out[i].type = devices[i].type;
    out[i].path = paths;
    std::memcpy(paths, devices[i].path.c_str(), devices[i].path.size() + 1);
    paths += devices[i].path.size() + 1;
  }
  return out;
}

EXPORT void edgetpu_free_devices(struct edgetpu_device* devices) { delete[] reinterpret_cast<char*>(devices); }

EXPORT const char* edgetpu_version() {
  static std::string version;
  version = Setting("version");
  if (version.empty()) version = kDefaultVersion;
  return version.c_str();
}

EXPORT void edgetpu_verbosity(int) {}

EXPORT TfLiteDelegate* tflite_plugin_create_delegate(char** keys, char** values, size_t count,
                                                     void (*)(const char*)) {
  std::string log = Setting("log");
  const std::string* device = nullptr;
  std::vector<std::string> strings(values, values + count);
  for (size_t i = 0; i < count; ++i) {
    if (std::strcmp(keys[i], "device") == 0) device = &strings[i];
  }
  std::string options = Options(keys, values, count);
  std::vector<Device> devices = Enumerate();
  std::string reason;
  int found = Resolve(devices, device, &reason);
  if (found < 0) {
    Log(log, "create-failed", {{"options", options}, {"reason", Quote(reason)}});
    return nullptr;  // libedgetpu reports nothing here either
  }
  auto* self = new FakeDelegate();
  self->id = nextId++;
  self->log = log;
  InitDelegate(&self->delegate, self, DelegatePrepare, kTfLiteDelegateFlagsAllowDynamicTensors);
  const Device& chosen = devices[found];
  Log(log, "create", {{"id", std::to_string(self->id)}, {"options", options},
                      {"device", Object({{"index", std::to_string(found)},
                                         {"type", Quote(chosen.type == EDGETPU_APEX_USB ? "usb" : "pci")},
                                         {"path", Quote(chosen.path)}})}});
  return &self->delegate;
}

EXPORT void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate) {
  FakeDelegate* self = Owner(delegate);
  Log(self->log, "destroy", {{"id", std::to_string(self->id)}, {"invocations", std::to_string(self->invocations)}});
  delete self;
}

}  // extern "C"
