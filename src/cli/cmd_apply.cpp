// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/apply.hpp>

#include <memory>

namespace kray::cli {

void add_apply_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::ApplyOptions>();
  auto dry_run = std::make_shared<std::string>("none");
  CLI::App* cmd = ctx.root.add_subcommand(
      "apply",
      "Validate, then server-side apply (field manager krayctl) compact specs and manifests.\n"
      "Nothing is sent when any document fails validation.\n"
      "  krayctl apply job.yaml --dry-run=server");
  cmd->add_option("inputs", opts->inputs, "Files, directories or - for stdin")->required();
  cmd->add_option("--dry-run", *dry_run,
                  "client: validate and send nothing; server: the API server checks and stores "
                  "nothing")
      ->check(CLI::IsMember({"none", "client", "server"}))
      ->capture_default_str();
  add_spec_overrides(*cmd, opts->sets, opts->set_strings, opts->disable);
  cmd->add_flag("--force-conflicts", opts->force_conflicts,
                "Take over fields another field manager owns (server-side apply force)");
  cmd->add_flag("--wait", opts->wait,
                "Then wait (up to --timeout): RayClusters and RayServices ready, RayJobs "
                "complete; exit 1 if one failed");
  ctx.choices["apply"]["--dry-run"] = {"none", "client", "server"};
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  cmd->callback([opts, dry_run, &deps, &g, &action] {
    action = [opts, dry_run, &deps, &g]() -> Result<void> {
      opts->dry_run = *dry_run == "client"   ? app::DryRun::client
                      : *dry_run == "server" ? app::DryRun::server
                                             : app::DryRun::none;
      opts->kubeconfig = kubeconfig_options(g);
      KRAY_TRY_ASSIGN(opts->timeout, timeout_of(g));
      return app::run_apply(*opts, deps);
    };
  });
}

}  // namespace kray::cli
