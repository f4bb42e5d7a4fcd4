// SPDX-License-Identifier: Apache-2.0
// A file tree and an environment held in memory: what `nccl-check
// --cluster` rebuilds from the files a check Pod printed, so that the same
// node checks read them as they read /sys and /proc here. Tests build on
// them too (tests/support/fakes.hpp).
#pragma once

#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>

#include <map>
#include <string>
#include <vector>

namespace kray::io {

// Paths are absolute ("/sys/class/net/eth0/operstate"); a directory
// exists when a file is under it.
class MemoryFileSystem : public FileSystem {
 public:
  std::map<std::string, std::string> files;

  using FileSystem::read_file;
  // Enforces `limit` as the real one does; every file here is regular.
  Result<std::string> read_file(const std::string& path, SizeLimit limit) override;
  bool is_directory(const std::string& path) override;
  bool exists(const std::string& path) override;
  // The current directory is /work.
  std::string absolute(const std::string& path) override;
  std::string canonical(const std::string& path) override;  // no links here: absolute
  Result<Listing> list_files(const std::string& dir) override;
  Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  Result<void> write_file(const std::string& path, const std::string& text) override;
  Result<void> append_file(const std::string& path, const std::string& text) override;
  // No links here: `root` + `path`, refusing only a ".." above `root`.
  Result<std::string> resolve_beneath(const std::string& root, const std::string& path) override;
};

class MapEnvironment : public Environment {
 public:
  std::map<std::string, std::string> vars;
  std::optional<std::string> get(const std::string& name) const override;
};

}  // namespace kray::io
