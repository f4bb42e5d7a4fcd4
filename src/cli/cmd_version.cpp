// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/core/yaml/yaml_emit.hpp>
#include <krayctl/io/console.hpp>

#include <memory>

namespace kray::cli {

// The KubeRay release whose CRDs and operator behaviour krayctl follows.
constexpr const char* k_kuberay_version = "v1.6.2";

void add_version_command(CommandContext& ctx) {
  auto output = std::make_shared<std::string>("text");
  CLI::App* cmd = ctx.root.add_subcommand(
      "version", "Print the krayctl version and the KubeRay version it targets");
  cmd->add_option("-o,--output", *output, "Output format")
      ->check(CLI::IsMember({"text", "json", "yaml"}))
      ->capture_default_str();
  ctx.choices["version"]["--output"] = {"text", "json", "yaml"};
  ctx.choices["version"]["-o"] = {"text", "json", "yaml"};
  const app::Deps& deps = ctx.deps;
  Action& action = ctx.action;
  cmd->callback([output, &deps, &action] {
    action = [output, &deps]() -> Result<void> {
      const core::Json j = {{"krayctl", KRAYCTL_VERSION}, {"kuberay", k_kuberay_version}};
      if (*output == "json") {
        deps.console.out(j.dump(2) + "\n");
      } else if (*output == "yaml") {
        deps.console.out(core::emit_yaml(j));
      } else {
        deps.console.out(std::string("krayctl ") + KRAYCTL_VERSION + " (KubeRay " +
                         k_kuberay_version + " CRDs)\n");
      }
      return {};
    };
  });
}

}  // namespace kray::cli
