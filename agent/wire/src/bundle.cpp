// Bundle manifests: the canonical form both sides hash, and the checks an
// agent makes before it writes a single file.
#include "topolab/wire/bundle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <set>

namespace topolab::wire {

struct Sha256::Context {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(std::make_unique<Context>()) {
  ctx_->md = EVP_MD_CTX_new();
  const int ok = EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
  assert(ok == 1);
  (void)ok;
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_->md); }

void Sha256::update(const void* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx_->md, data, size);
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, digest, &n);
  EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

uint64_t BundleManifest::bytes() const {
  uint64_t total = 0;
  for (const BundleFile& f : files) total += f.size;
  return total;
}

std::string bundleHash(const std::vector<BundleFile>& files) {
  Sha256 h;
  for (const BundleFile& f : files) {
    h.update((f.executable ? "755 " : "644 ") + std::to_string(f.size) + " " + f.sha256 + " " +
             f.path + "\n");
  }
  return h.hex();
}

void seal(BundleManifest* manifest) {
  std::sort(manifest->files.begin(), manifest->files.end(),
            [](const BundleFile& a, const BundleFile& b) { return a.path < b.path; });
  manifest->hash = bundleHash(manifest->files);
}

std::string checkBundlePath(std::string_view path) {
  if (path.empty()) return "an empty path";
  if (path.size() > kMaxBundlePathBytes) {
    return "a path longer than " + std::to_string(kMaxBundlePathBytes) + " bytes";
  }
  if (path.front() == '/') return "an absolute path";
  if (path.find('\0') != std::string_view::npos || path.find('\n') != std::string_view::npos) {
    return "a path with a NUL or newline in it";
  }
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty()) return "a path with an empty part ('//' or a trailing '/')";
    if (part == "." || part == "..") return "a path with a '" + std::string(part) + "' part";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

bool isSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string checkManifest(const BundleManifest& m) {
  if (!isSha256Hex(m.hash)) return "the bundle's hash is not 64 lowercase hex digits";
  std::set<std::string_view> paths;
  for (size_t i = 0; i < m.files.size(); ++i) {
    const BundleFile& f = m.files[i];
    if (std::string why = checkBundlePath(f.path); !why.empty()) {
      return "'" + f.path + "' is " + why + " (a bundle holds relative paths inside its folder)";
    }
    if (i > 0 && !(m.files[i - 1].path < f.path)) {
      return "'" + f.path + "' is out of order or listed twice (files are sorted by path)";
    }
    if (!isSha256Hex(f.sha256)) return "'" + f.path + "' has no valid sha256";
    paths.insert(f.path);
  }
  // A file cannot also be a folder of another one ("a" and "a/b").
  for (const BundleFile& f : m.files) {
    for (size_t slash = f.path.find('/'); slash != std::string::npos;
         slash = f.path.find('/', slash + 1)) {
      if (paths.count(std::string_view(f.path).substr(0, slash))) {
        return "'" + f.path + "' lies in '" + f.path.substr(0, slash) + "', which is a file";
      }
    }
  }
  if (bundleHash(m.files) != m.hash) {
    return "the manifest's hash does not match its files (expected " + bundleHash(m.files) + ")";
  }
  return {};
}

std::string bundleResourcesPath(std::string_view hash) {
  return std::string(kBundlesFolder) + "/" + std::string(hash);
}

std::string bundleOfResources(std::string_view resources) {
  const std::string prefix = std::string(kBundlesFolder) + "/";
  if (resources.substr(0, prefix.size()) != prefix) return {};
  const std::string_view hash = resources.substr(prefix.size());
  return isSha256Hex(hash) ? std::string(hash) : std::string();
}

void toProto(const BundleManifest& m, v1::BundleManifest* out) {
  out->set_hash(m.hash);
  for (const BundleFile& f : m.files) {
    v1::BundleFile* pf = out->add_files();
    pf->set_path(f.path);
    pf->set_size(f.size);
    pf->set_mode(f.executable ? 0755 : 0644);
    pf->set_sha256(f.sha256);
  }
}

BundleManifest fromProto(const v1::BundleManifest& m) {
  BundleManifest out;
  out.hash = m.hash();
  out.files.reserve(static_cast<size_t>(m.files_size()));
  for (const v1::BundleFile& f : m.files()) {
    out.files.push_back({f.path(), f.size(), (f.mode() & 0111) != 0, f.sha256()});
  }
  return out;
}

}  // namespace topolab::wire
