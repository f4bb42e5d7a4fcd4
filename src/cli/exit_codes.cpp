// SPDX-License-Identifier: Apache-2.0
#include <krayctl/cli/exit_codes.hpp>

namespace kray::cli {

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::workload_failed:
    case ErrorCode::check_failed:
      return k_exit_workload_failed;
    case ErrorCode::usage:
    case ErrorCode::invalid_spec:
    case ErrorCode::io:
      return k_exit_usage;
    case ErrorCode::timeout:
      return k_exit_timeout;
    case ErrorCode::not_found:
    case ErrorCode::not_installed:  // a 404 before not_installed existed: the same exit
    case ErrorCode::config:
    case ErrorCode::http:
    case ErrorCode::unreachable:
    case ErrorCode::bad_answer:
    case ErrorCode::unauthorized:
    case ErrorCode::forbidden:
    case ErrorCode::conflict:
    case ErrorCode::field_conflict:
    case ErrorCode::gone:
      return k_exit_cluster;
    case ErrorCode::interrupted:
      return k_exit_interrupted;
    case ErrorCode::internal:
      return k_exit_internal;
  }
  return k_exit_internal;
}

}  // namespace kray::cli
