// The entry points that turn a topology file into a checked model, and the
// boundary where nothing thrown by the YAML library may pass.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>

#include "spec/internal.h"
#include "spec/prescan.h"
#include "topolab/engine/spec.h"

namespace topolab {

std::string Diagnostic::format() const {
  std::string out = file;
  if (mark.line > 0) {
    out += ':' + std::to_string(mark.line) + ':' + std::to_string(std::max(mark.col, 1));
  }
  out += ": error: ";
  out += message;
  return out;
}

namespace spec {

void sortDiagnostics(std::vector<Diagnostic>& diagnostics) {
  auto key = [](const Diagnostic& d) {
    return std::pair(d.mark.line > 0 ? d.mark.line : INT32_MAX, d.mark.col);
  };
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
}

}  // namespace spec

LoadResult parseTopology(std::string_view yaml_text, std::string_view file_name,
                         const Catalogue& catalogue) {
  LoadResult result;
  auto fail = [&](std::string message) {
    result.topology.reset();
    result.errors.push_back(Diagnostic{std::string(file_name), Mark{}, std::move(message)});
  };
  try {
    if (auto d = spec::prescanText(yaml_text, file_name)) {
      result.errors.push_back(std::move(*d));
      return result;
    }
    spec::ReadResult read = spec::readTopology(yaml_text, file_name, result.errors);
    if (read.topology) {
      spec::validateInto(*read.topology, file_name, catalogue,
                         spec::ValidateOptions{.check_version = !read.version_reported},
                         result.errors);
      result.topology = std::move(read.topology);
    }
    spec::sortDiagnostics(result.errors);
  } catch (const std::bad_alloc&) {
    fail("out of memory while reading the file");
  } catch (const std::exception& e) {
    // yaml-cpp throws from places the reader does not expect; never let it escape.
    fail(std::string("cannot read the file: ") + e.what());
  } catch (...) {
    fail("cannot read the file: unexpected error");
  }
  return result;
}

LoadResult loadTopologyFile(const std::string& path, const Catalogue& catalogue) {
  auto unreadable = [&](std::string why) {
    LoadResult r;
    r.errors.push_back(Diagnostic{path, Mark{}, std::move(why)});
    return r;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return unreadable("cannot read file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::string("cannot open file: ") + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  // Read one byte past the cap so an oversized file is refused without reading all of it.
  while (text.size() <= kMaxFileBytes) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (in.eof()) break;
    if (!in) return unreadable(std::string("cannot read file: ") + std::strerror(errno));
  }
  if (text.size() > kMaxFileBytes) {
    return unreadable("file is larger than " + std::to_string(kMaxFileBytes / (1024 * 1024)) +
                      " MiB, the limit for topology files");
  }
  return parseTopology(text, path, catalogue);
}

std::vector<Diagnostic> validateTopology(const Topology& topology, std::string_view file_name,
                                         const Catalogue& catalogue,
                                         const std::vector<std::string>* agent_names) {
  std::vector<Diagnostic> out;
  try {
    spec::validateInto(topology, file_name, catalogue,
                       spec::ValidateOptions{.agent_names = agent_names}, out);
  } catch (const std::exception& e) {
    out.push_back(Diagnostic{std::string(file_name), Mark{},
                             std::string("cannot validate the topology: ") + e.what()});
  }
  spec::sortDiagnostics(out);
  return out;
}

}  // namespace topolab
