// Number syntax, name patterns and message helpers for topology files.
#include "spec/scalars.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace topolab::spec {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isAlpha(char c) { return isLower(c) || (c >= 'A' && c <= 'Z'); }

std::string_view stripPlus(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  return s;
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

bool isIntegerText(std::string_view s) {
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), isDigit);
}

bool isNumberText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && isDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && isDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && isDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

std::optional<int64_t> parseInt64(std::string_view s) {
  if (!isIntegerText(s)) return std::nullopt;
  s = stripPlus(s);
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parseDouble(std::string_view s) {
  if (!isNumberText(s)) return std::nullopt;
  s = stripPlus(s);
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::string formatNumber(double v) {
  char buf[40];
  if (std::abs(v) < 1e6 && v == std::floor(v)) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    return std::string(buf, r.ptr);
  }
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  // to_chars writes 1e+09; files and messages read better as 1e9.
  const size_t e = s.find('e');
  if (e != std::string::npos) {
    std::string exp = s.substr(e + 1);
    const bool negative = !exp.empty() && exp.front() == '-';
    if (!exp.empty() && (exp.front() == '+' || exp.front() == '-')) exp.erase(0, 1);
    exp.erase(0, std::min(exp.find_first_not_of('0'), exp.size() - 1));
    s = s.substr(0, e + 1) + (negative ? "-" : "") + exp;
  }
  return s;
}

bool isValidTopologyName(std::string_view s) {
  if (s.empty() || !(isLower(s.front()) || isDigit(s.front()))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return isLower(c) || isDigit(c) || c == '-'; });
}

bool isValidComponentId(std::string_view s) {
  if (s.empty() || !isAlpha(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return isAlpha(c) || isDigit(c) || c == '_' || c == '-'; });
}

bool isValidStreamId(std::string_view s) {
  if (s.empty() || s == "default" || s.starts_with("__")) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return isAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.';
  });
}

std::string joinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string joinList(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string didYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (word.size() > 64) return "";
  std::string_view best;
  size_t best_distance = 3;  // suggest only close misspellings
  for (std::string_view c : candidates) {
    const size_t d = editDistance(word, c);
    if (d < best_distance && d * 2 <= c.size()) {
      best = c;
      best_distance = d;
    }
  }
  if (best.empty()) return "";
  return " (did you mean '" + std::string(best) + "'?)";
}

std::string quoteForMessage(std::string_view s) {
  constexpr size_t kMax = 80;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  out += "'";
  return out;
}

namespace {

bool isFlowIndicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

void appendDoubleQuoted(std::string& out, std::string_view s);

}  // namespace

bool needsYamlQuotes(std::string_view s) {
  if (s.empty()) return true;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return true;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return true;
  const char first = s.front();
  if (std::string_view("#&*!|>'\"%@`").find(first) != std::string_view::npos) return true;
  if (isFlowIndicator(first)) return true;
  if (first == '-' || first == '?' || first == ':') {
    if (s.size() == 1 || s[1] == ' ' || isFlowIndicator(s[1])) return true;
  }
  if (s.starts_with("---") || s.starts_with("...")) return true;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || isFlowIndicator(static_cast<char>(c))) return true;
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ' ') return true;
    if (c == '#' && s[i - 1] == ' ') return true;
    // NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are line breaks to some YAML readers.
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) return true;
    if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xa8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
      return true;
    }
  }
  return false;
}

namespace {

void appendDoubleQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
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
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
          out += "\\N";
          ++i;
        } else if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xa8 ||
                    static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
          out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\L" : "\\P";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace

void appendYamlScalar(std::string& out, std::string_view s, bool quoted) {
  if (quoted || needsYamlQuotes(s)) {
    appendDoubleQuoted(out, s);
  } else {
    out += s;
  }
}

}  // namespace topolab::spec
