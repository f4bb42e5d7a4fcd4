// SPDX-License-Identifier: Apache-2.0
// Fakes of the io interfaces: in-memory files, captured output.
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/io/memory.hpp>
#include <krayctl/io/process.hpp>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kray::test {

// Captures stdout and stderr; stdin is a preset string.
class FakeConsole final : public io::Console {
 public:
  std::string out_text;
  std::string err_text;
  std::string stdin_text;
  bool color = false;
  bool terminal = false;
  // Writers on other threads (status --watch's warnings) and readers in a
  // test while a command runs: take `mu`.
  mutable std::mutex mu;

  void write_out(std::string_view text) override {
    std::lock_guard<std::mutex> lock(mu);
    out_text += text;
  }
  void write_err(std::string_view text) override {
    std::lock_guard<std::mutex> lock(mu);
    err_text += text;
  }
  bool out_terminal() const override { return terminal; }
  bool err_terminal() const override { return terminal; }
  bool err_redraw() const override { return terminal; }
  std::string out_now() const {
    std::lock_guard<std::mutex> lock(mu);
    return out_text;
  }
  std::string err_now() const {
    std::lock_guard<std::mutex> lock(mu);
    return err_text;
  }
  bool err_color() const override { return color; }
  bool out_color() const override { return color; }
  void set_color_mode(ColorMode mode) override {
    if (mode != ColorMode::automatic) {
      color = mode == ColorMode::always;
    }
  }
  std::string write_failure;  // what out_error() reports (a full disk, in a test)
  std::string out_error() override { return write_failure; }
  bool read_stdin(std::string& into) override {
    into += stdin_text;
    return true;
  }
};

// Files in memory, keyed by path; records what was read (ninja's
// VirtualFileSystem).
class FakeFileSystem final : public io::MemoryFileSystem {
 public:
  std::vector<std::string> reads;

  FakeFileSystem& with_file(std::string path, std::string text) {
    files[std::move(path)] = std::move(text);
    return *this;
  }

  using io::MemoryFileSystem::read_file;
  Result<std::string> read_file(const std::string& path, io::SizeLimit limit) override {
    reads.push_back(path);
    return io::MemoryFileSystem::read_file(path, limit);
  }
};

// Variables in a map; nothing else is visible.
class FakeEnvironment final : public io::MapEnvironment {};

// Programs that answer from a script: command -> (exit code, stdout); the
// calls are recorded with their environment additions.
class FakeProcessRunner final : public io::ProcessRunner {
 public:
  struct Call {
    std::string command;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;
    bool interactive = false;
    io::RunLimits limits;
  };
  std::map<std::string, std::vector<io::ProcessResult>> answers;  // consumed in order
  std::vector<Call> calls;
  bool terminal = false;

  Result<io::ProcessResult> run(const std::string& command,
                                const std::vector<std::string>& args,
                                const std::vector<std::pair<std::string, std::string>>& env,
                                bool interactive,
                                io::RunLimits limits) override {
    calls.push_back({command, args, env, interactive, limits});
    auto it = answers.find(command);
    if (it == answers.end() || it->second.empty()) {
      return make_error(ErrorCode::not_found,
                        "cannot run " + command + ": No such file or directory");
    }
    io::ProcessResult r = it->second.front();
    if (it->second.size() > 1) {
      it->second.erase(it->second.begin());
    }
    return r;
  }
  bool stdin_is_terminal() const override { return terminal; }
};

// A FakeFileSystem and a FakeConsole wired into app::Deps: the base of
// fixtures that run use cases or the CLI.
struct FakeDeps {
  FakeFileSystem fs;
  FakeConsole console;
  FakeEnvironment env;
  FakeProcessRunner processes;
  // Real time: these fixtures talk to the simulated API server over real
  // sockets. Tests that drive time build Deps with an io::FakeClock.
  app::Deps deps{fs, console, env, processes, io::system_clock()};
};

// The source tree's root (for test data such as examples/ and tests/data/).
std::string source_dir();

// Reads a file of the source tree; fails the test when it cannot.
std::string read_source_file(const std::string& relative);

}  // namespace kray::test
