// `topolab diff A B`: what changed between two topology files, one line per
// change with where it is in each file, or one JSON object. Exit status as
// diff(1): 0 the same, 1 different, 2 a file that does not load.
#include <iostream>

#include "commands.h"
#include "topolab/engine/json.h"
#include "topolab/engine/spec.h"
#include "topolab/engine/spec_diff.h"

namespace topolab::cli {
namespace {

constexpr int kDifferent = 1;

char sigil(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::Added:
      return '+';
    case ChangeKind::Removed:
      return '-';
    case ChangeKind::Changed:
      return '~';
  }
  return '?';
}

// "a.yaml:17, b.yaml:17", or the one file the change is written in.
std::string where(const SpecChange& c, const DiffOptions& options) {
  std::string out;
  if (c.line_a > 0) out = options.a + ":" + std::to_string(c.line_a);
  if (c.line_b > 0) {
    if (!out.empty()) out += ", ";
    out += options.b + ":" + std::to_string(c.line_b);
  }
  return out;
}

void printText(const SpecDiff& diff, const DiffOptions& options) {
  for (const SpecChange& c : diff.changes) {
    std::cout << sigil(c.kind) << ' ' << describe(c);
    if (const std::string at = where(c, options); !at.empty()) std::cout << "   (" << at << ')';
    std::cout << '\n';
  }
  const size_t n = diff.changes.size();
  if (n == 0) {
    std::cout << "no changes\n";
  } else {
    std::cout << n << (n == 1 ? " change\n" : " changes\n");
  }
}

void appendOptionalString(std::string& out, const std::optional<std::string>& s) {
  if (s) {
    appendJsonString(out, *s);
  } else {
    out += "null";
  }
}

void appendLine(std::string& out, int line) { out += line > 0 ? std::to_string(line) : "null"; }

void printJson(const SpecDiff& diff, const DiffOptions& options) {
  std::string out = "{\"a\":";
  appendJsonString(out, options.a);
  out += ",\"b\":";
  appendJsonString(out, options.b);
  out += ",\"count\":" + std::to_string(diff.changes.size()) + ",\"changes\":[";
  for (size_t i = 0; i < diff.changes.size(); ++i) {
    const SpecChange& c = diff.changes[i];
    if (i) out += ',';
    out += "{\"kind\":";
    appendJsonString(out, toString(c.kind));
    out += ",\"what\":";
    appendJsonString(out, toString(c.subject));
    out += ",\"id\":";
    appendJsonString(out, c.id);
    out += ",\"field\":";
    appendOptionalString(out, c.field.empty() ? std::nullopt : std::optional(c.field));
    if (c.subject == ChangeSubject::Stream) {
      out += ",\"from\":";
      appendJsonString(out, c.from);
      out += ",\"to\":";
      appendJsonString(out, c.to);
      out += ",\"stream\":";
      appendOptionalString(out, c.stream_id.empty() ? std::nullopt : std::optional(c.stream_id));
    }
    out += ",\"old\":";
    appendOptionalString(out, c.old_value);
    out += ",\"new\":";
    appendOptionalString(out, c.new_value);
    out += ",\"old_is_default\":";
    out += c.old_is_default ? "true" : "false";
    out += ",\"new_is_default\":";
    out += c.new_is_default ? "true" : "false";
    out += ",\"line_a\":";
    appendLine(out, c.line_a);
    out += ",\"line_b\":";
    appendLine(out, c.line_b);
    out += ",\"text\":";
    appendJsonString(out, describe(c));
    out += '}';
  }
  out += "]}\n";
  std::cout << out;
}

}  // namespace

int diffCommand(const DiffOptions& options) {
  const LoadResult a = loadTopologyFile(options.a);
  const LoadResult b = loadTopologyFile(options.b);
  bool ok = true;
  for (const LoadResult* r : {&a, &b}) {
    if (r->ok()) continue;
    for (const Diagnostic& d : r->errors) std::cerr << d.format() << '\n';
    ok = false;
  }
  if (!ok) return kInvalidInput;
  const SpecDiff diff = diffTopologies(*a.topology, *b.topology);
  if (options.json) {
    printJson(diff, options);
  } else {
    printText(diff, options);
  }
  return diff.empty() ? kOk : kDifferent;
}

}  // namespace topolab::cli
