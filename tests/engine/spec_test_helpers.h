// Helpers shared by the spec tests: parse text under a fixed file name and
// check the diagnostics the way a user reads them (file:line:col, message).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "topolab/engine/spec.h"

namespace topolab::testing {

inline constexpr const char* kFile = "t.yaml";

inline LoadResult parse(std::string_view text) { return parseTopology(text, kFile); }

inline std::string allErrors(const std::vector<Diagnostic>& errors) {
  std::string out;
  for (const Diagnostic& d : errors) out += d.format() + "\n";
  return out;
}

// Exactly one error, at LINE:COL, formatted gcc-style, whose message contains `needle`.
inline ::testing::AssertionResult oneError(const LoadResult& r, int line, int col,
                                           std::string_view needle) {
  if (r.ok()) return ::testing::AssertionFailure() << "loaded without errors";
  if (r.errors.size() != 1) {
    return ::testing::AssertionFailure() << r.errors.size() << " errors:\n" << allErrors(r.errors);
  }
  const std::string text = r.errors[0].format();
  const std::string want =
      std::string(kFile) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: ";
  if (text.rfind(want, 0) != 0 || text.find(needle) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "got  " << text << "\nwant " << want << "...'" << needle << "'...";
  }
  return ::testing::AssertionSuccess();
}

// Some error (among others) at LINE:COL containing `needle`.
inline ::testing::AssertionResult hasError(const std::vector<Diagnostic>& errors, int line, int col,
                                           std::string_view needle) {
  for (const Diagnostic& d : errors) {
    if (d.mark.line == line && d.mark.col == col && d.message.find(needle) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no error at " << line << ":" << col << " with '" << needle << "' in:\n"
         << allErrors(errors);
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string dataPath(const std::string& name) {
  return std::string(TOPOLAB_TESTDATA_DIR) + "/spec/" + name;
}

}  // namespace topolab::testing
