// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <krayctl/app/submit.hpp>

#include <memory>

namespace kray::cli {

void add_submit_command(CommandContext& ctx) {
  auto opts = std::make_shared<app::SubmitOptions>();
  auto no_logs = std::make_shared<bool>(false);
  CLI::App* cmd = ctx.root.add_subcommand(
      "submit",
      "Apply a RayJob (a compact spec or a manifest), follow it to its end with the driver\n"
      "log on stdout and progress and stalls on stderr, and exit with the job's result.\n"
      "  krayctl submit job.yaml --timeout 2h --junit report.xml");
  cmd->add_option("inputs", opts->inputs,
                  "The RayJob's file (spec or manifest), and files of objects it needs")
      ->required();
  add_spec_overrides(*cmd, opts->sets, opts->set_strings, opts->disable);
  cmd->add_flag("--no-logs", *no_logs, "Do not print the driver log");
  cmd->add_flag("--cancel-on-interrupt", opts->cancel_on_interrupt,
                "Ctrl-C deletes the RayJob (and its cluster) instead of leaving it running");
  cmd->add_option("--name-suffix", opts->name_suffix,
                  "Run under NAME-SUFFIX (auto: a random one), so that a finished RayJob of the "
                  "same name is no obstacle");
  cmd->add_option("-o,--output", opts->output,
                  "text, or json: a summary object on stdout at the end")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--log-format", opts->log_format,
                  "text (the log as written), or json: one object per log line "
                  "{\"time\", \"source\", \"line\"}")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  ctx.choices["submit"]["--log-format"] = {"text", "json"};
  cmd->add_option("--junit", opts->junit, "Write a JUnit XML report (one test case) to FILE");
  cmd->add_flag("--force-conflicts", opts->force_conflicts,
                "Take over fields another field manager owns (server-side apply force)");
  ctx.choices["submit"]["--output"] = {"text", "json"};
  ctx.choices["submit"]["--name-suffix"] = {"auto"};
  const app::Deps& deps = ctx.deps;
  GlobalOptions& g = ctx.globals;
  Action& action = ctx.action;
  cmd->callback([opts, no_logs, &deps, &g, &action] {
    action = [opts, no_logs, &deps, &g]() -> Result<void> {
      opts->logs = !*no_logs;
      opts->kubeconfig = kubeconfig_options(g);
      // A job runs as long as it runs: no limit unless --timeout is given.
      if (g.timeout_given) {
        KRAY_TRY_ASSIGN(opts->timeout, timeout_of(g));
      }
      return app::run_submit(*opts, deps);
    };
  });
}

}  // namespace kray::cli
