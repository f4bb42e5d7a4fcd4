// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/error.hpp>

#include <string>
#include <vector>

namespace kray::io {

// Local file access, abstract so that tests run on an in-memory tree
// (tests/support/fake_file_system.hpp), like ninja's DiskInterface.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Returns the contents of `path`. Fails with ErrorCode::io and the OS's
  // reason ("No such file or directory").
  [[nodiscard]] virtual Result<std::string> read_file(const std::string& path) = 0;

  // True when `path` names a directory.
  virtual bool is_directory(const std::string& path) = 0;

  // True when something exists at `path` (a kubeconfig list skips missing
  // files, as kubectl does).
  virtual bool exists(const std::string& path) = 0;

  // `path` made absolute against the current directory, normalized.
  virtual std::string absolute(const std::string& path) = 0;
  // `path` absolute with its links resolved (as far as it exists), for
  // telling whether two paths name one place.
  virtual std::string canonical(const std::string& path) = 0;

  // The regular files under directory `dir`, recursively, as walked
  // (`dir/sub/name`, a link's own path, never the path it resolves to),
  // sorted (byte order) so that output does not depend on the directory's
  // order. Hidden entries (".git") are skipped. Links to folders are
  // followed; a file or folder reached twice (through links) is listed
  // once; what was not followed is said in `not_followed` ("path: why").
  struct Listing {
    std::vector<std::string> files;
    std::vector<std::string> not_followed;
  };
  [[nodiscard]] virtual Result<Listing> list_files(const std::string& dir) = 0;

  // The names of the entries of directory `dir` (files, directories, links,
  // devices), not recursive, sorted: for /sys and /dev, where recursion
  // would follow links without end.
  [[nodiscard]] virtual Result<std::vector<std::string>> list_dir(const std::string& dir) = 0;

  // Writes `text` to `path`, replacing it (artifacts such as nccl-check
  // --save). Fails with ErrorCode::io and the OS's reason.
  [[nodiscard]] virtual Result<void> write_file(const std::string& path,
                                                const std::string& text) = 0;
};

class RealFileSystem final : public FileSystem {
 public:
  Result<std::string> read_file(const std::string& path) override;
  bool is_directory(const std::string& path) override;
  bool exists(const std::string& path) override;
  std::string absolute(const std::string& path) override;
  std::string canonical(const std::string& path) override;
  Result<Listing> list_files(const std::string& dir) override;
  Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  Result<void> write_file(const std::string& path, const std::string& text) override;
};

// Returns `relative` resolved against the directory of `base_file`
// ("specs/job.yaml" + "serve.yaml" -> "specs/serve.yaml"); absolute paths
// are returned as they are.
std::string resolve_relative(const std::string& base_file, const std::string& relative);

}  // namespace kray::io
