// Minimal JSON text building for the engine's outputs (reports, file-sink).
#pragma once

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

namespace topolab {

inline void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Shortest round-tripping form; integers print without a fraction; NaN and
// infinities (not JSON) print as null.
inline void appendJsonNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  // Plain notation where people read numbers (counts, rates, µs): the bare
  // shortest form would print 100000 as 1e+05. Outside it, the shortest form.
  char buf[64];
  double a = std::fabs(v);
  auto r = a == 0 || (a >= 1e-6 && a < 1e15)
               ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
               : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace topolab
