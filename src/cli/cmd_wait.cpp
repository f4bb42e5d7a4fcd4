// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/wait.hpp>

#include <memory>

namespace kray::cli {

void add_wait_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::WaitOptions>();
  CLI::App* cmd = ctx.root.add_subcommand(
      "wait",
      "Wait until a RayCluster, RayJob or RayService is ready, a RayJob complete, or an object\n"
      "deleted; exit 1 when it failed instead.\n"
      "  krayctl wait rayjob/train --for=complete --timeout 2h");
  cmd->add_option("target", opts->target, "KIND/NAME: rayjob/train, raycluster/dev")->required();
  cmd->add_option("--for", opts->condition, "ready, complete (a RayJob) or deleted")
      ->required()
      ->check(CLI::IsMember({"ready", "complete", "deleted"}));
  ctx.choices["wait"]["--for"] = {"ready", "complete", "deleted"};
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  cmd->callback([opts, &deps, &g, &action] {
    action = [opts, &deps, &g]() -> Result<void> {
      opts->kubeconfig = kubeconfig_options(g);
      // As long as it takes, unless --timeout is given.
      if (g.timeout_given) {
        KRAY_TRY_ASSIGN(opts->timeout, timeout_of(g));
      }
      return app::run_wait(*opts, deps);
    };
  });
}

}  // namespace kray::cli
