// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/validate/validate.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/environment.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>
#include <memory>
#include <optional>

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

namespace {

// What the command line says beyond ValidateOptions: what it overrides of
// the config file.
struct ValidateFlags {
  std::string output = "text";
  std::vector<std::string> gates;
  bool strict = false;     // --strict
  bool no_strict = false;  // --no-strict
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::string config;  // --config FILE
  bool no_config = false;
};

// Flags over the config file over defaults (docs/validation.md,
// "Configuration"): lists add up, a flag's severity or strictness wins, and
// a lint raised or lowered on the command line is no longer disabled by the
// file.
Result<void> merge_config(app::ValidateOptions& opts,
                          const ValidateFlags& flags,
                          const app::Deps& deps,
                          int verbosity) {
  app::ValidateConfig config;
  if (!flags.no_config) {
    std::optional<std::string> path;
    if (!flags.config.empty()) {
      path = flags.config;
    } else {
      path = app::find_validate_config(deps);
    }
    if (path) {
      KRAY_TRY_ASSIGN(config, app::load_validate_config(*path, deps));
      if (verbosity > 0) {
        deps.console.err("krayctl: config " + *path + "\n");
      }
    }
  }
  KRAY_TRY_ASSIGN(const auto raised, app::parse_lint_ids(flags.errors, "--error"));
  KRAY_TRY_ASSIGN(const auto lowered, app::parse_lint_ids(flags.warnings, "--warning"));
  for (const auto& id : raised) {
    if (std::find(lowered.begin(), lowered.end(), id) != lowered.end()) {
      return make_error(ErrorCode::usage,
                        "lint " + util::quote(id) + " is given both --error and --warning");
    }
  }
  opts.exclude.insert(opts.exclude.begin(), config.exclude.begin(), config.exclude.end());
  std::vector<std::string> disable;
  for (const auto& id : config.disable) {
    const bool named = std::find(raised.begin(), raised.end(), id) != raised.end() ||
                       std::find(lowered.begin(), lowered.end(), id) != lowered.end();
    if (!named) {
      disable.push_back(id);
    }
  }
  disable.insert(disable.end(), opts.disable.begin(), opts.disable.end());
  opts.disable = std::move(disable);
  opts.severity = config.severity;
  for (const auto& id : raised) {
    opts.severity[id] = core::Severity::error;
  }
  for (const auto& id : lowered) {
    opts.severity[id] = core::Severity::warning;
  }
  opts.strict = flags.strict ? true : flags.no_strict ? false : config.strict.value_or(false);
  if (opts.sarif_root.empty()) {
    opts.sarif_root = config.sarif_root;
  }
  std::vector<std::string> gates = config.feature_gates;
  gates.insert(gates.end(), flags.gates.begin(), flags.gates.end());
  return parse_feature_gates(gates, opts.gates);
}

}  // namespace

void add_validate_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::ValidateOptions>();
  auto flags = std::make_shared<ValidateFlags>();
  auto* output = &flags->output;
  auto* gates = &flags->gates;
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
  auto* strict = cmd->add_flag("--strict", flags->strict, "Fail (exit 1) on warnings too");
  cmd->add_flag("--no-strict", flags->no_strict,
                "Do not fail on warnings, whatever the config file says")
      ->excludes(strict);
  cmd->add_option("--error", flags->errors,
                  "Lint IDs whose findings are errors, comma-separated or repeated")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--warning", flags->warnings,
                  "Lint IDs whose findings are warnings, comma-separated or repeated")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--config", flags->config,
                  "Config file to read (default: the first " +
                      std::string(app::k_validate_config_name) +
                      " in the working directory or a folder above it)");
  cmd->add_flag("--no-config", flags->no_config, "Read no config file");
  cmd->add_option("--sarif-root", opts->sarif_root,
                  "-o sarif: the folder URIs are relative to (default: the git top level, else "
                  "the working directory)");
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

  cmd->get_option("--config")->excludes(cmd->get_option("--no-config"));

  const app::Deps& deps = ctx.deps;
  Action& action = ctx.action;
  const int& verbosity = ctx.globals.verbosity;
  cmd->callback([cmd, opts, flags, output, &deps, &action, &verbosity] {
    action = [cmd, opts, flags, output, &deps, &verbosity]() -> Result<void> {
      // In a GitHub Actions job (GITHUB_ACTIONS=true, set by the runner)
      // the report defaults to annotations on the pull request's lines; an
      // explicit -o wins.
      const bool in_actions = deps.env.get("GITHUB_ACTIONS").value_or("") == "true";
      if (cmd->count("--output") == 0 && in_actions) {
        *output = "github";
      }
      opts->list_skipped = verbosity > 0;
      opts->output = *output == "json"     ? app::ReportFormat::json
                     : *output == "sarif"  ? app::ReportFormat::sarif
                     : *output == "github" ? app::ReportFormat::github
                     : *output == "junit"  ? app::ReportFormat::junit
                                           : app::ReportFormat::text;
      KRAY_TRY(merge_config(*opts, *flags, deps, verbosity));
      return app::run_validate(*opts, deps);
    };
  });
}

}  // namespace kray::cli
