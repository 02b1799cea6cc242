// `topolab import FLUX.yaml`: a Storm Flux file to a topology file. Warnings
// (placeholders for Java classes, what is not kept) go to stderr and the
// import succeeds; errors make it fail with exit code 2 and write nothing.
#include <fstream>
#include <iostream>

#include "commands.h"
#include "topolab/engine/flux.h"
#include "topolab/engine/spec.h"

namespace topolab::cli {

int importCommand(const ImportOptions& options) {
  FluxImportOptions flux;
  flux.output_path = options.out;
  flux.resources = options.resources;
  flux.properties_file = options.filter;
  flux.env_substitution = options.env_filter;
  const FluxImport r = importFlux(options.file, flux);
  for (const Diagnostic& w : r.warnings) std::cerr << formatWarning(w) << '\n';
  if (!r.ok()) {
    for (const Diagnostic& e : r.errors) std::cerr << e.format() << '\n';
    return kInvalidInput;
  }
  const std::string text = writeTopology(*r.topology);
  if (options.out.empty()) {
    std::cout << text;
    return kOk;
  }
  std::ofstream f(options.out, std::ios::binary);
  f << text;
  if (!f) {
    std::cerr << "topolab: error: cannot write " << options.out << '\n';
    return kFailure;
  }
  return kOk;
}

}  // namespace topolab::cli
