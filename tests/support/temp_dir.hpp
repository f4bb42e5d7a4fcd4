// SPDX-License-Identifier: Apache-2.0
// A directory under /tmp for one test, removed with everything in it
// (ninja's ScopedTempDir), and small helpers to fill it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace kray::test {

class TempDir {
 public:
  TempDir() {
    std::string name = "/tmp/krayctl-test-XXXXXX";
    if (mkdtemp(name.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = name;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  std::string operator/(const std::string& rel) const { return m_path + "/" + rel; }

  // Writes `text` to `rel` (folders made as needed) with `mode`; returns its path.
  std::string write(const std::string& rel, const std::string& text, mode_t mode = 0644) const {
    const std::string p = *this / rel;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    {
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      out << text;
    }
    chmod(p.c_str(), mode);
    return p;
  }
  // A symbolic link at `rel` to `target` (folders made as needed).
  std::string link(const std::string& rel, const std::string& target) const {
    const std::string p = *this / rel;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::filesystem::create_symlink(target, p);
    return p;
  }

 private:
  std::string m_path;
};

}  // namespace kray::test
