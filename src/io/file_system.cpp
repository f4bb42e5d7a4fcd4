// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/file_system.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

namespace kray::io {

namespace {

// "a FIFO", "a character device": what `mode` is, for "not a regular file".
std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISLNK(mode)) {
    return "a symbolic link";
  }
  return "not a regular file";
}

// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) {
      close(fd);
    }
  }
};

Error too_large(const std::string& path, SizeLimit limit) {
  return Error{ErrorCode::io,
               "cannot read " + path + ": larger than " + describe_size(limit.bytes) +
                   ", the limit for " + limit.applies_to,
               std::nullopt,
               {}};
}

}  // namespace

std::string describe_size(std::size_t bytes) {
  static constexpr const char* k_units[] = {"bytes", "KiB", "MiB", "GiB"};
  std::size_t unit = 0;
  while (unit + 1 < std::size(k_units) && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + k_units[unit];
}

Result<std::string> RealFileSystem::read_file(const std::string& path, SizeLimit limit) {
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer,
  // forever; fstat below refuses it before any read.
  const Fd f(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (f.fd < 0) {
    return make_error(ErrorCode::io, "cannot read " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(f.fd, &st) != 0) {
    return make_error(ErrorCode::io, "cannot read " + path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::io, "cannot read " + path + ": it is a directory");
  }
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorCode::io, "cannot read " + path + ": it is " + kind_of(st.st_mode) +
                                         ", and krayctl reads only regular files");
  }
  if (st.st_size > 0 && static_cast<std::size_t>(st.st_size) > limit.bytes) {
    return tl::unexpected(too_large(path, limit));  // before reading a byte
  }
  // Regular files never block; reading up to one byte past the limit
  // catches files that grow, and /proc's, whose size says 0.
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(f.fd, buf, sizeof buf);
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return make_error(ErrorCode::io, "cannot read " + path + ": " + std::strerror(errno));
    }
    if (out.size() + static_cast<std::size_t>(n) > limit.bytes) {
      return tl::unexpected(too_large(path, limit));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<void> RealFileSystem::write_file(const std::string& path, const std::string& text) {
  return write_to(path, text, false);
}

Result<void> RealFileSystem::append_file(const std::string& path, const std::string& text) {
  return write_to(path, text, true);
}

Result<void> RealFileSystem::write_to(const std::string& path,
                                      const std::string& text,
                                      bool append) {
  auto failed = [&path](const std::string& why) {
    return make_error(ErrorCode::io, "cannot write " + path + ": " + why);
  };
  // O_NOFOLLOW: a link at `path` fails with ELOOP instead of redirecting
  // the write; a new file is 0600 whatever the umask allows.
  const Fd f(open(
      path.c_str(),
      O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (append ? O_APPEND : 0),
      S_IRUSR | S_IWUSR));
  if (f.fd < 0) {
    if (errno == ELOOP) {
      return failed(
          "it is a symbolic link, and krayctl does not write through links (O_NOFOLLOW): "
          "remove it or choose another path");
    }
    const int err = errno;
    struct stat st {};
    if (err == ENXIO && lstat(path.c_str(), &st) == 0) {  // a FIFO without a reader
      return failed("it is " + kind_of(st.st_mode) + ", and krayctl writes only regular files");
    }
    return failed(std::strerror(err));
  }
  struct stat st {};
  if (fstat(f.fd, &st) != 0) {
    return failed(std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return failed("it is " + kind_of(st.st_mode) + ", and krayctl writes only regular files");
  }
  if (st.st_uid != geteuid()) {
    return failed("it belongs to another user (uid " + std::to_string(st.st_uid) +
                  "), who could read what is written: remove it or choose another path");
  }
  if (!append && ftruncate(f.fd, 0) != 0) {
    return failed(std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(f.fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return failed(std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<std::string> RealFileSystem::resolve_beneath(const std::string& root,
                                                    const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) {
    return make_error(ErrorCode::io, "cannot resolve " + root + ": " + ec.message());
  }
  if (base == "/") {
    return path;  // the machine's own root: nothing to leave
  }
  // The components still to walk (a stack: back() is next), each with the
  // link whose target it came from, for the message; `at` is the real
  // directory reached so far, always `base` or under it.
  struct Step {
    std::string name;
    std::string link;  // "" when `path` itself named it
    std::string target;
  };
  std::vector<Step> todo;
  const fs::path rel = fs::path(path).relative_path();
  for (auto c = std::make_reverse_iterator(rel.end()); c != std::make_reverse_iterator(rel.begin());
       ++c) {
    todo.push_back({c->string(), "", ""});
  }
  auto outside = [&root](const std::string& link, const std::string& target) {
    return make_error(ErrorCode::io,
                      link + " is a link to " + target + ", outside " + root + ": not followed");
  };
  fs::path at = base;
  int links = 0;
  while (!todo.empty()) {
    const Step step = todo.back();
    todo.pop_back();
    if (step.name.empty() || step.name == ".") {
      continue;
    }
    if (step.name == "..") {
      if (at == base) {
        return step.link.empty() ? make_error(ErrorCode::io, path + ": '..' leads outside " + root)
                                 : outside(step.link, step.target);
      }
      at = at.parent_path();
      continue;
    }
    const fs::path next = at / step.name;
    const fs::file_status st = fs::symlink_status(next, ec);
    if (ec || !fs::is_symlink(st)) {
      at = next;
      if (ec || !fs::exists(st)) {
        break;  // nothing there: the rest cannot be a link; the read fails
      }
      continue;
    }
    // Linux gives up after 40 links (path_resolution(7)); so do we.
    if (++links > 40) {
      return make_error(ErrorCode::io, path + " under " + root + ": too many levels of links");
    }
    const fs::path target = fs::read_symlink(next, ec);
    if (ec) {
      return make_error(ErrorCode::io, "cannot read link " + next.string() + ": " + ec.message());
    }
    const std::string shown = root + "/" + next.lexically_relative(base).string();
    fs::path rest = target;
    if (target.is_absolute()) {
      // Followed only when it names a place under `base` itself.
      auto t = target.begin();
      for (auto b = base.begin(); b != base.end(); ++b, ++t) {
        if (t == target.end() || *t != *b) {
          return outside(shown, target.string());
        }
      }
      rest.clear();
      for (; t != target.end(); ++t) {
        rest /= *t;
      }
      at = base;
    }
    for (auto c = std::make_reverse_iterator(rest.end());
         c != std::make_reverse_iterator(rest.begin()); ++c) {
      todo.push_back({c->string(), shown, target.string()});
    }
  }
  std::for_each(todo.rbegin(), todo.rend(), [&](const auto& s) { at /= s.name; });
  return at.string();
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
