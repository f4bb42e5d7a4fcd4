// SPDX-License-Identifier: Apache-2.0
#include "sarif.hpp"

#include <krayctl/io/file_system.hpp>

#include <fmt/format.h>

#include <cstdint>

namespace kray::app::detail {
namespace {

std::string strip_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

// `path` relative to `root` when below it ("" otherwise).
std::string below(const std::string& path, const std::string& root) {
  const std::string prefix = root == "/" ? "/" : root + "/";
  if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) {
    return path.substr(prefix.size());
  }
  return "";
}

}  // namespace

std::string uri_encode_path(std::string_view path) {
  std::string out;
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                       u == '-' || u == '.' || u == '_' || u == '~' || u == '/';
    if (plain) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string sarif_root(const std::string& given, const Deps& deps) {
  if (!given.empty()) {
    return strip_trailing_slash(deps.fs.absolute(given));
  }
  std::string cwd = strip_trailing_slash(deps.fs.absolute("."));
  for (std::string dir = cwd;;) {
    if (deps.fs.exists((dir == "/" ? "" : dir) + "/.git")) {
      return dir;
    }
    if (dir == "/" || dir.find('/') == std::string::npos) {
      return cwd;
    }
    const auto slash = dir.rfind('/');
    dir = slash == 0 ? "/" : dir.substr(0, slash);
  }
}

ArtifactUri sarif_uri(const std::string& file, const std::string& root, const Deps& deps) {
  if (file == "<stdin>" || file == "-") {
    return {"stdin", false};
  }
  // Where the file really is, links resolved: git tracks a link as a link,
  // so a path through one names no file of the repository (a code-scanning
  // alert could not be shown on it).
  if (auto rel = below(deps.fs.canonical(file), deps.fs.canonical(root)); !rel.empty()) {
    return {uri_encode_path(rel), true};
  }
  // A link out of the repository: the path as walked, if below the root.
  const std::string absolute = deps.fs.absolute(file);
  if (auto rel = below(absolute, root); !rel.empty()) {
    return {uri_encode_path(rel), true};
  }
  return {"file://" + uri_encode_path(absolute), false};
}

int utf16_column(std::string_view line, int byte_column) {
  if (byte_column <= 1) {
    return byte_column;
  }
  int units = 0;
  const auto end = std::min<std::size_t>(line.size(), static_cast<std::size_t>(byte_column - 1));
  for (std::size_t i = 0; i < end; ++i) {
    const auto u = static_cast<unsigned char>(line[i]);
    if ((u & 0xC0) == 0x80) {
      continue;  // a continuation byte: counted with its lead byte
    }
    units += u >= 0xF0 ? 2 : 1;  // four-byte sequences are surrogate pairs
  }
  // A column past the end of the line (a missing value at the line's end)
  // keeps its distance from it.
  return units + 1 + static_cast<int>(static_cast<std::size_t>(byte_column - 1) - end);
}

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace kray::app::detail
