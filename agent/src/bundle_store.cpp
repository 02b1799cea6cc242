#include "bundle_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace topolab::agent {
namespace {

namespace fs = std::filesystem;
using grpc::Status;
using grpc::StatusCode;

constexpr std::string_view kTempPrefix = ".upload-";

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

void touch(const fs::path& p) {
  std::error_code ec;
  fs::last_write_time(p, fs::file_time_type::clock::now(), ec);
}

uint64_t folderBytes(const fs::path& p) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace

// ----------------------------------------------------------- BundleStore

BundleStore::BundleStore(const std::string& state_dir, uint64_t max_bytes, uint64_t max_files)
    : root_(fs::absolute(fs::path(state_dir) / wire::kBundlesFolder).lexically_normal().string()),
      deployments_(fs::absolute(fs::path(state_dir) / "deployments").lexically_normal().string()),
      max_bytes_(max_bytes),
      max_files_(max_files) {}

std::string BundleStore::path(std::string_view hash) const {
  return (fs::path(root_) / std::string(hash)).string();
}

void BundleStore::cleanUpAtStart() {
  std::error_code ec;
  fs::remove_all(deployments_, ec);
  if (ec) spdlog::warn("cannot remove {}: {}", deployments_, ec.message());
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, kTempPrefix.size(), kTempPrefix) == 0 || !wire::isSha256Hex(name)) {
      std::error_code rm;
      fs::remove_all(it->path(), rm);
    }
  }
}

bool BundleStore::has(std::string_view hash) const {
  if (!wire::isSha256Hex(hash)) return false;
  std::error_code ec;
  const fs::path p = path(hash);
  if (!fs::is_directory(p, ec)) return false;
  touch(p);
  return true;
}

std::unique_ptr<BundleUpload> BundleStore::begin(const wire::BundleManifest& manifest,
                                                 grpc::Status* status) {
  *status = Status::OK;
  if (std::string why = wire::checkManifest(manifest); !why.empty()) {
    *status = Status(StatusCode::INVALID_ARGUMENT, "bundle manifest refused: " + why);
    return nullptr;
  }
  if (manifest.files.size() > max_files_) {
    *status = Status(StatusCode::RESOURCE_EXHAUSTED,
                     "the bundle holds " + std::to_string(manifest.files.size()) +
                         " files; this agent accepts at most " + std::to_string(max_files_) +
                         " per bundle (--max-bundle-files)");
    return nullptr;
  }
  if (manifest.bytes() > max_bytes_) {
    *status = Status(StatusCode::RESOURCE_EXHAUSTED,
                     "the bundle holds " + std::to_string(manifest.bytes()) + " bytes (" +
                         mib(manifest.bytes()) + "); this agent accepts at most " +
                         std::to_string(max_bytes_) + " bytes (" + mib(max_bytes_) +
                         ") per bundle (--max-bundle-bytes)");
    return nullptr;
  }
  if (has(manifest.hash)) return nullptr;
  std::error_code ec;
  fs::create_directories(root_, ec);
  std::string temp = (fs::path(root_) / (std::string(kTempPrefix) + "XXXXXX")).string();
  if (ec || ::mkdtemp(temp.data()) == nullptr) {
    *status = Status(StatusCode::INTERNAL,
                     "cannot make a folder in " + root_ + ": " + std::strerror(errno));
    return nullptr;
  }
  auto upload = std::unique_ptr<BundleUpload>(new BundleUpload(*this, manifest, temp));
  *status = upload->skipEmpty();
  if (!status->ok()) return nullptr;
  return upload;
}

bool BundleStore::install(const std::string& temp, std::string_view hash, std::string* error) {
  std::lock_guard lock(mu_);
  const fs::path target = path(hash);
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (!ec) return true;
  if (fs::is_directory(target)) {  // the same content arrived meanwhile
    fs::remove_all(temp, ec);
    touch(target);
    return true;
  }
  *error = "cannot install the bundle at " + target.string() + ": " + ec.message();
  return false;
}

std::string BundleStore::makeDeploymentFolder(const std::string& name, std::string* error) const {
  std::error_code ec;
  fs::create_directories(deployments_, ec);
  std::string folder = (fs::path(deployments_) / (name + "-XXXXXX")).string();
  if (ec || ::mkdtemp(folder.data()) == nullptr) {
    *error = "cannot make a folder in " + deployments_ + ": " +
             (ec ? ec.message() : std::string(std::strerror(errno)));
    return {};
  }
  return folder;
}

bool BundleStore::copyInto(std::string_view hash, const std::string& folder, std::string* error) {
  std::lock_guard lock(mu_);
  const fs::path source = path(hash);
  const fs::path target = fs::path(folder) / wire::kBundlesFolder / std::string(hash);
  std::error_code ec;
  if (fs::is_directory(target, ec)) return true;
  if (!fs::is_directory(source, ec)) {
    *error = "bundle " + std::string(hash) + " is not on this agent";
    return false;
  }
  fs::create_directories(target.parent_path(), ec);
  // Symlinks cannot be there (an upload writes regular files only); copy
  // keeps each file's mode, so the executable bit survives.
  if (!ec) fs::copy(source, target, fs::copy_options::recursive, ec);
  if (ec) {
    *error = "cannot copy bundle " + std::string(hash) + " into " + folder + ": " + ec.message();
    return false;
  }
  touch(source);
  return true;
}

