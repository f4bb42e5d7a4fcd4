// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/memory.hpp>

namespace kray::io {

Result<std::string> MemoryFileSystem::read_file(const std::string& path) {
  auto it = files.find(path);
  if (it == files.end()) {
    return make_error(ErrorCode::io, "cannot read " + path + ": No such file or directory");
  }
  return it->second;
}

bool MemoryFileSystem::is_directory(const std::string& path) {
  const std::string prefix = path.ends_with('/') ? path : path + "/";
  auto it = files.lower_bound(prefix);
  return it != files.end() && it->first.rfind(prefix, 0) == 0;
}

bool MemoryFileSystem::exists(const std::string& path) {
  return files.count(path) > 0 || is_directory(path);
}

std::string MemoryFileSystem::absolute(const std::string& path) {
  return !path.empty() && path.front() == '/' ? path : "/work/" + path;
}

Result<std::vector<std::string>> MemoryFileSystem::list_files(const std::string& dir) {
  if (!is_directory(dir)) {
    return make_error(ErrorCode::io, "cannot list " + dir + ": No such file or directory");
  }
  std::vector<std::string> out;
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  for (auto it = files.lower_bound(prefix); it != files.end() && it->first.rfind(prefix, 0) == 0;
       ++it) {
    if (it->first.find("/.", prefix.size() - 1) == std::string::npos) {
      out.push_back(it->first);  // std::map: already sorted
    }
  }
  return out;
}

Result<std::vector<std::string>> MemoryFileSystem::list_dir(const std::string& dir) {
  if (!is_directory(dir)) {
    return make_error(ErrorCode::io, "cannot list " + dir + ": No such file or directory");
  }
  std::vector<std::string> out;
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  for (auto it = files.lower_bound(prefix); it != files.end() && it->first.rfind(prefix, 0) == 0;
       ++it) {
    std::string name = it->first.substr(prefix.size());
    name = name.substr(0, name.find('/'));
    if (out.empty() || out.back() != name) {
      out.push_back(name);
    }
  }
  return out;
}

std::optional<std::string> MapEnvironment::get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
}

}  // namespace kray::io
