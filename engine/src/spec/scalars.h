// Small text helpers shared by the spec parser, validator and writer: the
// number syntax of topology files, name patterns and message building.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace topolab::spec {

// Digits with an optional sign ("12", "-3", "+4"); no fraction or exponent.
bool isIntegerText(std::string_view s);
// An integer, a decimal fraction or a number with an exponent ("1.5", "1e6", ".5").
bool isNumberText(std::string_view s);
// nullopt when not integer text or out of the int64 range.
std::optional<int64_t> parseInt64(std::string_view s);
// nullopt when not number text or not finite.
std::optional<double> parseDouble(std::string_view s);

// Shortest readable form: 100000, 0.001, 1e9, 3.6e6.
std::string formatNumber(double v);

// `name`: [a-z0-9][a-z0-9-]*
bool isValidTopologyName(std::string_view s);
// component id: [A-Za-z][A-Za-z0-9_-]*
bool isValidComponentId(std::string_view s);

// a named output stream: [A-Za-z0-9_.-]+, not "default" spelled out and not
// starting with "__" (reserved, like Storm's __heartbeat)
bool isValidStreamId(std::string_view s);

// "a, b, c"
std::string joinList(const std::vector<std::string>& items);
std::string joinList(const std::vector<std::string_view>& items);

// " (did you mean 'x'?)" when one candidate is within a small edit distance, else "".
std::string didYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

// Whether `s` must be quoted to read back as the same string, in a block or a
// flow collection (conservative: the rules of a plain scalar in a flow).
bool needsYamlQuotes(std::string_view s);
// `s` as a YAML scalar: plain when that reads back the same, else double-quoted.
void appendYamlScalar(std::string& out, std::string_view s, bool quoted = false);

// Text for a message: the value in single quotes, shortened and with control
// characters shown as escapes, so hostile input cannot garble a terminal.
std::string quoteForMessage(std::string_view s);

}  // namespace topolab::spec
