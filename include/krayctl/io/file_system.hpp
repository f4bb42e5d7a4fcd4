// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/error.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace kray::io {

// How much of a local file krayctl reads, and for what, so that a device
// (/dev/zero), a FIFO or a huge file ends in a clear error instead of
// growing memory until std::bad_alloc (issue 14, finding 9). `applies_to`
// finishes the message "larger than 4 MiB, the limit for ...".
struct SizeLimit {
  std::size_t bytes;
  const char* applies_to;
};

// Kubeconfig, certificate, key and token files: real ones are a few KiB.
inline constexpr SizeLimit k_credential_file_limit{std::size_t{4} << 20U,
                                                   "kubeconfig, certificate, key and token files"};
// YAML inputs (render, validate, apply, .krayctl.yaml) and node files
// (/proc, /sys): the API server refuses a request body over 3 MiB, so a
// 64 MiB file is already twenty objects' worth of the largest it takes.
inline constexpr SizeLimit k_input_file_limit{std::size_t{64} << 20U, "YAML inputs"};
// Logs (nccl-check --log): NCCL_DEBUG=INFO from a thousand ranks is tens of
// MiB.
inline constexpr SizeLimit k_log_file_limit{std::size_t{256} << 20U, "logs"};

// Local file access, abstract so that tests run on an in-memory tree
// (tests/support/fake_file_system.hpp), like ninja's DiskInterface.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Returns the contents of regular file `path`. Fails with ErrorCode::io
  // and the OS's reason ("No such file or directory"), when `path` is not a
  // regular file (a directory, a device such as /dev/zero, a FIFO: opened
  // without blocking, never read), or when it holds more than
  // `limit.bytes` (checked before reading where the size is known, and
  // while reading for files such as /proc's that say 0).
  [[nodiscard]] virtual Result<std::string> read_file(const std::string& path, SizeLimit limit) = 0;
  // read_file with the limit for YAML inputs.
  [[nodiscard]] Result<std::string> read_file(const std::string& path) {
    return read_file(path, k_input_file_limit);
  }

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

  // Writes `text` to `path` (artifacts such as nccl-check --save): a new
  // file is created with mode 0600; an existing regular file of this user
  // is replaced in place, keeping its mode. Refuses a symbolic link at
  // `path` (O_NOFOLLOW: a link planted where the artifact goes must not
  // redirect the write), anything that is not a regular file, and a file
  // owned by someone else. Fails with ErrorCode::io and the reason.
  [[nodiscard]] virtual Result<void> write_file(const std::string& path,
                                                const std::string& text) = 0;
  // The same checks, and `text` added at the end of what is there (a
  // GitHub Actions step summary, which other commands of the step write
  // to as well).
  [[nodiscard]] virtual Result<void> append_file(const std::string& path,
                                                 const std::string& text) = 0;

  // `path` (absolute, as seen from inside `root`: "/sys/class/net/eth0")
  // resolved under directory `root`, following links only while they stay
  // inside it, as Linux's openat2(RESOLVE_BENEATH) does: a link that leads
  // out of `root` (absolute, or through "..") fails with ErrorCode::io
  // naming the link and its target. With `root` "/" nothing is refused.
  // What does not exist is returned as it would be, for the read to fail.
  [[nodiscard]] virtual Result<std::string> resolve_beneath(const std::string& root,
                                                            const std::string& path) = 0;
};

class RealFileSystem final : public FileSystem {
 public:
  using FileSystem::read_file;
  Result<std::string> read_file(const std::string& path, SizeLimit limit) override;
  bool is_directory(const std::string& path) override;
  bool exists(const std::string& path) override;
  std::string absolute(const std::string& path) override;
  std::string canonical(const std::string& path) override;
  Result<Listing> list_files(const std::string& dir) override;
  Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  Result<void> write_file(const std::string& path, const std::string& text) override;
  Result<void> append_file(const std::string& path, const std::string& text) override;
  Result<std::string> resolve_beneath(const std::string& root, const std::string& path) override;

 private:
  static Result<void> write_to(const std::string& path, const std::string& text, bool append);
};

// "4 MiB": `bytes` in the largest binary unit that divides it.
std::string describe_size(std::size_t bytes);

// Returns `relative` resolved against the directory of `base_file`
// ("specs/job.yaml" + "serve.yaml" -> "specs/serve.yaml"); absolute paths
// are returned as they are.
std::string resolve_relative(const std::string& base_file, const std::string& relative);

}  // namespace kray::io
