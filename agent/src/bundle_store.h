// The resources bundles this agent holds (<state-dir>/bundles/<hash>/), the
// uploads that fill it, and the copies deployments run in. A bundle appears
// under its hash only once every file's size and sha256 checked out, so what
// is there is always whole; a deployment gets its own copy, removed with it,
// and the store keeps the original for the next deploy of the same content.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "topolab/wire/bundle.h"

namespace topolab::agent {

class BundleUpload;

class BundleStore {
 public:
  // A bundle no deployment uses is kept this long after its last use, or
  // less (but at least kKeepRecent) while the unused ones exceed the budget.
  static constexpr std::chrono::hours kKeepUnused{24};
  static constexpr std::chrono::minutes kKeepRecent{10};

  BundleStore(const std::string& state_dir, uint64_t max_bytes, uint64_t max_files);

  uint64_t maxBytes() const { return max_bytes_; }
  uint64_t maxFiles() const { return max_files_; }
  // <state-dir>/bundles/<hash>
  std::string path(std::string_view hash) const;

  // A restarted agent starts empty: removes unfinished uploads and the
  // folders of deployments that were running when it stopped.
  void cleanUpAtStart();

  // Whether the bundle is here (and if so, counts as used now).
  bool has(std::string_view hash) const;

  // Starts receiving a bundle. Null with `status` set when the manifest is
  // malformed or over a cap (the message names the file or the cap and its
  // flag); null with `status` OK when the bundle is already here.
  std::unique_ptr<BundleUpload> begin(const wire::BundleManifest& manifest, grpc::Status* status);

  // Makes a folder for one deployment that runs programs:
  // <state-dir>/deployments/<name>-XXXXXX, unique, so a late removal of an
  // earlier one of the same name never touches it. Empty with `error` set.
  std::string makeDeploymentFolder(const std::string& name, std::string* error) const;
  // Copies bundle `hash` into <folder>/bundles/<hash>.
  [[nodiscard]] bool copyInto(std::string_view hash, const std::string& folder, std::string* error);
  // Removes bundles that are not in `in_use` and have not been used for
  // kKeepUnused; while the rest exceed the budget (4 × the byte cap), also
  // the least recently used of those unused for kKeepRecent.
  void collectGarbage(const std::set<std::string>& in_use);

 private:
  friend class BundleUpload;
  // Renames a finished upload into place (another upload may have won).
  [[nodiscard]] bool install(const std::string& temp, std::string_view hash, std::string* error);

  const std::string root_;         // <state-dir>/bundles
  const std::string deployments_;  // <state-dir>/deployments
  const uint64_t max_bytes_;
  const uint64_t max_files_;
  std::mutex mu_;  // installing, copying and collecting
};

// One bundle being received: the bytes of its files in manifest order. The
// temporary folder it writes into is removed unless commit() succeeded.
class BundleUpload {
 public:
  ~BundleUpload();
  BundleUpload(const BundleUpload&) = delete;
  BundleUpload& operator=(const BundleUpload&) = delete;

  const wire::BundleManifest& manifest() const { return manifest_; }
  uint64_t received() const { return received_; }
  // The next bytes; INVALID_ARGUMENT when they overrun the manifest or a
  // finished file's sha256 does not match.
  grpc::Status write(std::string_view data);
  // At the end of the stream: every byte arrived; the bundle is installed.
  grpc::Status commit();

 private:
  friend class BundleStore;
  BundleUpload(BundleStore& store, wire::BundleManifest manifest, std::string temp);
  grpc::Status openCurrent();
  grpc::Status finishCurrent();
  // Finishes the empty files from the current one on.
  grpc::Status skipEmpty();

  BundleStore& store_;
  const wire::BundleManifest manifest_;
  const std::string temp_;
  size_t index_ = 0;      // the file being written
  uint64_t written_ = 0;  // of it
  uint64_t received_ = 0;
  int fd_ = -1;
  wire::Sha256 hash_;
  bool committed_ = false;
};

}  // namespace topolab::agent
