// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/nccl/nccl_check.hpp>

#include <krayctl/app/validate/validate.hpp>

#include "nccl_cluster.hpp"
#include "nccl_node.hpp"

#include <krayctl/core/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_log.hpp>
#include <krayctl/core/nccl/nccl_node.hpp>
#include <krayctl/core/nccl/nccl_spec.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/io/process.hpp>

#include <algorithm>

namespace kray::app {

namespace {

Result<void> show(const core::NcclReport& report,
                  const std::string& source,
                  const NcclCheckOptions& options,
                  const Deps& deps) {
  deps.console.out(options.output == "json" ? core::to_json(report).dump(2) + "\n"
                                            : core::format_nccl_report(report, source));
  if (report.failed()) {
    return tl::unexpected(Error{ErrorCode::check_failed, "a check failed", std::nullopt, {}, true});
  }
  return {};
}

// --spec FILE [--group NAME]: the group's Pod template (without --group,
// the one group with GPUs), rendered and validated as `apply` would send it.
Result<void> check_spec(const NcclCheckOptions& options, const Deps& deps) {
  ValidateOptions vo;
  vo.inputs = {options.spec};
  KRAY_TRY_ASSIGN(auto validated, validate_inputs(vo, deps));
  std::size_t errors = 0;
  for (const auto& d : validated.diagnostics) {
    errors += d.severity == core::Severity::error ? 1U : 0U;
  }
  if (errors > 0) {
    deps.console.err(format_report(validated, ReportFormat::text, deps.console.err_color()));
    return tl::unexpected(Error{
        ErrorCode::invalid_spec, options.spec + " does not validate", std::nullopt, {}, true});
  }
  std::optional<Error> first;
  for (const auto& m : validated.manifests) {
    // Without --group: the one group that asks for GPUs.
    std::string group = options.group;
    if (group.empty()) {
      KRAY_TRY_ASSIGN(group, core::only_gpu_group(m, options.spec));
    }
    core::NcclReport report;
    auto done = core::evaluate_group(m, group, options.spec, report);
    if (done) {
      core::summarize(report);
      return show(report, options.spec + " group " + group, options, deps);
    }
    if (!first) {
      first = std::move(done).error();
    }
  }
  if (first) {
    return tl::unexpected(std::move(*first));
  }
  return make_error(ErrorCode::usage, options.spec + ": no RayCluster, RayJob or RayService in it");
}

}  // namespace

// --save: the raw output, kept as the artifact to attach to a ticket.
Result<void> detail::save_output(const NcclCheckOptions& options,
                                 const std::string& text,
                                 const Deps& deps) {
  if (options.save.empty()) {
    return {};
  }
  KRAY_TRY(deps.fs.write_file(options.save, text));
  deps.console.err("raw output saved to " + options.save + "\n");
  return {};
}

namespace {

// Variables --run sets for nccl-tests (core::nccl_run_environment).
std::vector<std::pair<std::string, std::string>> run_environment(const NcclCheckOptions& options,
                                                                 const Deps& deps) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& v : core::nccl_run_environment(!options.intra_node)) {
    if (!v.user_may_set || !deps.env.get(v.name)) {
      env.emplace_back(v.name, v.value);
    }
  }
  return env;
}

