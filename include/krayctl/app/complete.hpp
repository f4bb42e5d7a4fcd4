// SPDX-License-Identifier: Apache-2.0
// Shell completion from the cluster, as kubectl offers it: the names of
// the objects of a type, and the namespaces. One short request each;
// nothing at all when offline, unauthorized or slow (a completion must
// never print an error into the user's command line, nor hang it).
#pragma once

#include <krayctl/app/connection.hpp>
#include <krayctl/app/deps.hpp>
#include <krayctl/app/kubeconfig.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace kray::app {

inline constexpr std::chrono::milliseconds k_completion_timeout{2000};

// The names of the objects of `type` (any word app/targets.hpp reads:
// rayjob, rayjobs, rayjob.ray.io, po ...) in the namespace the options
// resolve to, sorted; empty on any failure.
std::vector<std::string> complete_names(const std::string& type,
                                        const KubeconfigOptions& kubeconfig,
                                        const Deps& deps,
                                        const TransportFactory& transport = {});

// The namespaces of the cluster, sorted; empty on any failure (a user who
// may not list them gets nothing, not an error).
std::vector<std::string> complete_namespaces(const KubeconfigOptions& kubeconfig,
                                             const Deps& deps,
                                             const TransportFactory& transport = {});

}  // namespace kray::app
