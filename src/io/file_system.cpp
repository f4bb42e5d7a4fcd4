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

bool RealFileSystem::is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
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
