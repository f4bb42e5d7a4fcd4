// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/delete.hpp>

#include <memory>

namespace kray::cli {

void add_delete_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::DeleteOptions>();
  CLI::App* cmd = ctx.root.add_subcommand(
      "delete",
      "Delete objects krayctl created (label app.kubernetes.io/managed-by=krayctl or its field\n"
      "manager); others only with --force.\n"
      "  krayctl delete rayjob/train --wait\n"
      "  krayctl delete -f job.yaml");
  cmd->add_option("targets", opts->targets, "KIND/NAME: rayjob/train, raycluster/dev, pod/p");
  cmd->add_option("-f,--filename", opts->files, "Specs or manifests naming the objects")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_flag("--wait", opts->wait, "Wait until the objects are gone (up to --timeout)");
  cmd->add_flag("--force", opts->force, "Also delete objects krayctl did not create");
  cmd->add_flag("--ignore-not-found", opts->ignore_not_found, "Objects already gone are fine");
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  cmd->callback([opts, &deps, &g, &action] {
    action = [opts, &deps, &g]() -> Result<void> {
      KRAY_TRY_ASSIGN(opts->timeout, timeout_of(g));
      opts->kubeconfig = kubeconfig_options(g);
      return app::run_delete(*opts, deps);
    };
  });
}

}  // namespace kray::cli
