// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/status/status.hpp>

#include <memory>

namespace kray::cli {

void add_status_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::StatusOptions>();
  CLI::App* cmd = ctx.root.add_subcommand(
      "status",
      "RayClusters, RayJobs and RayServices: state, ready/desired workers, GPUs, job status,\n"
      "age, and why when not healthy; one object in detail (conditions, pods, events).\n"
      "  krayctl status -A\n"
      "  krayctl status rayjob/train\n"
      "  krayctl status -A --watch --timeout 30m");
  cmd->add_option("target", opts->targets,
                  "One object: KIND/NAME or KIND NAME (rayjob/x, rayjob.ray.io/x, rayjob x); a "
                  "KIND alone (rayjobs) for its table");
  cmd->add_option("-o,--output", opts->output, "Output format")
      ->check(CLI::IsMember({"table", "json", "yaml"}))
      ->capture_default_str();
  cmd->add_flag("-w,--watch", opts->watch,
                "Follow changes from watch streams: redrawn on a terminal, one line per change "
                "otherwise; until Ctrl-C or --timeout");
  ctx.choices["status"]["--output"] = {"table", "json", "yaml"};
  ctx.choices["status"]["-o"] = {"table", "json", "yaml"};
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  cmd->callback([opts, &deps, &g, &action] {
    action = [opts, &deps, &g]() -> Result<void> {
      opts->all_namespaces = g.all_namespaces;
      if (opts->watch && g.timeout_given) {
        KRAY_TRY_ASSIGN(opts->watch_for, timeout_of(g));
      }
      if (!opts->watch) {
        KRAY_TRY_ASSIGN(opts->timeout, timeout_of(g));
      }
      opts->kubeconfig = kubeconfig_options(g);
      return app::run_status(*opts, deps);
    };
  });
}

}  // namespace kray::cli