// --run: all_reduce_perf over this pod's GPUs, its output judged with the
// node's facts.
Result<void> run_tests(const NcclCheckOptions& options, const Deps& deps) {
  const core::NodeFacts facts = detail::probe_node(deps, options.root);
  std::string command = "all_reduce_perf";
  if (!options.nccl_tests.empty()) {
    command = deps.fs.is_directory(options.nccl_tests) ? options.nccl_tests + "/all_reduce_perf"
                                                       : options.nccl_tests;
  }
  const int gpus = options.gpus.value_or(std::max(1, facts.gpu_devices));
  const std::vector<std::string> args = {"-b", "1G", "-e", "8G",
                                         "-f", "2",  "-g", std::to_string(gpus)};
  const auto env = run_environment(options, deps);
  std::string shown;
  for (const auto& [k, v] : env) {
    shown += k + "=" + v + " ";
  }
  shown += command;
  for (const auto& a : args) {
    shown += " " + a;
  }
  deps.console.err("running: " + shown + "\n");
  // No timeout (a large all_reduce_perf sweep takes what it takes); its
  // output is a log, capped as --log is.
  auto ran = deps.processes.run(command, args, env, false, {{}, io::k_log_file_limit.bytes});
  if (!ran) {
    return make_error(ErrorCode::usage,
                      command +
                          " cannot be run: build nccl-tests (git clone "
                          "https://github.com/NVIDIA/nccl-tests && make -C nccl-tests) and give "
                          "--nccl-tests nccl-tests/build");
  }
  KRAY_TRY(detail::save_output(options, ran->out, deps));
  core::NcclCheckInput input;
  input.source = command;
  input.min_busbw = options.min_busbw;
  input.tests = core::parse_nccl_tests(ran->out);
  core::NcclLogFacts log = core::parse_nccl_log(ran->out);
  for (const auto& [k, v] : env) {
    log.env.erase(k);  // krayctl set these: not the user's leftovers
  }
  input.log = log;
  core::NcclReport report = core::evaluate_nccl(input);
  if (ran->exit_code != 0) {
    report.checks.push_back({"run", core::CheckStatus::fail,
                             command + " exited with code " + std::to_string(ran->exit_code),
                             "its messages are above; the checks say what the log showed", 0});
  }
  if (!input.tests || input.tests->rows.empty()) {
    report.checks.push_back({"run", core::CheckStatus::fail,
                             "no results table in " + command + "'s output",
                             "run it by hand to see why: " + shown, 0});
  } else if (!options.min_busbw) {
    core::expected_busbw_check(facts, log, *input.tests, report);
  }
  core::NodeExpectations expect;
  expect.gpus = options.gpus;
  core::evaluate_node(facts, expect, report);
  core::summarize(report);
  return show(report, "a run of " + command + " (" + std::to_string(gpus) + " GPUs)", options,
              deps);
}

}  // namespace

namespace {

// What nccl-check was asked to do, once, with the flags that mean nothing
// to it refused rather than ignored.
enum class Mode { node, log, run, spec, cluster };

Result<Mode> resolve_mode(const NcclCheckOptions& o) {
  const int modes = (o.log.empty() ? 0 : 1) + (o.spec.empty() ? 0 : 1) +
                    (o.cluster.empty() ? 0 : 1) + (o.run && o.cluster.empty() ? 1 : 0);
  if (modes > 1) {
    return make_error(ErrorCode::usage,
                      "give one of --log (a run's output), --spec (a manifest), --run (run "
                      "nccl-tests here) and --cluster (a Pod of a RayCluster's group); --run "
                      "goes with --cluster only to run nccl-tests in that Pod");
  }
  const Mode mode = !o.cluster.empty() ? Mode::cluster
                    : o.run            ? Mode::run
                    : !o.log.empty()   ? Mode::log
                    : !o.spec.empty()  ? Mode::spec
                                       : Mode::node;
  const char* name = mode == Mode::cluster ? "--cluster"
                     : mode == Mode::run   ? "--run"
                     : mode == Mode::log   ? "--log"
                     : mode == Mode::spec  ? "--spec"
                                           : "a check of this node";
  const auto refuse = [&](bool given, const char* flag, const char* why) -> Result<void> {
    if (given) {
      return make_error(ErrorCode::usage,
                        std::string(flag) + " means nothing to " + name + ": " + why);
    }
    return {};
  };
  const bool with_run = mode == Mode::run || (mode == Mode::cluster && o.run);
  KRAY_TRY(refuse(!o.group.empty() && mode != Mode::spec && mode != Mode::cluster, "--group",
                  "it names the group of --spec or --cluster"));
  KRAY_TRY(refuse(!o.nccl_tests.empty() && !with_run, "--nccl-tests", "it is what --run runs"));
  KRAY_TRY(refuse(o.intra_node && !with_run, "--intra-node", "it changes how --run runs"));
  KRAY_TRY(refuse(o.min_busbw.has_value() && mode != Mode::log && !with_run, "--min-busbw",
                  "it judges nccl-tests output (--log, --run)"));
  KRAY_TRY(refuse(o.keep && mode != Mode::cluster, "--keep", "it keeps --cluster's Job"));
  KRAY_TRY(refuse(!o.save.empty() && mode != Mode::run && mode != Mode::cluster, "--save",
                  "it keeps the output of --run or --cluster"));
  KRAY_TRY(refuse(o.root != "/" && mode != Mode::node && mode != Mode::run, "--root",
                  "it points the node checks at a copy of a node"));
  KRAY_TRY(refuse(o.gpus.has_value() && (mode == Mode::spec || mode == Mode::cluster), "--gpus",
                  "the group's own GPU request is used"));
  if (mode == Mode::cluster && o.group.empty()) {
    return make_error(ErrorCode::usage,
                      "--cluster NAME needs --group: the worker group (or head) whose Pod "
                      "template the check runs in");
  }
  return mode;
}

}  // namespace

