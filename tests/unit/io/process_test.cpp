// SPDX-License-Identifier: Apache-2.0
// Running programs (issue 14, findings 4 and 7): PATH looked up as Go's
// exec.LookPath does for kubectl (no relative entries), and a program
// that hangs, prints forever or cannot be run ends in a clear error.
// Every run here has a small timeout, so that none can hang the suite.
#include <krayctl/io/interrupts.hpp>
#include <krayctl/io/process.hpp>

#include "../../support/catch.hpp"
#include "../../support/temp_dir.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>

using kray::ErrorCode;
using kray::io::RealProcessRunner;
using kray::io::RunLimits;
using kray::test::TempDir;
using namespace std::chrono_literals;

namespace {

// Changes the current directory for one scope (Go's dot_test.go does the
// same with t.Chdir).
class ScopedChdir {
 public:
  explicit ScopedChdir(const std::string& to) : m_old(std::filesystem::current_path()) {
    std::filesystem::current_path(to);
  }
  ScopedChdir(const ScopedChdir&) = delete;
  ScopedChdir& operator=(const ScopedChdir&) = delete;
  ~ScopedChdir() { std::filesystem::current_path(m_old); }

 private:
  std::filesystem::path m_old;
};

// Sets PATH for one scope.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& value) {
    if (const char* old = std::getenv("PATH")) {
      m_old = old;
    }
    setenv("PATH", value.c_str(), 1);
  }
  ScopedPath(const ScopedPath&) = delete;
  ScopedPath& operator=(const ScopedPath&) = delete;
  ~ScopedPath() {
    if (m_old) {
      setenv("PATH", m_old->c_str(), 1);
    } else {
      unsetenv("PATH");
    }
  }

 private:
  std::optional<std::string> m_old;
};

}  // namespace

TEST_CASE("io::look_path: PATH as Go's exec.LookPath reads it, no relative entries", "[io]") {
  TempDir dir;
  dir.write("bin/kray-plugin", "#!/bin/sh\n", 0755);
  dir.write("here/kray-plugin", "#!/bin/sh\n", 0755);
  dir.write("noexec/kray-plugin", "#!/bin/sh\n", 0644);
  const std::string bin = dir / "bin";

  SECTION("a name with a slash is used as it is") {
    CHECK(kray::io::look_path("./x", "/usr/bin").value_or("") == "./x");
  }
  SECTION("the first absolute entry that has it") {
    CHECK(kray::io::look_path("kray-plugin", "/nonexistent:" + bin).value_or("") ==
          bin + "/kray-plugin");
  }
  SECTION("'.', an empty entry or a relative one that has it is refused, not run") {
    const ScopedChdir in(dir / "here");
    for (const std::string& path : {".:" + bin, ":" + bin, "../here:" + bin}) {
      INFO(path);
      auto r = kray::io::look_path("kray-plugin", path);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == ErrorCode::config);
      CHECK(r.error().message.find("through the relative PATH entry") != std::string::npos);
    }
    auto dot = kray::io::look_path("kray-plugin", ".:" + bin);
    CHECK(dot.error().message ==
          "cannot run kray-plugin: found as ./kray-plugin through the relative PATH entry '.'; "
          "like kubectl (Go's os/exec), krayctl does not run programs found relative to the "
          "current directory: give the command as a path, or take relative entries out of PATH");
  }
  SECTION("a relative entry without it is passed over") {
    const ScopedChdir in(dir.path());
    CHECK(kray::io::look_path("kray-plugin", ".:" + bin).value_or("") == bin + "/kray-plugin");
  }
  SECTION("an empty PATH finds nothing") {
    const ScopedChdir in(dir / "here");
    CHECK(kray::io::look_path("kray-plugin", "").error().code == ErrorCode::not_found);
  }
  SECTION("found but not executable says permission denied") {
    auto r = kray::io::look_path("kray-plugin", dir / "noexec");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::io);
    CHECK(r.error().message == "cannot run kray-plugin: " + (dir / "noexec") +
                                   "/kray-plugin is not executable: Permission denied");
  }
}

