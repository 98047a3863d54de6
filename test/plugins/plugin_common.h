// What the test delegate plugins share: their log (JSON lines appended to a file the test names, one object per
// event; the addon dlopens plugins with RTLD_LOCAL, so a test cannot dlsym a counter, and the file is the channel)
// and the TfLiteContext plumbing of a delegate that gives each claimed node a kernel of its own, as libedgetpu does.
// Each log write opens, appends and closes, so the file is complete whenever the test reads it.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "tensorflow/lite/builtin_ops.h"
#include "tensorflow/lite/core/c/common.h"

// What the plugins export (they are built with -fvisibility=hidden).
#define EXPORT __attribute__((visibility("default")))

namespace test_plugin {

// ---- log ----------------------------------------------------------------------------------------------------------

inline std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

inline std::string IntList(const std::vector<int>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "]";
}

using Fields = std::vector<std::pair<std::string, std::string>>;  // name → JSON text

inline std::string Object(const Fields& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + Quote(fields[i].first) + ":" + fields[i].second;
  return out + "}";
}

// The plugin ABI's options as a JSON object of strings.
inline std::string Options(char** keys, char** values, size_t count) {
  Fields fields;
  for (size_t i = 0; i < count; ++i) fields.emplace_back(keys[i], Quote(values[i]));
  return Object(fields);
}

// Appends one line: {"event": event, ...fields}. Nothing when `path` is empty.
inline void Log(const std::string& path, const std::string& event, Fields fields = {}) {
  if (path.empty()) return;
  fields.insert(fields.begin(), {"event", Quote(event)});
  std::string line = Object(fields) + "\n";
  if (FILE* file = std::fopen(path.c_str(), "a")) {
    std::fwrite(line.data(), 1, line.size(), file);
    std::fclose(file);
  }
}

// ---- delegate plumbing --------------------------------------------------------------------------------------------

// A TfLiteIntArray as TFLite allocates them (it frees them with free(), in TfLiteIntArrayFree).
inline TfLiteIntArray* IntArray(const std::vector<int>& values) {
  auto* array = static_cast<TfLiteIntArray*>(std::malloc(sizeof(int) * (values.size() + 1)));
  array->size = static_cast<int>(values.size());
  for (size_t i = 0; i < values.size(); ++i) array->data[i] = values[i];
  return array;
}

// The nodes of the execution plan `wanted` accepts.
template <typename Predicate>
std::vector<int> FindNodes(TfLiteContext* context, Predicate wanted) {
  std::vector<int> found;
  TfLiteIntArray* plan = nullptr;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk) return found;
  for (int i = 0; i < plan->size; ++i) {
    TfLiteNode* node = nullptr;
    TfLiteRegistration* registration = nullptr;
    if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) != kTfLiteOk) continue;
    if (wanted(context, node, registration)) found.push_back(plan->data[i]);
  }
  return found;
}

// Replaces each node with a delegate kernel of its own (so no tensor lives only inside a partition).
inline TfLiteStatus ReplaceEachNode(TfLiteContext* context, TfLiteDelegate* delegate, const std::vector<int>& nodes,
                                    const char* kernelName, void* (*init)(TfLiteContext*, const char*, size_t),
                                    void (*free)(TfLiteContext*, void*), TfLiteStatus (*prepare)(TfLiteContext*, TfLiteNode*),
                                    TfLiteStatus (*invoke)(TfLiteContext*, TfLiteNode*)) {
  TfLiteRegistration registration{};
  registration.init = init;
  registration.free = free;
  registration.prepare = prepare;
  registration.invoke = invoke;
  registration.builtin_code = kTfLiteBuiltinDelegate;
  registration.custom_name = kernelName;
  registration.version = 1;
  for (int index : nodes) {
    TfLiteIntArray* one = IntArray({index});
    TfLiteStatus status = context->ReplaceNodeSubsetsWithDelegateKernels(context, registration, one, delegate);
    std::free(one);
    if (status != kTfLiteOk) return status;
  }
  return kTfLiteOk;
}

// In a kernel's init: the one model node it replaces (ReplaceEachNode), with its index; nullptr when not so.
inline TfLiteNode* ReplacedNode(TfLiteContext* context, const char* buffer, int* index,
                                TfLiteDelegate** delegate) {
  const auto* params = reinterpret_cast<const TfLiteDelegateParams*>(buffer);
  if (params == nullptr || params->nodes_to_replace == nullptr || params->nodes_to_replace->size != 1) return nullptr;
  TfLiteNode* node = nullptr;
  TfLiteRegistration* registration = nullptr;
  *index = params->nodes_to_replace->data[0];
  *delegate = params->delegate;
  if (context->GetNodeAndRegistration(context, *index, &node, &registration) != kTfLiteOk) return nullptr;
  if (node->inputs->size < 1 || node->outputs->size < 1) return nullptr;
  return node;
}

// A classic TfLiteDelegate (no opaque builder) whose Prepare is `prepare`.
inline void InitDelegate(TfLiteDelegate* delegate, void* data, TfLiteStatus (*prepare)(TfLiteContext*, TfLiteDelegate*),
                         int64_t flags) {
  *delegate = TfLiteDelegate{};
  delegate->data_ = data;
  delegate->Prepare = prepare;
  delegate->flags = flags;
}

}  // namespace test_plugin
