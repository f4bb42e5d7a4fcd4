// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/resources.hpp>

namespace kray::app {

namespace {

// What to do without the CRDs. Local mode (krayctl creating the Pods, no
// operator) is not built yet, so it is not offered.
constexpr const char* k_install_operator =
    "install the KubeRay operator (Helm chart kuberay-operator 1.6.2)";

}  // namespace

const std::vector<kube::KnownResource>& known_resources() {
  static const std::vector<kube::KnownResource> k_known = [] {
    std::vector<kube::KnownResource> all = kube::builtin_resources();
    for (const auto& [plural, kind] :
         {std::pair<const char*, const char*>{"rayclusters", "RayCluster"},
          {"rayjobs", "RayJob"},
          {"rayservices", "RayService"},
          {"raycronjobs", "RayCronJob"}}) {
      all.push_back({kube::ResourceRef{"ray.io", "v1", plural, kind, true}, ""});
    }
    return all;
  }();
  return k_known;
}

std::optional<kube::ResourceRef> known_resource(const std::string& api_version,
                                                const std::string& kind) {
  return kube::find_resource(known_resources(), api_version, kind);
}

std::optional<std::string> missing_api_words(const std::string& group_version,
                                             const std::string& resource) {
  if (group_version.rfind("ray.io/", 0) != 0) {
    return std::nullopt;
  }
  return "the KubeRay CRDs are not installed (the API server does not serve " +
         (resource.empty() ? group_version : resource + " in " + group_version) +
         "): " + k_install_operator;
}

}  // namespace kray::app
