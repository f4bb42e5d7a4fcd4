// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/source_location.hpp>

#include <tl/expected.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kray {

// What went wrong, coarsely: enough for the CLI to choose an exit code
// (src/cli/exit_codes.cpp) and for callers to branch on. The message says the
// rest.
enum class ErrorCode {
  usage,            // bad flags or arguments
  invalid_spec,     // a spec or manifest failed to parse or validate
  not_found,        // a file or object does not exist
  not_installed,    // the API server does not serve the API (a CRD not installed)
  io,               // reading or writing a local file failed
  config,           // kubeconfig or credentials unusable (exit 4, like API errors)
  http,             // the API server or network failed (a read may be tried again)
  unreachable,      // no connection: refused, no such host, TLS not trusted (not retried)
  bad_answer,       // a server's answer past krayctl's limits (size, depth, pages) (not retried)
  unauthorized,     // credentials rejected (401)
  forbidden,        // RBAC refused (403)
  conflict,         // any other 409: already exists, a precondition that no longer holds
  field_conflict,   // server-side apply's 409: another field manager owns the fields
  gone,             // a resourceVersion or continue token too old (410): list again
  timeout,          // a wait ran out of time
  workload_failed,  // the job failed, the service is unhealthy
  check_failed,     // a health check (nccl-check) failed
  interrupted,      // SIGINT
  internal,         // a bug in krayctl
};

// An expected failure, as a value. Layers add context on the way up, like
// kubectl's `fmt.Errorf("...: %w", err)`; `to_string` joins it outermost
// first: `rendering 'job.yaml': reading file: No such file or directory`.
struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::optional<SourceLocation> where;
  std::vector<std::string> context;  // outermost first
  // True when the details were already shown to the user (diagnostics with
  // their locations); the CLI then prints nothing more.
  bool reported = false;

  // Prepends `what` to the context and returns *this, for chaining.
  Error& add_context(std::string what) &;
  Error&& add_context(std::string what) &&;

  // Returns `[file:line:col: ]ctx1: ctx2: message`.
  std::string to_string() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Returns an unexpected Error for `return make_error(...)` in a Result function.
inline tl::unexpected<Error> make_error(ErrorCode code,
                                        std::string message,
                                        std::optional<SourceLocation> where = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(where), {}, false});
}

}  // namespace kray

#define KRAY_CONCAT_IMPL(a, b) a##b
#define KRAY_CONCAT(a, b) KRAY_CONCAT_IMPL(a, b)

// Evaluates `expr` (a Result); on failure returns its error from the calling
// function, which must itself return a Result.
#define KRAY_TRY(expr)                                            \
  do {                                                            \
    auto&& kray_try_result_ = (expr);                             \
    if (!kray_try_result_) {                                      \
      return tl::unexpected(std::move(kray_try_result_).error()); \
    }                                                             \
  } while (false)

// Evaluates `expr` (a Result<T>); on success moves its value into `lhs`
// (a declaration such as `auto x` or an lvalue), on failure returns the error.
// `lhs` is a declaration and `tmp` a name: neither can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define KRAY_TRY_ASSIGN(lhs, expr) \
  KRAY_TRY_ASSIGN_IMPL(KRAY_CONCAT(kray_try_r_, __LINE__), lhs, expr)
#define KRAY_TRY_ASSIGN_IMPL(tmp, lhs, expr)       \
  auto&& tmp = (expr);                             \
  if (!tmp) {                                      \
    return tl::unexpected(std::move(tmp).error()); \
  }                                                \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
