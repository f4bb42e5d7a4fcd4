// SPDX-License-Identifier: Apache-2.0
// `krayctl submit`: validate a RayJob (a compact spec or a manifest), apply
// it, follow it to its end with its driver log on stdout and its progress
// and every stall on stderr, and exit with the job's result
// (docs/commands.md, docs/ci.md).
#pragma once

#include <krayctl/app/apply.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace kray::app {

struct SubmitOptions {
  std::vector<std::string> inputs;  // the RayJob's file, and any objects it needs
  std::vector<std::string> sets;
  std::vector<std::string> set_strings;
  std::vector<std::string> disable;
  // How long to wait for the job's end (0: no limit): exit 3 past it, the
  // job left running.
  std::chrono::milliseconds timeout{0};
  bool logs = true;                  // --no-logs: no driver log
  bool cancel_on_interrupt = false;  // Ctrl-C deletes the RayJob (and its cluster)
  std::string name_suffix;           // "" (none), "auto", or a suffix: NAME-SUFFIX
  std::string output = "text";       // text, or json: one summary object on stdout at the end
  // text: the driver log as written; json: one object per log line,
  // {"time": RFC 3339, "source": "pod/P/C" or "ray-job/ID", "line": "..."}.
  std::string log_format = "text";
  std::string junit;  // a JUnit XML report to write, "" for none
  bool force_conflicts = false;
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
  // Seen for this long, a problem that passes while a cluster starts (an
  // init container waiting for the GCS, a readiness probe) is reported.
  std::chrono::milliseconds settle_grace{20'000};
  // No status this long after the apply: the KubeRay operator is named as
  // the likely cause (the wait goes on).
  std::chrono::milliseconds operator_grace{30'000};
  // A problem waiting cannot cure (an image that cannot be pulled, a
  // missing Secret, a crash loop, OOMKilled) ends the wait with exit 1
  // once it lasted this long (0: never; the wait then runs to --timeout).
  std::chrono::milliseconds fail_fast_after{60'000};
  // After the RayJob finished, how long its log may take to end.
  std::chrono::milliseconds log_grace{10'000};
  // --cancel-on-interrupt: how long to wait for the RayJob to be gone.
  std::chrono::milliseconds cancel_wait{60'000};
};

// Exit status by ErrorCode: success when the Ray job SUCCEEDED;
// workload_failed (1) for FAILED, STOPPED, ValidationFailed,
// SubmissionFailed, retries exhausted, or a problem waiting cannot cure;
// timeout (3); the API's codes (4); interrupted (130).
[[nodiscard]] Result<void> run_submit(const SubmitOptions& options, const Deps& deps);

}  // namespace kray::app
