// SPDX-License-Identifier: Apache-2.0
// `krayctl delete`: deletes what krayctl manages, nothing else unless
// --force: nothing krayctl did not create is ever deleted.
#pragma once

#include <krayctl/app/apply.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace kray::app {

struct DeleteOptions {
  std::vector<std::string> targets;  // KIND/NAME (raycluster/train, rayjob/x, pod/p)
  std::vector<std::string> files;    // -f: specs and manifests, as apply reads them
  bool wait = false;                 // until the objects are gone (a watch)
  bool force = false;                // also objects krayctl did not create
  bool ignore_not_found = false;
  std::chrono::milliseconds timeout{600'000};
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
};

// Whether krayctl created `object`: its label app.kubernetes.io/managed-by
// is krayctl, or krayctl is one of its field managers.
bool managed_by_krayctl(const core::Json& object);

// Prints "raycluster.ray.io/train deleted" per object. An object without
// krayctl's label (app.kubernetes.io/managed-by=krayctl) and without its
// field manager is refused (exit 2) unless `force`; refusals are checked
// for every target before anything is deleted.
[[nodiscard]] Result<void> run_delete(const DeleteOptions& options, const Deps& deps);

}  // namespace kray::app
