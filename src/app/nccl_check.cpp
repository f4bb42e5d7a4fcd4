// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/nccl_check.hpp>

#include <krayctl/app/validate.hpp>

#include "nccl_node.hpp"

#include <krayctl/core/nccl_check.hpp>
#include <krayctl/core/nccl_log.hpp>
#include <krayctl/core/nccl_node.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/file_system.hpp>

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

// --spec FILE --group NAME: the group's Pod template, rendered and
// validated as `apply` would send it.
Result<void> check_spec(const NcclCheckOptions& options, const Deps& deps) {
  if (options.spec.empty() || options.group.empty()) {
    return make_error(ErrorCode::usage, "--spec and --group go together: --spec FILE --group NAME");
  }
  if (!options.log.empty()) {
    return make_error(ErrorCode::usage, "--spec checks a manifest, --log a run: give one");
  }
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
    core::NcclReport report;
    auto done = core::evaluate_group(m, options.group, options.spec, report);
    if (done) {
      core::summarize(report);
      return show(report, options.spec + " group " + options.group, options, deps);
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

Result<void> run_nccl_check(const NcclCheckOptions& options, const Deps& deps) {
  if (options.min_busbw && *options.min_busbw <= 0) {
    return make_error(ErrorCode::usage, "--min-busbw: a bandwidth in GB/s above 0, such as 40");
  }
  if (options.gpus && *options.gpus < 0) {
    return make_error(ErrorCode::usage, "--gpus: a GPU count, 0 or more");
  }
  if (!options.spec.empty() || !options.group.empty()) {
    return check_spec(options, deps);
  }
  if (options.log.empty()) {
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
    KRAY_TRY_ASSIGN(text, deps.fs.read_file(options.log));
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
  return show(core::evaluate_nccl(input), input.source, options, deps);
}

}  // namespace kray::app
