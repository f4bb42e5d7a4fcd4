// SPDX-License-Identifier: Apache-2.0
// `krayctl config view`: the kubeconfig as krayctl reads it, merged (or
// minified to one context), credentials hidden unless --raw. It shows which
// cluster and user krayctl will use, with kubectl's layout, so that the two
// can be compared.
#include "commands.hpp"

#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/core/yaml/yaml_emit.hpp>
#include <krayctl/io/console.hpp>

#include <memory>

namespace kray::cli {

void add_config_command(CommandContext& ctx) {
  struct Options {
    bool minify = false;
    bool raw = false;
    std::string output = "yaml";
  };
  auto o = std::make_shared<Options>();
  CLI::App* config = ctx.root.add_subcommand("config", "Show the kubeconfig krayctl uses");
  config->require_subcommand(1);
  CLI::App* view = config->add_subcommand(
      "view", "Print the merged kubeconfig (as `kubectl config view`), credentials hidden");
  view->add_flag("--minify", o->minify, "Only the context in use, its cluster and its user");
  view->add_flag("--raw", o->raw, "Show certificates, keys, tokens and passwords");
  view->add_option("-o,--output", o->output, "Output format")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  ctx.choices["view"]["--output"] = {"yaml", "json"};
  ctx.choices["view"]["-o"] = {"yaml", "json"};
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  view->callback([o, &deps, &g, &action] {
    action = [o, &deps, &g]() -> Result<void> {
      app::KubeconfigOptions options = kubeconfig_options(g);
      auto loaded = app::load_kubeconfig(deps, options);
      if (!loaded) {
        return tl::unexpected(std::move(loaded).error());
      }
      kube::Kubeconfig shown = loaded->merged;
      if (o->minify) {
        auto small = kube::minify(shown, options.overrides);
        if (!small) {
          return tl::unexpected(std::move(small).error());
        }
        shown = std::move(*small);
      }
      const core::Json j = kube::to_json(shown, o->raw);
      deps.console.out(o->output == "json" ? j.dump(4) + "\n" : core::emit_yaml(j));
      return {};
    };
  });
}

}  // namespace kray::cli
