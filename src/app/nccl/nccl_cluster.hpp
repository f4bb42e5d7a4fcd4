// SPDX-License-Identifier: Apache-2.0
// Private to src/app: `nccl-check --cluster`.
#pragma once

#include <krayctl/app/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_check.hpp>

#include <functional>

namespace kray::app::detail {

// Prints a report and turns a failed one into ErrorCode::check_failed.
using ShowReport = std::function<Result<void>(const core::NcclReport&, const std::string& source)>;

// --save: writes `text` to options.save when given.
[[nodiscard]] Result<void> save_output(const NcclCheckOptions& options,
                                       const std::string& text,
                                       const Deps& deps);

[[nodiscard]] Result<void> run_cluster_check(const NcclCheckOptions& options,
                                             const Deps& deps,
                                             const ShowReport& show);

}  // namespace kray::app::detail
