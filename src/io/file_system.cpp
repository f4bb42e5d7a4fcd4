// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/file_system.hpp>

#include <set>

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

std::string RealFileSystem::canonical(const std::string& path) {
  std::error_code ec;
  auto real = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  return ec ? absolute(path) : real.string();
}

namespace {

// Depth first, each folder's entries in a fixed order, so that which of
// two paths to one file is listed (the first met) does not depend on the
// file system's order.
struct Walker {
  FileSystem::Listing& out;
  std::set<std::filesystem::path> seen_dirs;   // canonical: a folder linked twice, a loop
  std::set<std::filesystem::path> seen_files;  // canonical: a file reached twice

  std::error_code walk(const std::filesystem::path& folder) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(folder, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      entries.push_back(it->path());
    }
    if (ec) {
      return ec;
    }
    // Real entries before links, each in byte order: a file or folder
    // reached both ways is listed under its own path, not a link's.
    std::error_code e0;
    std::sort(entries.begin(), entries.end(), [&e0](const fs::path& a, const fs::path& b) {
      const bool la = fs::is_symlink(fs::symlink_status(a, e0));
      const bool lb = fs::is_symlink(fs::symlink_status(b, e0));
      return la != lb ? lb : a < b;
    });
    for (const auto& walked : entries) {
      const std::string name = walked.filename().string();
      if (!name.empty() && name.front() == '.') {
        continue;  // .git and the like
      }
      const std::string shown = walked.generic_string();
      std::error_code e;
      const bool link = fs::is_symlink(fs::symlink_status(walked, e));
      if (link && !fs::exists(walked, e)) {
        out.not_followed.push_back(shown + ": a link to nothing");
        continue;
      }
      if (fs::is_directory(walked, e)) {
        if (!seen_dirs.insert(fs::canonical(walked, e)).second) {
          out.not_followed.push_back(shown + ": a link to a folder walked already");
          continue;
        }
        if (auto failed = walk(walked)) {
          return failed;
        }
        continue;
      }
      if (fs::is_regular_file(walked, e) && seen_files.insert(fs::canonical(walked, e)).second) {
        out.files.push_back(shown);
      }
    }
    return {};
  }
};

}  // namespace

Result<FileSystem::Listing> RealFileSystem::list_files(const std::string& dir) {
  namespace fs = std::filesystem;
  Listing out;
  Walker walker{out, {}, {}};
  std::error_code ec;
  walker.seen_dirs.insert(fs::canonical(dir, ec));
  // The paths as walked: `dir` as given (without a trailing slash), then
  // the entries' own names, links included, never what they resolve to.
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') {
    root.pop_back();
  }
  if (auto failed = walker.walk(root)) {
    return make_error(ErrorCode::io, "cannot list " + dir + ": " + failed.message());
  }
  std::sort(out.files.begin(), out.files.end());
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
