// SPDX-License-Identifier: Apache-2.0
// `krayctl status [KIND/NAME] [-A] [-o table|json|yaml] [--watch]`: the
// KubeRay objects of a namespace (or all) as one table; one object in
// detail. --watch follows the table from watch streams only: redrawn on a
// terminal, one line per changed row otherwise (-o json: one JSON object
// per line).
#pragma once

#include <krayctl/app/apply.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace kray::app {

struct StatusOptions {
  // None for the table; a kind for its rows (rayjobs); one object in
  // detail (rayjob/x, rayjob.ray.io/x, rayjob x), as app/targets.hpp reads them.
  std::vector<std::string> targets;
  bool all_namespaces = false;
  std::string output = "table";  // table, json, yaml
  bool watch = false;
  // --watch ends after this long (0: when interrupted), when `stop` is set
  // (tests), or, following one object, when it reaches a final state (a
  // RayJob Complete, Failed or ValidationFailed). Exit status as without
  // --watch, from the rows at the end.
  std::chrono::milliseconds watch_for{0};
  // Without --watch: how long the whole command may take, retries and
  // their waits included (--timeout; 0: no limit).
  std::chrono::milliseconds timeout{600'000};
  const std::atomic<bool>* stop = nullptr;
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
};

[[nodiscard]] Result<void> run_status(const StatusOptions& options, const Deps& deps);

}  // namespace kray::app
