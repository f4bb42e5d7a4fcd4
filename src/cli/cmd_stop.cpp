// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/stop.hpp>

#include <memory>

namespace kray::cli {

void add_stop_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::StopOptions>();
  CLI::App* cmd = ctx.root.add_subcommand(
      "stop",
      "Stop a RayJob: suspend it when KubeRay allows (its cluster deleted, the RayJob kept),\n"
      "else delete it; says which.\n"
      "  krayctl stop rayjob/train --wait");
  cmd->add_option("target", opts->target, "rayjob/NAME")->required();
  cmd->add_flag("--delete", opts->remove, "Delete the RayJob even when it could be suspended");
  cmd->add_flag("--force", opts->force, "Stop a RayJob that krayctl did not create");
  cmd->add_flag("--wait", opts->wait, "Wait until it is Suspended, or gone (--timeout bounds it)");
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  cmd->callback([opts, &deps, &g, &action] {
    action = [opts, &deps, &g]() -> Result<void> {
      opts->kubeconfig = kubeconfig_options(g);
      if (g.timeout_given) {
        KRAY_TRY_ASSIGN(opts->timeout, timeout_of(g));
      }
      return app::run_stop(*opts, deps);
    };
  });
}

}  // namespace kray::cli
