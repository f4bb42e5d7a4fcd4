// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/kubeconfig.hpp>

#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/util/strings.hpp>

namespace kray::app {

namespace {

// client-go's InClusterConfig: the service host and port from the
// environment, the CA and the token from the service-account directory.
std::optional<kube::Kubeconfig> in_cluster(const Deps& deps) {
  const auto host = deps.env.get("KUBERNETES_SERVICE_HOST");
  const auto port = deps.env.get("KUBERNETES_SERVICE_PORT");
  const std::string dir = k_service_account_dir;
  if (!host || !port || host->empty() || port->empty() || !deps.fs.exists(dir + "/token") ||
      deps.fs.is_directory(dir + "/token")) {
    return std::nullopt;
  }
  kube::Kubeconfig config;
  kube::ClusterEntry cluster;
  const bool ipv6 = host->find(':') != std::string::npos;
  cluster.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  cluster.certificate_authority = dir + "/ca.crt";
  cluster.origin = "in-cluster";
  kube::UserEntry user;
  user.token_file = dir + "/token";  // re-read while krayctl runs, as client-go does
  user.origin = "in-cluster";
  std::string ns = deps.env.get("POD_NAMESPACE").value_or("");
  if (ns.empty()) {
    if (auto text = deps.fs.read_file(dir + "/namespace", io::k_credential_file_limit)) {
      ns = std::string(util::trim(*text));
    }
  }
  config.clusters["in-cluster"] = cluster;
  config.users["in-cluster"] = user;
  config.contexts["in-cluster"] = {"in-cluster", "in-cluster", ns, "in-cluster"};
  config.current_context = "in-cluster";
  return config;
}

}  // namespace

Result<LoadedKubeconfig> load_kubeconfig(const Deps& deps, const KubeconfigOptions& options) {
  const auto search =
      kube::kubeconfig_paths(options.kubeconfig, deps.env.get("KUBECONFIG"), deps.env.get("HOME"));
  LoadedKubeconfig loaded;
  std::vector<kube::Kubeconfig> configs;
  for (const auto& path : search.paths) {
    const std::string abs = deps.fs.absolute(path);
    if (!deps.fs.exists(abs)) {
      if (search.explicit_file) {
        return make_error(ErrorCode::config, "kubeconfig " + path + ": no such file");
      }
      continue;  // a KUBECONFIG entry that does not exist is skipped
    }
    auto text = deps.fs.read_file(abs, io::k_credential_file_limit);
    if (!text) {
      Error e = std::move(text).error();
      e.code = ErrorCode::config;
      return tl::unexpected(std::move(e));
    }
    auto parsed = kube::parse_kubeconfig(abs, *text);
    if (!parsed) {
      return tl::unexpected(std::move(parsed).error());
    }
    configs.push_back(std::move(*parsed));
    loaded.files.push_back(abs);
  }
  if (configs.empty() && options.kubeconfig.empty()) {
    if (auto cluster = in_cluster(deps)) {
      loaded.merged = std::move(*cluster);
      loaded.in_cluster = true;
      return loaded;
    }
  }
  loaded.merged = kube::merge(configs);
  return loaded;
}

Result<kube::ResolvedConfig> resolve_kubeconfig(const Deps& deps,
                                                const KubeconfigOptions& options) {
  auto loaded = load_kubeconfig(deps, options);
  if (!loaded) {
    return tl::unexpected(std::move(loaded).error());
  }
  return kube::resolve(loaded->merged, options.overrides);
}

}  // namespace kray::app
