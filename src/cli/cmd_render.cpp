// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/render.hpp>
#include <krayctl/app/validate/validate.hpp>

#include <memory>

namespace kray::cli {

void add_spec_overrides(CLI::App& cmd,
                        std::vector<std::string>& sets,
                        std::vector<std::string>& set_strings,
                        std::vector<std::string>& disable) {
  // One value per flag: `--disable x a.yaml b.yaml` leaves the files alone.
  cmd.add_option("--set", sets,
                 "Set a spec value before rendering: PATH=VALUE, such as workers[0].gpus=4; "
                 "PATH=null deletes the key (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd.add_option("--set-string", set_strings,
                 "As --set, the value a string as written: ray.version=2.50 (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd.add_option("--disable", disable, "Lint IDs not to warn about, comma-separated or repeated")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
}

void add_render_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::RenderOptions>();
  auto output = std::make_shared<std::string>("yaml");
  CLI::App* cmd = ctx.root.add_subcommand(
      "render",
      "Render compact specs into RayCluster, RayJob and RayService manifests on stdout.\n"
      "  krayctl render job.yaml | kubectl apply -f -");
  cmd->add_option("specs", opts->inputs, "Spec files (- reads stdin)")->required();
  cmd->add_option("-o,--output", *output, "Output format")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  auto disable = std::make_shared<std::vector<std::string>>();
  add_spec_overrides(*cmd, opts->sets, opts->set_strings, *disable);
  ctx.choices["render"]["--output"] = {"yaml", "json"};
  ctx.choices["render"]["-o"] = {"yaml", "json"};

  GlobalOptions& globals = ctx.globals;
  const app::Deps& deps = ctx.deps;
  Action& action = ctx.action;
  cmd->callback([opts, output, disable, &globals, &deps, &action] {
    action = [opts, output, disable, &globals, &deps]() -> Result<void> {
      KRAY_TRY_ASSIGN(opts->validation.disabled_lints, app::parse_lint_ids(*disable));
      opts->output = *output == "json" ? app::OutputFormat::json : app::OutputFormat::yaml;
      opts->templates_dir = globals.templates;
      opts->namespace_ = globals.namespace_;
      return app::run_render(*opts, deps);
    };
  });
}

}  // namespace kray::cli
