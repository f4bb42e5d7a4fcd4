// SPDX-License-Identifier: Apache-2.0
// `krayctl status [KIND/NAME] [-A] [-o table|json|yaml]`: the KubeRay
// objects of a namespace (or all) as one table; one object in detail.
#pragma once

#include <krayctl/app/apply.hpp>

#include <string>

namespace kray::app {

struct StatusOptions {
  std::string target;  // "" for the table; KIND/NAME for one object
  bool all_namespaces = false;
  std::string output = "table";  // table, json, yaml
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
};

[[nodiscard]] Result<void> run_status(const StatusOptions& options, const Deps& deps);

}  // namespace kray::app
