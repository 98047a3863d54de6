#include "model_check_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace tflite_node::model_check {

// ECMAScript Number::toString(10): the shortest digits that round-trip (what std::to_chars gives), laid out by the
// position n of the decimal point among the k digits.
std::string JsNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (value == 0) return "0";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  std::string sign = value < 0 ? "-" : "";
  char buffer[64];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value), std::chars_format::scientific).ptr;
  std::string text(buffer, end);  // d[.ddd]e±x
  size_t e = text.find('e');
  std::string digits;
  for (size_t k = 0; k < e; k++) {
    if (text[k] != '.') digits += text[k];
  }
  int k = static_cast<int>(digits.size());
  int n = std::atoi(text.c_str() + e + 1) + 1;
  if (k <= n && n <= 21) return sign + digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return sign + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return sign + "0." + std::string(-n, '0') + digits;
  std::string mantissa = digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "");
  return sign + mantissa + "e" + (n - 1 >= 0 ? "+" : "-") + std::to_string(std::abs(n - 1));
}

namespace {
void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}
constexpr uint32_t kReplacement = 0xfffd;
}  // namespace

// The WHATWG Encoding Standard's UTF-8 decoder (the one TextDecoder implements), replacement mode.
std::string DecodedUtf8(const char* text, size_t length) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text);
  size_t at = 0;
  if (length >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb && bytes[2] == 0xbf) at = 3;
  std::string out;
  uint32_t cp = 0;
  int needed = 0, seen = 0;
  uint8_t lower = 0x80, upper = 0xbf;
  while (at < length) {
    uint8_t b = bytes[at];
    if (needed == 0) {
      at++;
      if (b <= 0x7f) {
        AppendCodePoint(out, b);
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1, cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2, cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3, cp = b & 0x7;
      } else {
        AppendCodePoint(out, kReplacement);
      }
      continue;
    }
    if (b < lower || b > upper) {  // the byte starts over, after one U+FFFD for what came before it
      cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xbf;
      AppendCodePoint(out, kReplacement);
      continue;
    }
    at++;
    lower = 0x80, upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen == needed) {
      AppendCodePoint(out, cp);
      cp = 0, needed = 0, seen = 0;
    }
  }
  if (needed != 0) AppendCodePoint(out, kReplacement);
  return out;
}

}  // namespace tflite_node::model_check
