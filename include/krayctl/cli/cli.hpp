// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/app/deps.hpp>

namespace kray::cli {

// Parses `argv`, runs the command, prints any error, and returns the
// process exit code (docs/commands.md): 0 success, 1 the workload failed,
// 2 usage or validation error, 3 timed out, 4 cluster or API error,
// 70 internal error, 130 interrupted.
int run(int argc, const char* const* argv, const app::Deps& deps);

}  // namespace kray::cli
