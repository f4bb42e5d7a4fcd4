// SPDX-License-Identifier: Apache-2.0
#include <krayctl/cli/cli.hpp>

#include "commands.hpp"

#include <krayctl/cli/exit_codes.hpp>
#include <krayctl/core/quantity.hpp>
#include <krayctl/io/console.hpp>

#include <fmt/format.h>

namespace kray::cli {
namespace {

constexpr const char* k_footer = R"(Exit codes:
  0    success
  1    the workload failed (job FAILED or STOPPED, service unhealthy)
  2    usage or validation error (nothing was sent to the cluster)
  3    timed out
  4    cluster or API error (auth, network, refused)
  70   internal error in krayctl
  130  interrupted

Docs: docs/spec.md (the compact spec), docs/commands.md.)";

void add_global_options(CLI::App& app, GlobalOptions& g, CompletionChoices& choices) {
  app.add_option("--kubeconfig", g.kubeconfig, "Path to the kubeconfig file")
      ->group("Global options");
  app.add_option("--context", g.context, "The kubeconfig context to use")->group("Global options");
  app.add_option("--cluster", g.cluster, "The kubeconfig cluster to use (overrides the context's)")
      ->group("Global options");
  app.add_option("--user", g.user, "The kubeconfig user to use (overrides the context's)")
      ->group("Global options");
  app.add_option("-n,--namespace", g.namespace_, "Namespace of the objects")
      ->group("Global options");
  app.add_flag("-A,--all-namespaces", g.all_namespaces, "Across all namespaces (status)")
      ->group("Global options");
  app.add_option("--timeout", g.timeout,
                 "How long waits may take, such as 90s, 10m; 0 for no limit (status --watch: how long "
                 "to watch)")
      ->capture_default_str()
      ->each([&g](const std::string&) { g.timeout_given = true; })
      ->group("Global options");
  app.add_flag("-v,--verbose", g.verbosity, "More detail on stderr; repeat for more")
      ->group("Global options");
  app.add_option("--controller", g.controller,
                 "Who reconciles: operator (KubeRay in the cluster), local (krayctl creates the "
                 "pods), auto")
      ->check(CLI::IsMember({"operator", "local", "auto"}))
      ->capture_default_str()
      ->group("Global options");
  app.add_option("--templates", g.templates,
                 "Directory of base templates that replace the built-in ones")
      ->check(CLI::ExistingDirectory)
      ->group("Global options");
  choices[""]["--controller"] = {"operator", "local", "auto"};
}

std::string program_name(const char* argv0) {
  std::string_view name = argv0 != nullptr ? argv0 : "krayctl";
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  // Run by kubectl as a plugin: show the command the user typed.
  return name == "kubectl-kray" ? "kubectl kray" : "krayctl";
}

}  // namespace

app::KubeconfigOptions kubeconfig_options(const GlobalOptions& g) {
  app::KubeconfigOptions o;
  o.kubeconfig = g.kubeconfig;
  o.overrides = {g.context, g.cluster, g.user, g.namespace_};
  o.verbosity = g.verbosity;
  return o;
}

Result<std::chrono::milliseconds> timeout_of(const GlobalOptions& g) {
  const auto seconds = core::parse_go_duration(g.timeout);
  if (!seconds || *seconds < 0) {
    return make_error(ErrorCode::usage,
                      "--timeout " + g.timeout + ": a duration such as 90s or 10m (0: no limit)");
  }
  return std::chrono::milliseconds(static_cast<long long>(*seconds * 1000));
}

int run(int argc, const char* const* argv, const app::Deps& deps) {
  const std::string name = program_name(argc > 0 ? argv[0] : nullptr);
  CLI::App app{"Render, validate and run Ray workloads on Kubernetes (KubeRay v1.6.2).", name};
  app.footer(k_footer);
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("krayctl ") + KRAYCTL_VERSION);

  GlobalOptions globals;
  CompletionChoices choices;
  Action action;
  add_global_options(app, globals, choices);
  CommandContext ctx{app, globals, deps, choices, action};
  add_render_command(ctx);
  add_validate_command(ctx);
  add_apply_command(ctx);
  add_delete_command(ctx);
  add_status_command(ctx);
  add_nccl_check_command(ctx);
  add_explain_command(ctx);
  add_version_command(ctx);
  add_config_command(ctx);
  add_completion_command(ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    deps.console.out(app.help());
    return k_exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    deps.console.out(app.help("", CLI::AppFormatMode::All));
    return k_exit_ok;
  } catch (const CLI::CallForVersion&) {
    deps.console.out(std::string("krayctl ") + KRAYCTL_VERSION + "\n");
    return k_exit_ok;
  } catch (const CLI::ParseError& e) {
    // A subcommand's --help arrives here too, as a CallForHelp on it.
    if (e.get_exit_code() == 0) {
      for (const auto* sub : app.get_subcommands()) {
        deps.console.out(app.help(sub->get_name()));
        return k_exit_ok;
      }
      deps.console.out(app.help());
      return k_exit_ok;
    }
    deps.console.err(fmt::format("{}: {}\nRun '{} --help' for usage.\n", name, e.what(), name));
    return k_exit_usage;
  }
  if (!action) {
    deps.console.err(name + ": no command given\n");
    return k_exit_usage;
  }
  auto result = action();
  if (!result) {
    const Error& e = result.error();
    if (!e.reported) {
      deps.console.err(fmt::format("{}: error: {}\n", name, e.to_string()));
    }
    return exit_code_for(e.code);
  }
  return k_exit_ok;
}

}  // namespace kray::cli
