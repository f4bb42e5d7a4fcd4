// SPDX-License-Identifier: Apache-2.0
// `krayctl nccl-check --log FILE`: whether NCCL used RDMA (with GPUDirect)
// or fell back to TCP, from an NCCL_DEBUG=INFO log, nccl-tests output, or
// both interleaved (all_reduce_perf's stdout with NCCL_DEBUG=INFO). Later
// parts add node facts (--root), --run, --spec and --cluster (issue 6).
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/util/error.hpp>

#include <optional>
#include <string>

namespace kray::app {

struct NcclCheckOptions {
  std::string log;                  // a file, or "-" for stdin
  std::optional<double> min_busbw;  // GB/s
  std::string output = "text";      // text, json
};

// Prints the report on stdout. Fails with ErrorCode::check_failed (already
// reported) when a check fails, ErrorCode::usage when nothing to check.
[[nodiscard]] Result<void> run_nccl_check(const NcclCheckOptions& options, const Deps& deps);

}  // namespace kray::app
