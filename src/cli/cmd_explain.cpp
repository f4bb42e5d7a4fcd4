// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/core/validate/explain.hpp>
#include <krayctl/io/console.hpp>

#include <memory>

namespace kray::cli {

void add_explain_command(CommandContext& ctx) {
  auto path = std::make_shared<std::string>();
  auto recursive = std::make_shared<bool>(false);
  CLI::App* cmd = ctx.root.add_subcommand(
      "explain",
      "Show the fields of a KubeRay kind from its CRD schema, offline: types, required\n"
      "fields, defaults and enum values.\n"
      "  krayctl explain RayJob.spec.deletionStrategy");
  cmd->add_option("path", *path, "KIND[.field...], such as RayCluster.spec.workerGroupSpecs")
      ->required();
  cmd->add_flag("--recursive", *recursive, "Show every field below, as a tree");

  const app::Deps& deps = ctx.deps;
  Action& action = ctx.action;
  cmd->callback([path, recursive, &deps, &action] {
    action = [path, recursive, &deps]() -> Result<void> {
      KRAY_TRY_ASSIGN(const std::string text, core::explain(*path, *recursive));
      deps.console.out(text);
      return {};
    };
  });
}

}  // namespace kray::cli
