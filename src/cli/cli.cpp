// SPDX-License-Identifier: Apache-2.0
#include <krayctl/cli/cli.hpp>

#include "commands.hpp"

#include <krayctl/cli/exit_codes.hpp>
#include <krayctl/core/k8s/quantity.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/util/strings.hpp>

#include <fmt/format.h>

#include <map>

namespace kray::cli {
namespace {

constexpr const char* k_footer =
    "Exit codes:\n"
    "  0    success\n"
    "  1    the workload failed (job FAILED or STOPPED, service unhealthy)\n"
    "  2    usage or validation error (nothing was sent to the cluster)\n"
    "  3    timed out\n"
    "  4    cluster or API error (auth, network, refused)\n"
    "  70   internal error in krayctl\n"
    "  74   the output could not be written (a full disk, a closed pipe)\n"
    "  130  interrupted\n"
    "\n"
    "Docs: " KRAYCTL_DOC_DIR
    " (installed with krayctl): spec.md (the compact spec),\n"
    "commands.md, ci.md, validation.md, lints/, nccl-check.md. Fields: krayctl explain\n"
    "RayJob.spec.";

// The global flags that mean something to each command, shown on its help
// page (CLI11 lists only a command's own options there).
const std::map<std::string, std::vector<std::string>, std::less<>>& globals_of_commands() {
  static const std::vector<std::string> cluster = {"--kubeconfig", "--context", "--cluster",
                                                   "--user",       "-n",        "-v"};
  static const auto with = [](std::vector<std::string> base, std::vector<std::string> more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  };
  static const std::map<std::string, std::vector<std::string>, std::less<>> k = {
      {"render", {"-n", "--templates"}},
      {"validate", {"--templates"}},
      {"apply", with(cluster, {"--timeout"})},
      {"delete", with(cluster, {"--timeout"})},
      {"submit", with(cluster, {"--timeout"})},
      {"wait", with(cluster, {"--timeout"})},
      {"status", with(cluster, {"-A", "--timeout"})},
      {"nccl-check", with(cluster, {"--timeout"})},
      {"config", {"--kubeconfig", "--context", "--cluster", "--user", "-n"}},
  };
  return k;
}

// The exit codes a command can return besides 70 and 74 (every command),
// as its help lists them (docs/commands.md says the same per command).
std::string exit_codes_of(std::string_view command) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> k = {
      {"render", {"0    written", "2    usage or invalid input (nothing written)"}},
      {"validate",
       {"0    no problems", "1    problems found (errors; warnings too with --strict)",
        "2    could not run: a bad flag or config file, an input missing or unreadable"}},
      {"explain", {"0    shown", "2    usage, or no such kind or field"}},
      {"version", {"0    shown"}},
      {"completion", {"0    written", "2    usage"}},
      {"apply",
       {"0    applied (with --wait: and ready or complete)",
        "1    --wait: a workload failed (it will not get there)",
        "2    usage or invalid input (nothing sent)", "3    timed out (--timeout)",
        "4    cluster or API error (auth, network, refused)", "130  interrupted"}},
      {"submit",
       {"0    the Ray job SUCCEEDED",
        std::string("1    it FAILED or was STOPPED, ValidationFailed, SubmissionFailed, retries ") +
            "exhausted,\n       a problem waiting cannot cure (image pull, missing Secret, " +
            "crash loop, OOM),\n       or the RayJob was deleted while krayctl waited",
        "2    usage or invalid input (nothing sent)", "3    timed out (--timeout; the job runs on)",
        "4    cluster or API error", "130  interrupted"}},
      {"wait",
       {"0    the condition holds", "1    the object failed: it will not get there", "2    usage",
        "3    timed out (--timeout)", "4    cluster or API error", "130  interrupted"}},
      {"logs",
       {"0    shown (with -f: to the end)", "2    usage",
        "4    cluster or API error (a missing object or log included)"}},
      {"stop",
       {"0    suspended or deleted, or finished already", "1    --wait: it failed instead",
        "2    usage, or a RayJob krayctl did not create (without --force)",
        "3    timed out (--wait)", "4    cluster or API error", "130  interrupted"}},
      {"delete",
       {"0    deleted", "2    usage or invalid input (nothing deleted)", "3    timed out (--wait)",
        "4    cluster or API error (a missing object included)", "130  interrupted"}},
      {"status",
       {"0    nothing shown failed", "1    an object shown failed", "2    usage",
        "3    timed out (--timeout, without --watch)",
        "4    cluster or API error (a missing object included)", "130  interrupted"}},
      {"nccl-check",
       {"0    no check failed (warnings allowed)", "1    a check failed",
        "2    usage or invalid input", "3    timed out", "4    cluster or API error",
        "130  interrupted"}},
      {"config", {"0    shown", "2    usage", "4    the kubeconfig is unusable"}},
  };
  std::string out;
  if (auto it = k.find(command); it != k.end()) {
    for (const auto& line : it->second) {
      out += "  " + line + "\n";
    }
  }
  return out;
}

// A command's footer: its global flags, and its exit codes.
std::string command_footer(const CLI::App& root, const std::string& command) {
  std::string out;
  const auto& all = globals_of_commands();
  if (auto it = all.find(command); it != all.end()) {
    out += "Global options:\n";
    for (const auto& flag : it->second) {
      const CLI::Option* o = root.get_option_no_throw(flag);
      if (o == nullptr) {
        continue;
      }
      std::string names = o->get_name(false, true);
      if (o->get_type_size() != 0) {
        names += " " + o->get_type_name();
      }
      out += fmt::format("  {:<28}{}\n", names, o->get_description());
    }
    out += "\n";
  }
  return out + "Exit codes:\n" + exit_codes_of(command) +
         "  70   internal error in krayctl; 74 the output could not be written\n";
}

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
  app.add_option(
         "--timeout", g.timeout,
         "How long waits may take, such as 90s, 10m; 0 for no limit (status --watch: how long "
         "to watch)")
      ->capture_default_str()
      ->each([&g](const std::string&) { g.timeout_given = true; })
      ->group("Global options");
  app.add_flag("-v,--verbose", g.verbosity, "More detail on stderr; repeat for more")
      ->group("Global options");
  app.add_option("--controller", g.controller,
                 "Who reconciles: operator (KubeRay in the cluster), auto; local (krayctl creates "
                 "the pods) is not built yet")
      ->check(CLI::IsMember({"operator", "local", "auto"}))
      ->capture_default_str()
      ->group("Global options");
  app.add_option("--color", g.color,
                 "Colour: auto (when the stream is a terminal, NO_COLOR unset), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str()
      ->group("Global options");
  choices[""]["--color"] = {"auto", "always", "never"};
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

// `krayctl get`: the first word that is no command, said as kubectl says
// it, with the closest command and what krayctl has instead. "" when the
// arguments hold no such word.
std::string unknown_command(const CLI::App& app) {
  std::string word;
  for (const auto& arg : app.remaining()) {
    if (!arg.empty() && arg.front() != '-') {
      word = arg;
      break;
    }
  }
  if (word.empty()) {
    return "";
  }
  // kubectl habits, and what to use.
  static const std::map<std::string, std::string, std::less<>> k_instead = {
      {"get", "use 'status' for RayClusters, RayJobs and RayServices (kubectl get for the rest)"},
      {"describe", "use 'status KIND/NAME' for one object in detail"},
      {"create", "use 'apply'"},
      {"run", "use 'submit' for a RayJob, 'apply' for the rest"},
      {"edit", "change the file and 'apply' it again"},
      {"remove", "use 'delete'"},
      {"rm", "use 'delete'"},
      {"check", "use 'validate' for files, 'nccl-check' for a GPU node"},
      {"lint", "use 'validate'"},
      {"template", "use 'render'"},
  };
  std::string message = "unknown command " + fmt::format("\"{}\"", word) + " for \"krayctl\"";
  if (auto it = k_instead.find(word); it != k_instead.end()) {
    return message + ": " + it->second;
  }
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands({})) {
    if (!sub->get_group().empty()) {  // a visible command
      names.push_back(sub->get_name());
    }
  }
  if (const std::string best = util::closest_match(word, names); !best.empty()) {
    message += "; did you mean \"" + best + "\"?";
  }
  return message;
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
  // kubectl completes a plugin's arguments by running
  // kubectl_complete-<plugin> with them: that is `krayctl __complete`.
  std::vector<const char*> completing;
  if (argc > 0 && argv[0] != nullptr &&
      std::string_view(argv[0]).ends_with("kubectl_complete-kray")) {
    completing = {"kubectl-kray", "__complete"};
    completing.insert(completing.end(), argv + 1, argv + argc);
    argc = static_cast<int>(completing.size());
    argv = completing.data();
  }
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
  add_submit_command(ctx);
  add_wait_command(ctx);
  add_logs_command(ctx);
  add_stop_command(ctx);
  add_status_command(ctx);
  add_nccl_check_command(ctx);
  add_explain_command(ctx);
  add_version_command(ctx);
  add_config_command(ctx);
  add_completion_command(ctx);
  for (auto* sub : app.get_subcommands({})) {
    sub->footer(command_footer(app, sub->get_name()));
  }

  if (argc > 1 && std::string_view(argv[1]) == "__complete") {
    print_completions(app, choices, std::vector<std::string>(argv + 2, argv + argc), deps);
    return k_exit_ok;
  }
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
    if (app.get_subcommands().empty()) {
      if (auto unknown = unknown_command(app); !unknown.empty()) {
        deps.console.err(fmt::format("{}: {}\nRun '{} --help' for usage.\n", name, unknown, name));
        return k_exit_usage;
      }
    }
    deps.console.err(fmt::format("{}: {}\nRun '{} --help' for usage.\n", name, e.what(), name));
    return k_exit_usage;
  }
  if (!action) {
    deps.console.err(name + ": no command given\n");
    return k_exit_usage;
  }
  if (globals.controller == "local") {
    // Accepting it and doing nothing would be a lie: refuse until it exists.
    deps.console.err(name +
                     ": error: --controller=local (krayctl creating the Pods itself, with no "
                     "KubeRay operator) is not built yet: install the KubeRay operator and use "
                     "--controller=operator (or auto)\n");
    return k_exit_usage;
  }
  deps.console.set_color_mode(globals.color == "always"  ? io::Console::ColorMode::always
                              : globals.color == "never" ? io::Console::ColorMode::never
                                                         : io::Console::ColorMode::automatic);
  auto result = action();
  // Output that did not arrive is a failure, whatever the command thought
  // (`krayctl render spec.yaml > /dev/full`).
  if (const std::string lost = deps.console.out_error(); !lost.empty()) {
    deps.console.err(fmt::format("{}: error: writing to stdout: {}\n", name, lost));
    return k_exit_io;
  }
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
