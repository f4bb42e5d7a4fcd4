// SPDX-License-Identifier: Apache-2.0
// `krayctl stop rayjob/NAME`: stops a RayJob the way its settings allow,
// and says which (docs/commands.md).
//   suspend  spec.suspend: true (a JSON merge patch). KubeRay deletes the
//            RayCluster and the submitter, keeps the RayJob (Suspended);
//            it runs again, from the start, when suspend is false.
//   delete   the RayJob, Background: KubeRay stops the Ray job (its
//            finalizer), its RayCluster goes with it (owner reference).
// Suspend is chosen when KubeRay allows it (shutdownAfterJobFinishes true,
// no clusterSelector; rayjob validation in utils/validation.go) and no
// Kueue queue owns spec.suspend; otherwise, or with --delete, delete.
#pragma once

#include <krayctl/app/connection.hpp>
#include <krayctl/app/deps.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/util/error.hpp>

#include <chrono>
#include <string>

namespace kray::app {

struct StopOptions {
  std::string target;                    // rayjob/NAME
  bool remove = false;                   // --delete: delete even when it could be suspended
  bool force = false;                    // a RayJob krayctl did not create
  bool wait = false;                     // until Suspended, or gone
  std::chrono::milliseconds timeout{0};  // of --wait; 0: no limit
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
};

// One line on stdout: what was done and why. A finished RayJob is left as
// it is (exit 0, said so); one krayctl did not create is refused (exit 2)
// without --force.
[[nodiscard]] Result<void> run_stop(const StopOptions& options, const Deps& deps);

}  // namespace kray::app
