// SPDX-License-Identifier: Apache-2.0
// The real file system against crafted files (issue 14, findings 9, 11
// and 12): devices, FIFOs and huge files refused with the limit named,
// --save's mode and its refusal of links, and paths resolved under a root.
#include <krayctl/io/file_system.hpp>
#include <krayctl/io/memory.hpp>

#include "../../support/catch.hpp"
#include "../../support/temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using kray::ErrorCode;
using kray::io::RealFileSystem;
using kray::test::TempDir;

TEST_CASE("io::RealFileSystem::read_file: regular files only, within a size limit", "[io]") {
  TempDir dir;
  RealFileSystem fs;

  SECTION("a FIFO fails at once instead of waiting for a writer") {
    const std::string fifo = dir / "fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    auto r = fs.read_file(fifo);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::io);
    CHECK(r.error().message ==
          "cannot read " + fifo + ": it is a FIFO, and krayctl reads only regular files");
  }
  SECTION("/dev/zero is refused before a byte is read") {
    auto r = fs.read_file("/dev/zero", kray::io::k_credential_file_limit);
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "cannot read /dev/zero: it is a character device, and krayctl reads only regular files");
  }
  SECTION("a 100 MB kubeconfig fails with the size error, unread") {
    const std::string big = dir.write("config", "");
    REQUIRE(truncate(big.c_str(), 100'000'000) == 0);  // sparse: nothing to read is written
    auto r = fs.read_file(big, kray::io::k_credential_file_limit);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "cannot read " + big +
                                   ": larger than 4 MiB, the limit for kubeconfig, certificate, "
                                   "key and token files");
    auto as_input = fs.read_file(big);
    REQUIRE_FALSE(as_input);
    CHECK(as_input.error().message ==
          "cannot read " + big + ": larger than 64 MiB, the limit for YAML inputs");
  }
  SECTION("exactly the limit reads; a byte more does not") {
    const kray::io::SizeLimit ten{10, "tests"};
    CHECK(fs.read_file(dir.write("ten", "0123456789"), ten).value_or("") == "0123456789");
    auto eleven = fs.read_file(dir.write("eleven", "0123456789x"), ten);
    REQUIRE_FALSE(eleven);
    CHECK(eleven.error().message ==
          "cannot read " + (dir / "eleven") + ": larger than 10 bytes, the limit for tests");
  }
  SECTION("a /proc file, whose size says 0, is read whole and capped while reading") {
    auto status = fs.read_file("/proc/self/status");
    REQUIRE(status);
    CHECK(status->find("Name:") != std::string::npos);
    auto capped = fs.read_file("/proc/self/status", {16, "tests"});
    REQUIRE_FALSE(capped);
    CHECK(capped.error().message ==
          "cannot read /proc/self/status: larger than 16 bytes, the limit for tests");
  }
  SECTION("a directory and a missing file say so") {
    CHECK(fs.read_file(dir.path()).error().message ==
          "cannot read " + dir.path() + ": it is a directory");
    CHECK(fs.read_file(dir / "none").error().message ==
          "cannot read " + (dir / "none") + ": No such file or directory");
  }
}

TEST_CASE("io::MemoryFileSystem::read_file enforces the limit too", "[io]") {
  kray::io::MemoryFileSystem fs;
  fs.files["/k/config"] = std::string(11, 'x');
  CHECK_FALSE(fs.read_file("/k/config", {10, "tests"}));
  CHECK(fs.read_file("/k/config", {11, "tests"}));
}

TEST_CASE("io::RealFileSystem::write_file: 0600, never through a link", "[io]") {
  TempDir dir;
  RealFileSystem fs;

  SECTION("a new file is 0600 whatever the umask allows") {
    const mode_t old = umask(0);
    auto r = fs.write_file(dir / "report.json", "{}\n");
    umask(old);
    REQUIRE(r);
    struct stat st {};
    REQUIRE(stat((dir / "report.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  SECTION("a link at the destination is refused and its target left alone") {
    const std::string target = dir.write("victim", "keep\n");
    dir.link("report.json", target);
    auto r = fs.write_file(dir / "report.json", "overwritten\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "cannot write " + (dir / "report.json") +
                                   ": it is a symbolic link, and krayctl does not write through "
                                   "links (O_NOFOLLOW): remove it or choose another path");
    std::ifstream in(target);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "keep\n");
  }
  SECTION("an existing file of ours is replaced, shorter text leaving nothing behind") {
    const std::string p = dir.write("report.json", "a long old text\n", 0640);
    REQUIRE(fs.write_file(p, "new\n"));
    CHECK(fs.read_file(p).value_or("") == "new\n");
  }
  SECTION("a FIFO is refused without waiting for a reader") {
    const std::string fifo = dir / "fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    auto r = fs.write_file(fifo, "x");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("it is a FIFO, and krayctl writes only regular files") !=
          std::string::npos);
  }
}

TEST_CASE("io::RealFileSystem::resolve_beneath: links followed only inside the root", "[io]") {
  TempDir dir;
  RealFileSystem fs;
  const std::string root = dir / "node";
  const std::string real_root = std::filesystem::canonical(dir.path()).string() + "/node";
  dir.write("node/sys/devices/pci0/net/eth0/operstate", "up\n");
  // As in the real /sys: class entries are relative links into devices.
  dir.link("node/sys/class/net/eth0", "../../devices/pci0/net/eth0");

  SECTION("a relative link that stays inside is followed") {
    CHECK(fs.resolve_beneath(root, "/sys/class/net/eth0/operstate").value_or("") ==
          real_root + "/sys/devices/pci0/net/eth0/operstate");
  }
  SECTION("an absolute link out of the root is refused, naming link and target") {
    dir.link("node/sys/class/infiniband", "/etc");
    auto r = fs.resolve_beneath(root, "/sys/class/infiniband");
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          root + "/sys/class/infiniband is a link to /etc, outside " + root + ": not followed");
  }
  SECTION("a relative link that climbs out is refused") {
    dir.link("node/sys/class/infiniband", "../../../..");
    auto r = fs.resolve_beneath(root, "/sys/class/infiniband/x");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == root + "/sys/class/infiniband is a link to ../../../.., outside " +
                                   root + ": not followed");
  }
  SECTION("a link deeper in the path that leaves is refused too") {
    dir.link("node/sys/devices/pci0/net/eth0/device", "/etc/passwd");
    CHECK_FALSE(fs.resolve_beneath(root, "/sys/class/net/eth0/device"));
  }
  SECTION("an absolute link to a place inside the root is followed") {
    dir.link("node/sys/class/net/eth1", real_root + "/sys/devices/pci0/net/eth0");
    CHECK(fs.resolve_beneath(root, "/sys/class/net/eth1/operstate").value_or("") ==
          real_root + "/sys/devices/pci0/net/eth0/operstate");
  }
  SECTION("a loop of links ends with an error") {
    dir.link("node/a", "b");
    dir.link("node/b", "a");
    auto r = fs.resolve_beneath(root, "/a/x");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "/a/x under " + root + ": too many levels of links");
  }
  SECTION("what does not exist resolves to where it would be") {
    CHECK(fs.resolve_beneath(root, "/proc/meminfo").value_or("") == real_root + "/proc/meminfo");
  }
  SECTION("the machine's own root refuses nothing") {
    CHECK(fs.resolve_beneath("/", "/sys/class/net").value_or("") == "/sys/class/net");
  }
}
