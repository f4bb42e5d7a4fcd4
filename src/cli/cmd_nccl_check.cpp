// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/nccl_check.hpp>

#include <memory>

namespace kray::cli {

void add_nccl_check_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::NcclCheckOptions>();
  auto min_busbw = std::make_shared<double>(0);
  CLI::App* cmd = ctx.root.add_subcommand(
      "nccl-check",
      "Prove that NCCL used RDMA with GPUDirect, not a silent TCP fallback: each check pass,\n"
      "warn or fail with its fix. Exit 0 when none fails, 1 when one does.\n"
      "  NCCL_DEBUG=INFO all_reduce_perf -b 1G -e 8G -f 2 -g 8 > run.log; krayctl nccl-check "
      "--log run.log\n"
      "  krayctl nccl-check --log train.log --min-busbw 40 -o json");
  cmd->add_option("--log", opts->log,
                  "An NCCL_DEBUG=INFO log, nccl-tests output, or both (- for stdin)");
  cmd->add_option("--min-busbw", *min_busbw,
                  "Fail when nccl-tests' busbw at the largest size is below this (GB/s)");
  cmd->add_option("-o,--output", opts->output, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  ctx.choices["nccl-check"]["--output"] = {"text", "json"};
  ctx.choices["nccl-check"]["-o"] = {"text", "json"};
  const app::Deps& deps = ctx.deps;
  Action& action = ctx.action;
  cmd->callback([opts, min_busbw, cmd, &deps, &action] {
    if (cmd->count("--min-busbw") > 0) {
      opts->min_busbw = *min_busbw;
    }
    action = [opts, &deps]() -> Result<void> { return app::run_nccl_check(*opts, deps); };
  });
}

}  // namespace kray::cli