void BundleStore::collectGarbage(const std::set<std::string>& in_use) {
  std::lock_guard lock(mu_);
  struct Unused {
    fs::path path;
    fs::file_time_type used;
    uint64_t bytes;
  };
  std::vector<Unused> unused;
  const auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code e;
    const auto used = fs::last_write_time(it->path(), e);
    if (e) continue;
    if (name.compare(0, kTempPrefix.size(), kTempPrefix) == 0) {
      // An upload that has not moved for an hour was abandoned by a crash.
      if (now - used > std::chrono::hours(1)) fs::remove_all(it->path(), e);
      continue;
    }
    if (!wire::isSha256Hex(name) || in_use.count(name)) continue;
    unused.push_back({it->path(), used, folderBytes(it->path())});
  }
  std::sort(unused.begin(), unused.end(),
            [](const Unused& a, const Unused& b) { return a.used < b.used; });
  uint64_t total = 0;
  for (const Unused& u : unused) total += u.bytes;
  const uint64_t budget = 4 * max_bytes_;
  for (const Unused& u : unused) {
    const auto age = now - u.used;
    if (age > kKeepUnused || (total > budget && age > kKeepRecent)) {
      std::error_code e;
      fs::remove_all(u.path, e);
      if (!e) {
        total -= u.bytes;
        spdlog::info("removed bundle {} (unused)", u.path.filename().string());
      }
    }
  }
}

// ---------------------------------------------------------- BundleUpload

BundleUpload::BundleUpload(BundleStore& store, wire::BundleManifest manifest, std::string temp)
    : store_(store), manifest_(std::move(manifest)), temp_(std::move(temp)) {}

BundleUpload::~BundleUpload() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(temp_, ec);
  }
}

grpc::Status BundleUpload::openCurrent() {
  const wire::BundleFile& f = manifest_.files[index_];
  // Every part of the path was checked (relative, no '.', '..' or empty
  // part) and the folders below temp_ are this upload's own: no link can
  // lead out of it.
  const fs::path file = fs::path(temp_) / f.path;
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fd_ = ec ? -1 : ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    return Status(StatusCode::INTERNAL, "cannot write '" + f.path + "' of bundle " +
                                            manifest_.hash + ": " +
                                            (ec ? ec.message() : std::strerror(errno)));
  }
  written_ = 0;
  return Status::OK;
}

grpc::Status BundleUpload::finishCurrent() {
  const wire::BundleFile& f = manifest_.files[index_];
  const std::string digest = hash_.hex();
  const int fd = fd_;
  fd_ = -1;
  const bool closed = ::fchmod(fd, f.executable ? 0755 : 0644) == 0 && ::close(fd) == 0;
  if (!closed) {
    return Status(StatusCode::INTERNAL, "cannot write '" + f.path + "': " + std::strerror(errno));
  }
  if (digest != f.sha256) {
    return Status(StatusCode::INVALID_ARGUMENT, "bundle " + manifest_.hash + ": the bytes of '" +
                                                    f.path + "' have sha256 " + digest +
                                                    ", the manifest says " + f.sha256);
  }
  ++index_;
  written_ = 0;
  return Status::OK;
}

grpc::Status BundleUpload::skipEmpty() {
  while (index_ < manifest_.files.size() && manifest_.files[index_].size == 0) {
    if (Status s = openCurrent(); !s.ok()) return s;
    if (Status s = finishCurrent(); !s.ok()) return s;
  }
  return Status::OK;
}

grpc::Status BundleUpload::write(std::string_view data) {
  while (!data.empty()) {
    if (index_ >= manifest_.files.size()) {
      return Status(StatusCode::INVALID_ARGUMENT, "bundle " + manifest_.hash +
                                                      ": more bytes than its manifest lists (" +
                                                      std::to_string(manifest_.bytes()) + ")");
    }
    if (fd_ < 0) {
      if (Status s = openCurrent(); !s.ok()) return s;
    }
    const wire::BundleFile& f = manifest_.files[index_];
    const size_t take = static_cast<size_t>(std::min<uint64_t>(data.size(), f.size - written_));
    for (size_t done = 0; done < take;) {
      const ssize_t n = ::write(fd_, data.data() + done, take - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Status(StatusCode::INTERNAL,
                      "cannot write '" + f.path + "': " + std::strerror(n < 0 ? errno : ENOSPC));
      }
      done += static_cast<size_t>(n);
    }
    hash_.update(data.data(), take);
    written_ += take;
    received_ += take;
    data.remove_prefix(take);
    if (written_ == f.size) {
      if (Status s = finishCurrent(); !s.ok()) return s;
      if (Status s = skipEmpty(); !s.ok()) return s;
    }
  }
  return Status::OK;
}

grpc::Status BundleUpload::commit() {
  if (Status s = skipEmpty(); !s.ok()) return s;
  if (index_ < manifest_.files.size()) {
    return Status(StatusCode::INVALID_ARGUMENT,
                  "bundle " + manifest_.hash + ": the stream ended after " +
                      std::to_string(received_) + " of " + std::to_string(manifest_.bytes()) +
                      " bytes ('" + manifest_.files[index_].path + "' is incomplete)");
  }
  std::string error;
  if (!store_.install(temp_, manifest_.hash, &error)) return Status(StatusCode::INTERNAL, error);
  committed_ = true;
  return Status::OK;
}

}  // namespace topolab::agent
