// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/error.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace kray::io {

struct ProcessResult {
  int exit_code = 0;
  std::string out;  // stdout; stderr goes to the user's terminal, as kubectl lets it
};

// How long a program may run and how much it may print, so that a
// hostile or broken one (an exec plugin that sleeps, or prints forever)
// cannot hang krayctl or exhaust its memory (issue 14, finding 4).
struct RunLimits {
  std::chrono::milliseconds timeout{0};  // 0: none
  std::size_t max_output = 0;            // bytes of stdout; 0: none
};

// Runs programs (exec credential plugins; later nccl-tests), abstract so
// that tests script them.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs `command` (a path, or a name looked up in PATH as look_path does)
  // with `args`, the current environment plus `env`, and stdin passed
  // through only when `interactive`. Fails with ErrorCode::not_found when
  // the program does not exist, ErrorCode::io when it cannot be run (the
  // OS's reason: "Permission denied"), ErrorCode::config when PATH finds
  // it only in a relative entry, ErrorCode::timeout when it runs past
  // `limits.timeout`, and ErrorCode::io when it prints more than
  // `limits.max_output`; then it is killed (SIGKILL; with its process
  // group when not interactive, so that a child of a script goes too).
  [[nodiscard]] virtual Result<ProcessResult> run(
      const std::string& command,
      const std::vector<std::string>& args,
      const std::vector<std::pair<std::string, std::string>>& env,
      bool interactive,
      RunLimits limits) = 0;
  // Whether stdin is a terminal (exec plugins' interactive mode).
  virtual bool stdin_is_terminal() const = 0;
};

class RealProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> run(const std::string& command,
                            const std::vector<std::string>& args,
                            const std::vector<std::pair<std::string, std::string>>& env,
                            bool interactive,
                            RunLimits limits) override;
  bool stdin_is_terminal() const override;
};

// The executable `file` names: `file` itself when it has a slash,
// else the first match in the directories of `path_env` (PATH), as Go's
// exec.LookPath finds it for kubectl. Like Go since 1.19, a match in a
// relative entry ("", "." or "bin") is refused (ErrorCode::config), never
// run: it would run whatever the current directory holds. A file found
// that is not executable is skipped, and named in the not_found error
// ("... is not executable: Permission denied").
[[nodiscard]] Result<std::string> look_path(const std::string& file, const std::string& path_env);

}  // namespace kray::io
