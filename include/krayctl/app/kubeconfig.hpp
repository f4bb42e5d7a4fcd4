// SPDX-License-Identifier: Apache-2.0
// Finding, reading and resolving the kubeconfig as kubectl does
// (kube/kubeconfig.hpp has the rules; this adds the files and the
// environment): --kubeconfig, else KUBECONFIG, else ~/.kube/config, else the
// in-cluster service account.
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/kube/kubeconfig.hpp>
#include <krayctl/util/error.hpp>

#include <string>
#include <vector>

namespace kray::app {

struct KubeconfigOptions {
  std::string kubeconfig;  // --kubeconfig
  kube::Overrides overrides;
  int verbosity = 0;  // -v: request traces (make_connection)
};

// The merged configuration and the files it came from.
struct LoadedKubeconfig {
  kube::Kubeconfig merged;
  std::vector<std::string> files;  // absolute paths, in merge order
  bool in_cluster = false;
};

// Reads and merges the kubeconfig files. A missing --kubeconfig file is an
// error; missing KUBECONFIG entries are skipped. With no file at all and
// the in-cluster variables set (KUBERNETES_SERVICE_HOST/PORT and the
// service-account token), the in-cluster configuration.
[[nodiscard]] Result<LoadedKubeconfig> load_kubeconfig(const Deps& deps,
                                                       const KubeconfigOptions& options);

// load_kubeconfig, then kube::resolve with the overrides.
[[nodiscard]] Result<kube::ResolvedConfig> resolve_kubeconfig(const Deps& deps,
                                                              const KubeconfigOptions& options);

// The service-account directory of in-cluster configuration.
inline constexpr const char* k_service_account_dir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

}  // namespace kray::app
