// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/error.hpp>

namespace kray::cli {

// The exit codes of krayctl (docs/commands.md).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_workload_failed = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_timeout = 3;
inline constexpr int k_exit_cluster = 4;
inline constexpr int k_exit_internal = 70;
inline constexpr int k_exit_io = 74;  // stdout could not take the output (sysexits EX_IOERR)
inline constexpr int k_exit_interrupted = 130;

// Returns the exit code for an error of kind `code`.
int exit_code_for(ErrorCode code);

}  // namespace kray::cli
