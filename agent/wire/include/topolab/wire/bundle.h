// Resources bundles as the client and the agent both see them: a folder as a
// list of regular files (relative path, size, the executable bit, sha256),
// named by the sha256 of its canonical manifest, so that both sides agree on
// what is the same content without comparing bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/v1/agent.pb.h"

namespace topolab::wire {

struct BundleFile {
  std::string path;  // relative, '/'-separated
  uint64_t size = 0;
  bool executable = false;
  std::string sha256;  // lowercase hex
};

struct BundleManifest {
  std::string hash;               // bundleHash(files)
  std::vector<BundleFile> files;  // sorted by path

  uint64_t bytes() const;
};

// Bytes of file content per PutBundle message (well under the agents' 16 MiB
// message cap).
inline constexpr size_t kBundleChunkBytes = 1 << 20;
inline constexpr size_t kMaxBundlePathBytes = 4096;
// What a component's `resources` param reads in the topology an agent gets:
// "bundles/<hash>", relative to the deployment's folder on the agent.
inline constexpr std::string_view kBundlesFolder = "bundles";

// The sha256 of the canonical manifest: one line "<644|755> <size> <sha256>
// <path>\n" per file, in the order given (sorted by path).
std::string bundleHash(const std::vector<BundleFile>& files);
// Sorts by path and sets the hash.
void seal(BundleManifest* manifest);

// Empty when `path` may name a file of a bundle: relative, no empty, '.' or
// '..' part, no NUL or newline, at most kMaxBundlePathBytes; else why not.
std::string checkBundlePath(std::string_view path);
// Empty when `m` is well formed: every path legal, sorted and unique, no file
// where another file needs a folder, every sha256 64 hex digits, and the
// hash matching; else the first problem, naming the file.
std::string checkManifest(const BundleManifest& m);
// 64 lowercase hex digits.
bool isSha256Hex(std::string_view s);
// "bundles/<hash>".
std::string bundleResourcesPath(std::string_view hash);
// The hash in "bundles/<hash>", or empty when `resources` is not of that form.
std::string bundleOfResources(std::string_view resources);

void toProto(const BundleManifest& m, v1::BundleManifest* out);
BundleManifest fromProto(const v1::BundleManifest& m);

// An incremental sha256 (OpenSSL's libcrypto).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest in lowercase hex; the object starts over afterwards.
  std::string hex();

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

std::string sha256Hex(std::string_view data);

}  // namespace topolab::wire
