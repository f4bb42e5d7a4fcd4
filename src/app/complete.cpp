// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/complete.hpp>

#include <krayctl/app/targets.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/transport.hpp>

#include <algorithm>

namespace kray::app {

namespace {

using core::Json;

// One GET, no retries, a short timeout; the names of its items.
std::vector<std::string> names_at(const std::string& path,
                                  const kube::ResolvedConfig& resolved,
                                  const Deps& deps,
                                  const TransportFactory& factory) {
  auto connection = make_connection(deps, resolved, 0, deadline_after(deps, k_completion_timeout));
  if (!connection) {
    return {};
  }
  auto transport =
      factory ? factory(std::move(*connection)) : kube::make_curl_transport(std::move(*connection));
  kube::HttpRequest get;
  get.path = path + "?limit=500";
  get.timeout = k_completion_timeout;
  auto answer = transport->send(get);
  if (!answer || answer->status != 200) {
    return {};
  }
  // Nested past the limit: no names (a completion never fails loudly).
  const auto parsed = kube::parse_server_json(answer->body, "GET " + path);
  if (!parsed) {
    return {};
  }
  const Json& list = *parsed;
  std::vector<std::string> out;
  if (list.is_object() && list.contains("items") && list["items"].is_array()) {
    for (const auto& item : list["items"]) {
      const std::string name = string_at(item, "metadata", "name");
      if (!name.empty()) {
        out.push_back(name);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> complete_names(const std::string& type,
                                        const KubeconfigOptions& kubeconfig,
                                        const Deps& deps,
                                        const TransportFactory& transport) {
  const auto ref = resource_for_type(type);
  if (!ref) {
    return {};
  }
  auto resolved = resolve_kubeconfig(deps, kubeconfig);
  if (!resolved) {
    return {};
  }
  return names_at(kube::resource_path(*ref, resolved->namespace_), *resolved, deps, transport);
}

std::vector<std::string> complete_namespaces(const KubeconfigOptions& kubeconfig,
                                             const Deps& deps,
                                             const TransportFactory& transport) {
  auto resolved = resolve_kubeconfig(deps, kubeconfig);
  if (!resolved) {
    return {};
  }
  return names_at("/api/v1/namespaces", *resolved, deps, transport);
}

}  // namespace kray::app
