// SPDX-License-Identifier: Apache-2.0
// `krayctl wait KIND/NAME --for=ready|complete|deleted`: the condition
// scripts wait for, read from the one status model (core::workload_status)
// on a watch (kube::wait_for), with submit's exit codes: 0 when it holds,
// 1 when the object failed instead (it will not get there), 3 past
// --timeout, 4 for the API, 130 on Ctrl-C.
#pragma once

#include <krayctl/app/connection.hpp>
#include <krayctl/app/deps.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/util/error.hpp>

#include <chrono>
#include <string>

namespace kray::app {

struct WaitOptions {
  std::string target;                    // KIND/NAME: a RayCluster, RayJob or RayService
  std::string condition;                 // ready, complete (RayJob only), deleted
  std::chrono::milliseconds timeout{0};  // 0: no limit
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
};

// Prints one line when the condition holds ("rayjob/train complete
// (SUCCEEDED)"), or the reason it never will.
[[nodiscard]] Result<void> run_wait(const WaitOptions& options, const Deps& deps);

// The wait itself, on a session a command has open (apply --wait, stop
// --wait; the latter's "suspended": a RayJob Suspended): the line to
// print when `condition` holds for KIND `kind` NAME in `ns`, or
// the Error run_wait returns.
[[nodiscard]] Result<std::string> wait_for_object(const Deps& deps,
                                                  Session& session,
                                                  const std::string& kind,
                                                  const std::string& ns,
                                                  const std::string& name,
                                                  const std::string& condition,
                                                  Deadline deadline);

}  // namespace kray::app