Result<void> run_nccl_check(const NcclCheckOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(const Mode mode, resolve_mode(options));
  if (options.min_busbw && *options.min_busbw <= 0) {
    return make_error(ErrorCode::usage, "--min-busbw: a bandwidth in GB/s above 0, such as 40");
  }
  if (options.gpus && *options.gpus < 0) {
    return make_error(ErrorCode::usage, "--gpus: a GPU count, 0 or more");
  }
  if (mode == Mode::cluster) {
    NcclCheckOptions o = options;
    if (o.run && o.nccl_tests.empty()) {
      o.nccl_tests = "all_reduce_perf";  // on the Pod image's PATH
    }
    return detail::run_cluster_check(
        o, deps, [&](const core::NcclReport& report, const std::string& source) {
          return show(report, source, options, deps);
        });
  }
  if (mode == Mode::run) {
    return run_tests(options, deps);
  }
  if (mode == Mode::spec) {
    return check_spec(options, deps);
  }
  if (mode == Mode::node) {
    if (!deps.fs.is_directory(options.root)) {
      return make_error(ErrorCode::usage, "--root " + options.root + ": not a directory");
    }
    core::NcclReport report;
    core::NodeExpectations expect;
    expect.gpus = options.gpus;
    core::evaluate_node(detail::probe_node(deps, options.root), expect, report);
    core::summarize(report);
    return show(report, options.root == "/" ? "this node" : options.root, options, deps);
  }
  std::string text;
  if (options.log == "-") {
    if (!deps.console.read_stdin(text)) {
      return make_error(ErrorCode::io, "cannot read stdin");
    }
  } else {
    KRAY_TRY_ASSIGN(text, deps.fs.read_file(options.log, io::k_log_file_limit));
  }
  core::NcclCheckInput input;
  input.source = options.log == "-" ? "<stdin>" : options.log;
  input.min_busbw = options.min_busbw;
  input.tests = core::parse_nccl_tests(text);
  core::NcclLogFacts facts = core::parse_nccl_log(text);
  // nccl-tests output without NCCL's own lines is judged on its table alone.
  if (facts.nccl_lines > 0 || !input.tests) {
    input.log = std::move(facts);
  }
  core::NcclReport report = core::evaluate_nccl(input);
  if (input.log && input.tests && !options.min_busbw) {
    core::log_busbw_check(*input.log, *input.tests, report);
    core::summarize(report);
  }
  return show(report, input.source, options, deps);
}

}  // namespace kray::app
