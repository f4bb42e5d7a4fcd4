// SPDX-License-Identifier: Apache-2.0
// Private to src/cli: how the command files register themselves.
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/core/validate/validate.hpp>
#include <krayctl/util/error.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kray::cli {

// The global flags (docs/commands.md), parsed before any command runs. Commands
// that do not talk to a cluster ignore the connection flags.
struct GlobalOptions {
  std::string kubeconfig;
  std::string context;
  std::string cluster;
  std::string user;
  std::string namespace_;
  bool all_namespaces = false;
  std::string timeout = "10m";
  bool timeout_given = false;  // --timeout on the command line (status --watch: until then)
  int verbosity = 0;
  std::string controller = "auto";
  std::string templates;
  std::string color = "auto";  // --color auto|always|never
};

// Values an option accepts, for shell completion: command -> option -> values.
using CompletionChoices = std::map<std::string, std::map<std::string, std::vector<std::string>>>;

// The command to run once parsing succeeds.
using Action = std::function<Result<void>()>;

struct CommandContext {
  CLI::App& root;
  GlobalOptions& globals;
  const app::Deps& deps;
  CompletionChoices& choices;
  Action& action;  // set by the chosen subcommand's callback
};

void add_render_command(CommandContext& ctx);

// --set, --set-string and --disable, as render and apply both take them.
void add_spec_overrides(CLI::App& cmd,
                        std::vector<std::string>& sets,
                        std::vector<std::string>& set_strings,
                        std::vector<std::string>& disable);
void add_validate_command(CommandContext& ctx);
void add_explain_command(CommandContext& ctx);

// Reads --feature-gates values ("Name=true,Other=false") into `gates`.
[[nodiscard]] Result<void> parse_feature_gates(const std::vector<std::string>& args,
                                               core::FeatureGates& gates);
// How cluster commands reach the cluster: --kubeconfig, --context,
// --cluster, --user, -n, -v.
app::KubeconfigOptions kubeconfig_options(const GlobalOptions& g);
// --timeout as a duration ("90s", "10m"; 0: no limit); a usage error otherwise.
[[nodiscard]] Result<std::chrono::milliseconds> timeout_of(const GlobalOptions& g);
void add_version_command(CommandContext& ctx);
void add_config_command(CommandContext& ctx);
void add_apply_command(CommandContext& ctx);
void add_delete_command(CommandContext& ctx);
void add_submit_command(CommandContext& ctx);
void add_wait_command(CommandContext& ctx);
void add_logs_command(CommandContext& ctx);
void add_stop_command(CommandContext& ctx);
void add_status_command(CommandContext& ctx);
void add_nccl_check_command(CommandContext& ctx);
void add_completion_command(CommandContext& ctx);
// `krayctl __complete WORD...` (hidden; cobra's protocol, which kubectl
// speaks to plugins through kubectl_complete-kray): the candidates for the
// last word, one per line, then ":N", N a directive (4: no file names;
// 0: the shell's default).
void print_completions(const CLI::App& root,
                       const CompletionChoices& choices,
                       const std::vector<std::string>& args,
                       const app::Deps& deps);

// Returns the completion script for `shell` ("bash", "zsh", "fish").
std::string completion_script(const CLI::App& root,
                              const CompletionChoices& choices,
                              const std::string& shell);

}  // namespace kray::cli
