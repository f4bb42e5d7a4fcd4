// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/nccl_check.hpp>

#include <krayctl/core/nccl_check.hpp>
#include <krayctl/core/nccl_log.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/file_system.hpp>

namespace kray::app {

Result<void> run_nccl_check(const NcclCheckOptions& options, const Deps& deps) {
  if (options.log.empty()) {
    return make_error(ErrorCode::usage,
                      "nothing to check: give --log FILE (an NCCL_DEBUG=INFO log or nccl-tests "
                      "output; - for stdin)");
  }
  if (options.min_busbw && *options.min_busbw <= 0) {
    return make_error(ErrorCode::usage, "--min-busbw: a bandwidth in GB/s above 0, such as 40");
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
  const core::NcclReport report = core::evaluate_nccl(input);
  deps.console.out(options.output == "json" ? core::to_json(report).dump(2) + "\n"
                                            : core::format_nccl_report(report, input.source));
  if (report.failed()) {
    return tl::unexpected(Error{ErrorCode::check_failed, "a check failed", std::nullopt, {}, true});
  }
  return {};
}

}  // namespace kray::app
