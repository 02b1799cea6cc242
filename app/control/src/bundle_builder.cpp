#include "bundle_builder.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace topolab::control {
namespace {

namespace fs = std::filesystem;

// Whether canonical `path` is `root` or lies below it.
bool inside(const fs::path& path, const fs::path& root) {
  const fs::path rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

std::string quote(const std::string& rel) { return "'" + rel + "'"; }

std::string filesCap(const BundleCaps& caps) {
  return "it holds more than " + std::to_string(caps.max_files) + " files, the most agent " +
         caps.files_agent + " accepts in a bundle (topolab-agent --max-bundle-files)";
}

std::string bytesCap(const BundleCaps& caps) {
  return "it holds more than " + std::to_string(caps.max_bytes) + " bytes (" +
         std::to_string(caps.max_bytes >> 20) + " MiB), the most agent " + caps.bytes_agent +
         " accepts in a bundle (topolab-agent --max-bundle-bytes)";
}

class Walker {
 public:
  Walker(fs::path root, const BundleCaps& caps, LocalBundle* out)
      : root_(std::move(root)), caps_(caps), out_(out) {}

  // Adds what is in `dir` (canonical), whose path in the bundle is `rel`;
  // `chain` holds the folders being walked, so a link back up is caught.
  bool walk(const fs::path& dir, const std::string& rel, std::vector<fs::path>& chain) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; it != end; it.increment(ec)) {
      if (ec) break;
      const std::string name = it->path().filename().string();
      const std::string path = rel.empty() ? name : rel + "/" + name;
      if (!add(it->path(), path, chain)) return false;
    }
    if (ec) return fail("cannot list " + quote(rel.empty() ? "." : rel) + ": " + ec.message());
    return true;
  }

  std::string error;

 private:
  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }

  bool add(const fs::path& entry, const std::string& rel, std::vector<fs::path>& chain) {
    std::error_code ec;
    const fs::file_status link = fs::symlink_status(entry, ec);
    if (ec) return fail("cannot read " + quote(rel) + ": " + ec.message());
    fs::path target = entry;
    if (fs::is_symlink(link)) {
      target = fs::canonical(entry, ec);
      if (ec) return fail(quote(rel) + " is a link to nothing (" + ec.message() + ")");
      if (!inside(target, root_)) {
        return fail(quote(rel) + " is a link to " + target.string() +
                    ", outside the folder: a bundle holds only what is inside it (copy the "
                    "file in, or point resources at a folder that holds both)");
      }
    }
    const fs::file_status st = fs::status(target, ec);
    if (ec) return fail("cannot read " + quote(rel) + ": " + ec.message());
    if (fs::is_directory(st)) {
      if (std::find(chain.begin(), chain.end(), target) != chain.end()) {
        return fail(quote(rel) + " is a link to a folder it lies in (a loop)");
      }
      chain.push_back(target);
      const bool ok = walk(target, rel, chain);
      chain.pop_back();
      return ok;
    }
    if (!fs::is_regular_file(st)) {
      return fail(quote(rel) + " is not a regular file or folder (a socket, pipe or device)");
    }
    if (std::string why = wire::checkBundlePath(rel); !why.empty()) {
      return fail(quote(rel) + " cannot be in a bundle: " + why);
    }
    if (out_->manifest.files.size() + 1 > caps_.max_files) return fail(filesCap(caps_));
    wire::BundleFile f;
    f.path = rel;
    f.size = fs::file_size(target, ec);
    if (ec) return fail("cannot read " + quote(rel) + ": " + ec.message());
    bytes_ += f.size;
    if (bytes_ > caps_.max_bytes) return fail(bytesCap(caps_));
    f.executable = (fs::status(target).permissions() & fs::perms::owner_exec) != fs::perms::none;
    std::ifstream in(target, std::ios::binary);
    wire::Sha256 hash;
    std::vector<char> buffer(1 << 16);
    uint64_t read = 0;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = static_cast<size_t>(in.gcount());
      hash.update(buffer.data(), n);
      read += n;
    }
    if (in.bad() || read != f.size) return fail("cannot read " + quote(rel) + " whole");
    f.sha256 = hash.hex();
    out_->manifest.files.push_back(std::move(f));
    out_->sources.push_back(target.string());
    return true;
  }

  const fs::path root_;
  const BundleCaps caps_;
  LocalBundle* out_;
  uint64_t bytes_ = 0;
};

}  // namespace

std::string checkCaps(const wire::BundleManifest& manifest, const BundleCaps& caps) {
  if (manifest.files.size() > caps.max_files) return filesCap(caps);
  if (manifest.bytes() > caps.max_bytes) return bytesCap(caps);
  return {};
}

std::optional<LocalBundle> buildBundle(const std::string& folder, const BundleCaps& caps,
                                       std::string* error) {
  std::error_code ec;
  const fs::path root = fs::canonical(folder, ec);
  if (ec || !fs::is_directory(root, ec)) {
    *error = "resources folder " + folder + " is not a folder" +
             (ec ? " (" + ec.message() + ")" : std::string());
    return std::nullopt;
  }
  LocalBundle bundle;
  bundle.folder = folder;
  Walker walker(root, caps, &bundle);
  std::vector<fs::path> chain = {root};
  if (!walker.walk(root, "", chain)) {
    *error = "resources folder " + folder + ": " + walker.error;
    return std::nullopt;
  }
  // Sorting the manifest sorts the sources with it.
  std::vector<size_t> order(bundle.manifest.files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return bundle.manifest.files[a].path < bundle.manifest.files[b].path;
  });
  LocalBundle sorted;
  sorted.folder = bundle.folder;
  for (size_t i : order) {
    sorted.manifest.files.push_back(std::move(bundle.manifest.files[i]));
    sorted.sources.push_back(std::move(bundle.sources[i]));
  }
  wire::seal(&sorted.manifest);
  return sorted;
}

}  // namespace topolab::control
