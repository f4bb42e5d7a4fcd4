// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/logs.hpp>

#include <memory>

namespace kray::cli {

void add_logs_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::LogsOptions>();
  auto tail = std::make_shared<long>(-1);
  CLI::App* cmd = ctx.root.add_subcommand(
      "logs",
      "Print a RayJob's driver log (where its submission mode puts it) or a RayCluster's Ray\n"
      "logs (the head's; --group G or --all for workers).\n"
      "  krayctl logs -f rayjob/train\n"
      "  krayctl logs raycluster/dev --group gpu --tail 50");
  cmd->add_option("target", opts->target, "rayjob/NAME or raycluster/NAME")->required();
  cmd->add_flag("-f,--follow", opts->follow,
                "Follow: a RayJob's attempts in turn until it finished; a RayCluster's Pods "
                "until they stop");
  cmd->add_option("--attempt", opts->attempt,
                  "A RayJob in K8sJobMode: only the Nth submitter Pod (1 is the first)");
  cmd->add_option("--group", opts->group, "A RayCluster: the Pods of this worker group");
  cmd->add_flag("--all", opts->all, "A RayCluster: every Pod, head first, lines prefixed");
  cmd->add_option("--tail", *tail, "The last N lines of each log (-1: all)");
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  cmd->callback([opts, tail, &deps, &g, &action] {
    action = [opts, tail, &deps, &g]() -> Result<void> {
      opts->kubeconfig = kubeconfig_options(g);
      if (*tail >= 0) {
        opts->tail = *tail;
      }
      return app::run_logs(*opts, deps);
    };
  });
}

}  // namespace kray::cli
