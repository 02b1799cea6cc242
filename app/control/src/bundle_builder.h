// A component's resources folder as the bundle a deploy sends: every regular
// file below it, with its size, executable bit and sha256. A link is taken
// as the file or folder it leads to when that lies inside the folder, and
// refused when it leads out of it, so an agent never gets a link.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "topolab/wire/bundle.h"

namespace topolab::control {

struct LocalBundle {
  std::string folder;                // absolute, as the user named it
  wire::BundleManifest manifest;     // sealed: sorted, hashed
  std::vector<std::string> sources;  // the file each manifest entry is read from, same order
};

// The tightest caps of the agents a bundle goes to, and which agent set each.
struct BundleCaps {
  uint64_t max_bytes = 0;
  uint64_t max_files = 0;
  std::string bytes_agent;
  std::string files_agent;
};

// Empty when `manifest` is within `caps`; else which cap it exceeds, naming
// the agent and its flag.
std::string checkCaps(const wire::BundleManifest& manifest, const BundleCaps& caps);

// The bundle of `folder`; nullopt with `error` saying what stands in the way
// (naming the file): not a folder, a link out of it or to nothing, a special
// file, a name a bundle cannot hold, more files or bytes than `caps`.
[[nodiscard]] std::optional<LocalBundle> buildBundle(const std::string& folder,
                                                     const BundleCaps& caps, std::string* error);

}  // namespace topolab::control
