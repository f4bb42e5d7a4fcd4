// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/error.hpp>

#include <string>
#include <utility>
#include <vector>

namespace kray::io {

struct ProcessResult {
  int exit_code = 0;
  std::string out;  // stdout; stderr goes to the user's terminal, as kubectl lets it
};

// Runs programs (exec credential plugins; later nccl-tests), abstract so
// that tests script them.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs `command` (a path, or a name looked up in PATH) with `args`, the
  // current environment plus `env`, and stdin passed through only when
  // `interactive`. Fails (ErrorCode::not_found) when the program does not
  // exist or cannot be run.
  [[nodiscard]] virtual Result<ProcessResult> run(
      const std::string& command,
      const std::vector<std::string>& args,
      const std::vector<std::pair<std::string, std::string>>& env,
      bool interactive) = 0;
  // Whether stdin is a terminal (exec plugins' interactive mode).
  virtual bool stdin_is_terminal() const = 0;
};

class RealProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> run(const std::string& command,
                            const std::vector<std::string>& args,
                            const std::vector<std::pair<std::string, std::string>>& env,
                            bool interactive) override;
  bool stdin_is_terminal() const override;
};

}  // namespace kray::io
