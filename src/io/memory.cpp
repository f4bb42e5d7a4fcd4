// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/memory.hpp>

namespace kray::io {

Result<std::string> MemoryFileSystem::read_file(const std::string& path, SizeLimit limit) {
  auto it = files.find(path);
  if (it == files.end()) {
    return make_error(ErrorCode::io, "cannot read " + path + ": No such file or directory");
  }
  if (it->second.size() > limit.bytes) {
    return make_error(ErrorCode::io, "cannot read " + path + ": larger than " +
                                         describe_size(limit.bytes) + ", the limit for " +
                                         limit.applies_to);
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
  if (path.empty() || path == ".") {
    return "/work";
  }
  return path.front() == '/' ? path : "/work/" + path;
}

std::string MemoryFileSystem::canonical(const std::string& path) {
  return absolute(path);
}

namespace {

// The paths under directory `dir` (a prefix range of the sorted map), or
// an error when there are none.
template <typename Each>
Result<void> each_under(const std::map<std::string, std::string>& files,
                        const std::string& dir,
                        Each each) {
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  auto it = files.lower_bound(prefix);
  if (it == files.end() || it->first.rfind(prefix, 0) != 0) {
    return make_error(ErrorCode::io, "cannot list " + dir + ": No such file or directory");
  }
  for (; it != files.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    each(it->first, it->first.substr(prefix.size()));
  }
  return {};
}

}  // namespace

Result<FileSystem::Listing> MemoryFileSystem::list_files(const std::string& dir) {
  Listing out;
  KRAY_TRY(each_under(files, dir, [&out](const std::string& path, const std::string& rest) {
    if (("/" + rest).find("/.") == std::string::npos) {
      out.files.push_back(path);  // std::map: already sorted
    }
  }));
  return out;
}

Result<std::vector<std::string>> MemoryFileSystem::list_dir(const std::string& dir) {
  std::vector<std::string> out;
  KRAY_TRY(each_under(files, dir, [&out](const std::string&, const std::string& rest) {
    const std::string name = rest.substr(0, rest.find('/'));
    if (out.empty() || out.back() != name) {
      out.push_back(name);
    }
  }));
  return out;
}

Result<void> MemoryFileSystem::write_file(const std::string& path, const std::string& text) {
  files[path] = text;
  return {};
}

Result<void> MemoryFileSystem::append_file(const std::string& path, const std::string& text) {
  files[path] += text;
  return {};
}

Result<std::string> MemoryFileSystem::resolve_beneath(const std::string& root,
                                                      const std::string& path) {
  std::string base = root;
  while (base.size() > 1 && base.back() == '/') {
    base.pop_back();
  }
  if (("/" + path + "/").find("/../") != std::string::npos && base != "/") {
    return make_error(ErrorCode::io, path + ": '..' leads outside " + root);
  }
  return base == "/" ? path : base + path;
}

std::optional<std::string> MapEnvironment::get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
}

}  // namespace kray::io
