// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/nccl/nccl_check.hpp>

#include <memory>

namespace kray::cli {

void add_nccl_check_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::NcclCheckOptions>();
  auto min_busbw = std::make_shared<double>(0);
  auto gpus = std::make_shared<int>(0);
  CLI::App* cmd = ctx.root.add_subcommand(
      "nccl-check",
      "Prove that NCCL used RDMA with GPUDirect, not a silent TCP fallback: each check pass,\n"
      "warn or fail with its fix. Exit 0 when none fails, 1 when one does.\n"
      "  krayctl nccl-check --gpus 8            (on a GPU worker: can NCCL use RDMA here?)\n"
      "  krayctl nccl-check --run --nccl-tests /opt/nccl-tests/build   (and does it?)\n"
      "  NCCL_DEBUG=INFO all_reduce_perf -b 1G -e 8G -f 2 -g 8 > run.log; krayctl nccl-check "
      "--log run.log\n"
      "  krayctl nccl-check --log train.log --min-busbw 40 -o json\n"
      "  krayctl nccl-check --spec job.yaml --group gpu-workers  (before anything runs)\n"
      "  krayctl nccl-check --cluster train --group gpu-workers -n ml  (a Pod of that group)");
  cmd->add_option("--log", opts->log,
                  "An NCCL_DEBUG=INFO log, nccl-tests output, or both (- for stdin)");
  cmd->add_option("--min-busbw", *min_busbw,
                  "Fail when nccl-tests' busbw at the largest size is below this (GB/s)");
  cmd->add_option("--spec", opts->spec,
                  "A spec or manifest: can this group's Pod template use RDMA? (with --group)");
  cmd->add_option("--group", opts->group, "The group of --spec: a worker group's name, or head");
  cmd->add_flag("--run", opts->run,
                "Run all_reduce_perf on this pod's GPUs (through the NICs unless --intra-node) "
                "and judge it");
  cmd->add_option("--nccl-tests", opts->nccl_tests,
                  "all_reduce_perf, or the nccl-tests build directory (default: on PATH)");
  cmd->add_flag(
      "--intra-node", opts->intra_node,
      "With --run: let NCCL use NVLink/PCIe within the node (measures the node, not RDMA)");
  cmd->add_option("--cluster", opts->cluster,
                  "Run the check in a Pod built from this RayCluster's --group template (a Job)");
  cmd->add_flag("--keep", opts->keep, "With --cluster: leave the check Job for a look");
  cmd->add_option("--save", opts->save,
                  "With --run or --cluster: write the raw output (the artifact) to this file");
  cmd->add_option("--gpus", *gpus,
                  "The GPUs the pod requested (nvidia.com/gpu): fewer visible fails");
  cmd->add_option("--root", opts->root,
                  "Where the node's /dev, /sys and /proc are (a copy, for tests and support)")
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  ctx.choices["nccl-check"]["--output"] = {"text", "json"};
  ctx.choices["nccl-check"]["-o"] = {"text", "json"};
  const app::Deps& deps = ctx.deps;
  Action& action = ctx.action;
  GlobalOptions& g = ctx.globals;
  cmd->callback([opts, min_busbw, gpus, cmd, &deps, &g, &action] {
    if (cmd->count("--min-busbw") > 0) {
      opts->min_busbw = *min_busbw;
    }
    if (cmd->count("--gpus") > 0) {
      opts->gpus = *gpus;
    }
    action = [opts, &deps, &g]() -> Result<void> {
      opts->kubeconfig = kubeconfig_options(g);
      KRAY_TRY_ASSIGN(opts->timeout, timeout_of(g));
      if (opts->timeout.count() == 0) {
        return make_error(ErrorCode::usage,
                          "--timeout 0: nccl-check needs a limit (it bounds the check Job and "
                          "nccl-tests)");
      }
      return app::run_nccl_check(*opts, deps);
    };
  });
}

}  // namespace kray::cli
