// What the test plugins observe, as JSON lines appended to a file the test names (one object per event). The addon
// dlopens plugins with RTLD_LOCAL, so a test cannot dlsym a counter: the log file is the channel. Each write opens,
// appends and closes, so the file is complete whenever the test reads it.
#pragma once
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace test_plugin {

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

inline std::string Object(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + Quote(fields[i].first) + ":" + fields[i].second;
  return out + "}";
}

// Appends one line: {"event": event, ...fields (values already JSON)}.
inline void Log(const std::string& path, const std::string& event,
                std::vector<std::pair<std::string, std::string>> fields = {}) {
  if (path.empty()) return;
  fields.insert(fields.begin(), {"event", Quote(event)});
  std::string line = Object(fields) + "\n";
  if (FILE* file = std::fopen(path.c_str(), "a")) {
    std::fwrite(line.data(), 1, line.size(), file);
    std::fclose(file);
  }
}

}  // namespace test_plugin
