// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/file_system.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kray::io {

Result<std::string> RealFileSystem::read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return make_error(ErrorCode::io, "cannot read " + path + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::io, "cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return make_error(ErrorCode::io, "cannot read " + path + ": " + std::strerror(errno));
  }
  return ss.str();
}

Result<void> RealFileSystem::write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return make_error(ErrorCode::io, "cannot write " + path + ": " + std::strerror(errno));
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    return make_error(ErrorCode::io, "cannot write " + path + ": " + std::strerror(errno));
  }
  return {};
}

bool RealFileSystem::is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

bool RealFileSystem::exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

std::string RealFileSystem::absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

Result<std::vector<std::string>> RealFileSystem::list_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (it->is_directory(ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it->is_regular_file(ec)) {
      out.push_back(prefix + fs::relative(it->path(), dir, ec).generic_string());
    }
  }
  if (ec) {
    return make_error(ErrorCode::io, "cannot list " + dir + ": " + ec.message());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> RealFileSystem::list_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  if (ec) {
    return make_error(ErrorCode::io, "cannot list " + dir + ": " + ec.message());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string resolve_relative(const std::string& base_file, const std::string& relative) {
  if (!relative.empty() && relative.front() == '/') {
    return relative;
  }
  const auto slash = base_file.rfind('/');
  if (slash == std::string::npos) {
    return relative;
  }
  return base_file.substr(0, slash + 1) + relative;
}

}  // namespace kray::io
