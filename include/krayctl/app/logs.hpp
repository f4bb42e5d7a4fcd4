// SPDX-License-Identifier: Apache-2.0
// `krayctl logs`: the driver log of a RayJob, where its submission mode
// puts it, and the Ray containers' logs of a RayCluster (docs/commands.md).
//   logs rayjob/NAME [-f] [--attempt N] [--tail N]
//   logs raycluster/NAME [-f] [--group G | --all] [--tail N]
#pragma once

#include <krayctl/app/connection.hpp>
#include <krayctl/app/deps.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/util/error.hpp>

#include <optional>
#include <string>

namespace kray::app {

struct LogsOptions {
  std::string target;  // rayjob/NAME or raycluster/NAME (the forms status takes)
  // Follow. A RayJob: each submitter attempt in turn until the job has
  // finished and its log ended; a RayCluster: the Pods chosen, until
  // every one's container stops.
  bool follow = false;
  int attempt = 0;           // a RayJob in K8sJobMode: the Nth submitter Pod (0: each)
  std::string group;         // a RayCluster: the Pods of this worker group
  bool all = false;          // a RayCluster: every Pod, head first
  std::optional<long> tail;  // the last N lines of each container's log
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
};

// The log text on stdout, as the container wrote it; more than one Pod:
// each line prefixed "[pod/NAME/CONTAINER] " as kubectl logs --prefix
// does. Which log is shown ("log of pod/... (container ...), submitter
// attempt 2 of 3") goes to stderr. A log that cannot be read (not started
// yet, the Pod gone) is an Error that says why.
[[nodiscard]] Result<void> run_logs(const LogsOptions& options, const Deps& deps);

}  // namespace kray::app
