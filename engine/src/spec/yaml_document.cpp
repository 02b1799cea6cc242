// Loading the one YAML document of a topology file with yaml-cpp 0.7, around
// that version's traps: LoadAll() can loop forever and Load() ignores what
// follows the first document.
#include "spec/yaml_document.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

namespace topolab::spec {
namespace {

// Notes where the current document's first node starts.
class DocumentCounter final : public YAML::EventHandler {
 public:
  void startNext() { start_.reset(); }
  Mark start() const { return start_.value_or(Mark{}); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    note(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& m) {
    if (!start_) start_ = toMark(m);
  }
  std::optional<Mark> start_;
};

// Whether the text holds no YAML content: blank lines, comments and document markers only.
bool onlyCommentsAndMarkers(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#' &&
        !(first == 0 && (line.starts_with("---") || line.starts_with("...")))) {
      return false;
    }
    pos = end + 1;
  }
  return true;
}

}  // namespace

std::optional<YAML::Node> loadOneDocument(std::string_view text, std::string_view file_name,
                                          std::vector<Diagnostic>& errors) {
  auto report = [&](Mark mark, std::string message) {
    errors.push_back(Diagnostic{std::string(file_name), mark, std::move(message)});
  };
  YAML::Node root;
  std::optional<Mark> second_document;
  try {
    // Documents are counted with at most two HandleNextDocument() calls rather
    // than with YAML::LoadAll(): in yaml-cpp 0.7 LoadAll() loops forever,
    // allocating, on input such as "," (jbeder/yaml-cpp#1040, fixed upstream
    // in #1319). Load() reads only the first document and silently ignores
    // anything after it, so the count is what reports trailing content.
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    DocumentCounter counter;
    if (parser.HandleNextDocument(counter)) {
      counter.startNext();
      if (parser.HandleNextDocument(counter)) second_document = counter.start();
    }
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    report(toMark(e.mark), "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
  if (root.IsNull()) {
    if (onlyCommentsAndMarkers(text)) {
      report(Mark{1, 1}, "empty file: a topology file starts with 'topolab: " +
                             std::to_string(kFormatVersion) + "'");
      return std::nullopt;
    }
  } else if (second_document) {
    report(*second_document,
           "unexpected content after the topology: a topology file holds one "
           "YAML document");
  }
  return root;
}

}  // namespace topolab::spec
