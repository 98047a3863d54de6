// The model check's messages, written as the JavaScript check wrote them (the tests and users match their text):
// numbers as JavaScript prints them, strings of the model decoded as JavaScript's TextDecoder decodes them.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

namespace tflite_node::model_check {

// A double as JavaScript's Number.prototype.toString prints it (shortest round trip; "1e+21" past 21 digits;
// "NaN", "Infinity"). Element counts are products of dimensions and may pass 2^53.
std::string JsNumber(double value);

// Bytes of the model decoded as UTF-8 the way TextDecoder('utf-8') does (a leading BOM dropped, each invalid
// sequence one U+FFFD), and encoded back to UTF-8: two names equal after decoding are equal here.
std::string DecodedUtf8(const char* bytes, size_t length);

struct Number {
  double value;
};

inline void Append(std::string& out, const char* text) { out += text; }
inline void Append(std::string& out, const std::string& text) { out += text; }
inline void Append(std::string& out, Number number) { out += JsNumber(number.value); }
template <class Int, class = std::enable_if_t<std::is_integral_v<Int>>>
void Append(std::string& out, Int value) {
  out += std::to_string(value);
}

// The pieces of a message, joined.
template <class... Parts>
std::string Text(const Parts&... parts) {
  std::string out;
  (Append(out, parts), ...);
  return out;
}

}  // namespace tflite_node::model_check
