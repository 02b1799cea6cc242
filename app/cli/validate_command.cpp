#include <iostream>

#include "commands.h"
#include "topolab/engine/spec.h"

namespace topolab::cli {

int validateCommand(const std::vector<std::string>& files) {
  int code = kOk;
  for (const std::string& file : files) {
    const LoadResult r = loadTopologyFile(file);
    if (r.ok()) {
      std::cout << file << ": ok\n";
      continue;
    }
    for (const Diagnostic& d : r.errors) std::cerr << d.format() << '\n';
    code = kInvalidInput;
  }
  return code;
}

}  // namespace topolab::cli