TEST_CASE("io::RealProcessRunner::run: bounded in time and output", "[io]") {
  TempDir dir;
  RealProcessRunner runner;
  const RunLimits limits{1000ms, std::size_t{1} << 20U};

  SECTION("a normal program's stdout and exit code") {
    auto r =
        runner.run(dir.write("ok.sh", "#!/bin/sh\necho hi\nexit 3\n", 0755), {}, {}, false, limits);
    REQUIRE(r);
    CHECK(r->out == "hi\n");
    CHECK(r->exit_code == 3);
  }
  SECTION("one that sleeps is stopped at the timeout, with the child it started") {
    const auto started = std::chrono::steady_clock::now();
    auto r = runner.run(dir.write("hang.sh", "#!/bin/sh\nsleep 3600\necho late\n", 0755), {}, {},
                        false, limits);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(r.error().message == (dir / "hang.sh") + " did not finish within 1s: stopped");
    CHECK(std::chrono::steady_clock::now() - started < 60s);  // not 3600 s
  }
  SECTION("one that closes stdout and goes on is stopped at the timeout too") {
    auto r = runner.run(dir.write("quiet.sh", "#!/bin/sh\nexec >&-\nsleep 3600\n", 0755), {}, {},
                        false, limits);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::timeout);
  }
  SECTION("one that prints forever is stopped at the output cap") {
    auto r = runner.run(dir.write("flood.sh", "#!/bin/sh\nexec yes flood\n", 0755), {}, {}, false,
                        {10'000ms, std::size_t{1} << 20U});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::io);
    CHECK(r.error().message == (dir / "flood.sh") + " printed more than 1 MiB on stdout: stopped");
  }
  SECTION("one that is not executable says permission denied, not not-found") {
    auto r = runner.run(dir.write("plain.sh", "#!/bin/sh\necho hi\n", 0644), {}, {}, false, limits);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::io);
    CHECK(r.error().message == "cannot run " + (dir / "plain.sh") + ": Permission denied");
  }
  SECTION("a missing one is not_found") {
    auto r = runner.run(dir / "none", {}, {}, false, limits);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::not_found);
  }
  SECTION("a name found only through '.' in PATH is not run") {
    const std::string marker = dir / "ran";
    dir.write("kray-evil-plugin", "#!/bin/sh\ntouch " + marker + "\n", 0755);
    const ScopedChdir in(dir.path());
    const ScopedPath path(".:/usr/bin:/bin");
    auto r = runner.run("kray-evil-plugin", {}, {}, false, limits);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::config);
    CHECK_FALSE(std::filesystem::exists(marker));
  }
}

// Ctrl-C for the commands that wait (io/interrupts.hpp), with real
// signals in a child process: the first SIGINT sets the flag and the
// process lives on; the second kills it by SIGINT, as the shell expects
// of a second Ctrl-C.
TEST_CASE("io::RealInterrupts: the first SIGINT is a flag, the second ends the process", "[io]") {
  int seen[2];
  REQUIRE(pipe(seen) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(seen[0]);
    kray::io::RealInterrupts interrupts;
    const std::atomic<bool>& flag = interrupts.catch_interrupts();
    if (flag.load()) {
      _exit(10);
    }
    raise(SIGINT);
    if (!flag.load()) {
      _exit(11);  // the first did not set the flag
    }
    if (write(seen[1], "1", 1) != 1) {  // alive after the first
      _exit(13);
    }
    raise(SIGINT);
    _exit(12);  // the second did not end the process
  }
  close(seen[1]);
  char byte = 0;
  const auto got = read(seen[0], &byte, 1);
  close(seen[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(got == 1);  // the first SIGINT did not end it
  INFO("exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
}
