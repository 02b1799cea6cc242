// The pre-parse scan of topology text. The nesting estimate follows YAML's
// structure closely enough for real files (depth 6 at most) and errs towards
// counting too deep on odd input; it never needs to be exact, only cheap,
// linear and impossible to fool into letting 20,000 levels through.
#include "spec/prescan.h"

#include <cstdio>
#include <string>
#include <vector>

namespace topolab::spec {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }

class NestingScan {
 public:
  NestingScan(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  std::optional<Diagnostic> run() {
    size_t start = 0;
    int line = 1;
    while (start <= text_.size() && !error_) {
      size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      scanLine(start, end, line);
      start = end + 1;
      ++line;
    }
    return error_;
  }

 private:
  void fail(int line, size_t col0) {
    error_ = Diagnostic{std::string(file_), Mark{line, static_cast<int>(col0) + 1},
                        "nesting deeper than " + std::to_string(kMaxNestingDepth) +
                            " levels; a topology file needs far fewer (is the file corrupt?)"};
  }

  size_t depth() const { return block_.size() + static_cast<size_t>(flow_); }

  bool push(int line, size_t col0) {
    block_.push_back(col0);
    if (depth() > static_cast<size_t>(kMaxNestingDepth)) fail(line, col0);
    return !error_;
  }

  void scanLine(size_t start, size_t end, int line) {
    std::string_view s = text_.substr(start, end - start);
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    size_t pos = 0;
    if (!in_double_ && !in_single_ && flow_ == 0) {
      size_t indent = 0;
      while (indent < s.size() && s[indent] == ' ') ++indent;
      if (indent == s.size() || s[indent] == '#') return;  // blank or comment only
      if (block_scalar_indent_ >= 0) {
        if (static_cast<int>(indent) > block_scalar_indent_) return;  // literal text
        block_scalar_indent_ = -1;
      }
      while (!block_.empty() && block_.back() >= indent) block_.pop_back();
      if (!push(line, indent)) return;
      line_indent_ = static_cast<int>(indent);
      pos = indent;
      // Compact nesting on one line: "- - - x", "? a", ": b".
      while (pos < s.size() && (s[pos] == '-' || s[pos] == '?' || s[pos] == ':') &&
             (pos + 1 == s.size() || isBlank(s[pos + 1]))) {
        ++pos;
        while (pos < s.size() && isBlank(s[pos])) ++pos;
        if (pos < s.size() && s[pos] != '#' && !push(line, pos)) return;
      }
      at_start_ = true;
    }
    scanChars(s, pos, line);
  }

  void scanChars(std::string_view s, size_t pos, int line) {
    for (size_t i = pos; i < s.size(); ++i) {
      const char c = s[i];
      if (in_double_) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_double_ = false;
          at_start_ = false;
        }
        continue;
      }
      if (in_single_) {
        if (c == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            ++i;
          } else {
            in_single_ = false;
            at_start_ = false;
          }
        }
        continue;
      }
      if (isBlank(c)) continue;
      if (c == '#' && (i == 0 || isBlank(s[i - 1]))) return;  // comment to the end of the line
      const bool next_blank = i + 1 == s.size() || isBlank(s[i + 1]);
      switch (c) {
        case '[':
        case '{':
          if (at_start_ || flow_ > 0) {
            ++flow_;
            if (depth() > static_cast<size_t>(kMaxNestingDepth)) return fail(line, i);
            at_start_ = true;
          } else {
            at_start_ = false;
          }
          break;
        case ']':
        case '}':
          if (flow_ > 0) --flow_;
          at_start_ = false;
          break;
        case ',':
          at_start_ = flow_ > 0;
          break;
        case '"':
        case '\'':
          if (at_start_) {
            (c == '"' ? in_double_ : in_single_) = true;
          }
          at_start_ = false;
          break;
        case ':':
          at_start_ = next_blank || flow_ > 0;
          break;
        case '-':
        case '?':
          at_start_ = at_start_ && next_blank;
          break;
        case '&':
        case '!':
        case '*':
          // Anchors and tags may precede a node; skip the name and stay at a node start.
          if (at_start_) {
            while (i + 1 < s.size() && !isBlank(s[i + 1]) &&
                   !(flow_ > 0 && (s[i + 1] == ',' || s[i + 1] == ']' || s[i + 1] == '}'))) {
              ++i;
            }
            at_start_ = c != '*';
          }
          break;
        case '|':
        case '>':
          if (at_start_ && flow_ == 0) {
            block_scalar_indent_ = line_indent_;
            return;
          }
          at_start_ = false;
          break;
        default:
          at_start_ = false;
      }
    }
  }

  std::string_view text_;
  std::string_view file_;
  std::optional<Diagnostic> error_;
  std::vector<size_t> block_;  // indentation of each open block level
  int flow_ = 0;
  bool in_double_ = false;
  bool in_single_ = false;
  bool at_start_ = true;  // a node (quoted scalar, flow collection) may start here
  int line_indent_ = 0;
  int block_scalar_indent_ = -1;
};

std::optional<Diagnostic> findControlCharacter(std::string_view text, std::string_view file) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return Diagnostic{
          std::string(file), Mark{line, static_cast<int>(i - line_start) + 1},
          std::string("control character ") + hex + " in the file: a topology file is UTF-8 text"};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Diagnostic> prescanText(std::string_view text, std::string_view file_name) {
  if (text.size() > kMaxFileBytes) {
    return Diagnostic{std::string(file_name), Mark{},
                      "file is larger than " + std::to_string(kMaxFileBytes / (1024 * 1024)) +
                          " MiB (" + std::to_string(text.size()) +
                          " bytes), the limit for topology files"};
  }
  if (auto d = findControlCharacter(text, file_name)) return d;
  return NestingScan(text, file_name).run();
}

}  // namespace topolab::spec
