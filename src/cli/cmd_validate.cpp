// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/validate.hpp>
#include <krayctl/util/strings.hpp>

#include <memory>

namespace kray::cli {

Result<void> parse_feature_gates(const std::vector<std::string>& args, core::FeatureGates& gates) {
  for (const auto& arg : args) {
    for (const auto& part : util::split(arg, ',')) {
      const std::string item(util::trim(part));
      const auto eq = item.find('=');
      const std::string name = item.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
      if (value != "true" && value != "false") {
        return make_error(ErrorCode::usage, "--feature-gates " + util::quote(item) +
                                                ": expected NAME=true or NAME=false");
      }
      if (name == "RayJobDeletionPolicy") {
        gates.ray_job_deletion_policy = value == "true";
      } else if (name == "RayServiceIncrementalUpgrade") {
        gates.ray_service_incremental_upgrade = value == "true";
      } else {
        return make_error(ErrorCode::usage,
                          "--feature-gates: unknown gate " + util::quote(name) +
                              " (known: RayJobDeletionPolicy, RayServiceIncrementalUpgrade)");
      }
    }
  }
  return {};
}

void add_validate_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::ValidateOptions>();
  auto output = std::make_shared<std::string>("text");
  auto gates = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = ctx.root.add_subcommand(
      "validate",
      "Validate compact specs and KubeRay manifests offline: the CRD schema as the API server\n"
      "checks it, the KubeRay operator's rules, and lints (" KRAYCTL_DOC_DIR
      "/validation.md).\n"
      "  krayctl validate job.yaml manifests/ -o sarif > krayctl.sarif");
  cmd->add_option("inputs", opts->inputs,
                  "Files, directories (every *.yaml and *.yml below) or - for stdin")
      ->required();
  cmd->add_option("-o,--output", *output,
                  "Report format: text, json, sarif, github (GitHub Actions annotations), junit")
      ->check(CLI::IsMember({"text", "json", "sarif", "github", "junit"}))
      ->capture_default_str();
  cmd->add_flag("--strict", opts->strict, "Fail (exit 1) on warnings too");
  cmd->add_flag("-q,--quiet", opts->quiet, "Only the problems: no summary line (text)");
  cmd->add_option("--exclude", opts->exclude,
                  "Leave out files whose path matches this glob (vendor/**, *.tmpl.yaml; "
                  "repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--disable", opts->disable,
                  "Lint IDs to skip, comma-separated or repeated (" KRAYCTL_DOC_DIR "/lints/)")
      ->expected(1)
      ->allow_extra_args(false)  // one value per flag: `--disable x a.yaml b.yaml`
      ->take_all();
  cmd->add_option("--feature-gates", *gates,
                  "Operator feature gates that change its validation: "
                  "RayJobDeletionPolicy=true|false, RayServiceIncrementalUpgrade=true|false "
                  "(defaults: those of KubeRay v1.6.2)")
      ->expected(1)
      ->allow_extra_args(false)  // one value per flag, as --disable
      ->take_all();
  ctx.choices["validate"]["--output"] = {"text", "json", "sarif", "github", "junit"};
  ctx.choices["validate"]["-o"] = {"text", "json", "sarif", "github", "junit"};

  const app::Deps& deps = ctx.deps;
  Action& action = ctx.action;
  cmd->callback([opts, output, gates, &deps, &action] {
    action = [opts, output, gates, &deps]() -> Result<void> {
      opts->output = *output == "json"     ? app::ReportFormat::json
                     : *output == "sarif"  ? app::ReportFormat::sarif
                     : *output == "github" ? app::ReportFormat::github
                     : *output == "junit"  ? app::ReportFormat::junit
                                           : app::ReportFormat::text;
      KRAY_TRY(parse_feature_gates(*gates, opts->gates));
      return app::run_validate(*opts, deps);
    };
  });
}

}  // namespace kray::cli
