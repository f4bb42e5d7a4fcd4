// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/resources.hpp>

#include <krayctl/util/strings.hpp>

#include <array>

namespace kray::kube {

namespace {

struct Known {
  const char* group;
  const char* plural;
  const char* kind;
  bool namespaced;
  const char* short_name;  // as the API server's discovery declares it; nullptr for none
};

// Short names as Kubernetes declares them (kubectl api-resources); the
// KubeRay v1.6.2 CRDs declare none.
constexpr std::array<Known, 15> k_known = {{
    {"", "pods", "Pod", true, "po"},
    {"", "services", "Service", true, "svc"},
    {"", "configmaps", "ConfigMap", true, "cm"},
    {"", "secrets", "Secret", true, nullptr},
    {"", "serviceaccounts", "ServiceAccount", true, "sa"},
    {"", "persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc"},
    {"", "events", "Event", true, "ev"},
    {"", "namespaces", "Namespace", false, "ns"},
    {"", "nodes", "Node", false, "no"},
    {"batch", "jobs", "Job", true, nullptr},
    {"apps", "deployments", "Deployment", true, "deploy"},
    {"ray.io", "rayclusters", "RayCluster", true, nullptr},
    {"ray.io", "rayjobs", "RayJob", true, nullptr},
    {"ray.io", "rayservices", "RayService", true, nullptr},
    {"ray.io", "raycronjobs", "RayCronJob", true, nullptr},
}};

}  // namespace

std::optional<ResourceRef> known_resource(const std::string& api_version, const std::string& kind) {
  const auto slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version =
      slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  if (version != "v1") {
    return std::nullopt;
  }
  for (const auto& k : k_known) {
    if (group == k.group && kind == k.kind) {
      return ResourceRef{group, version, k.plural, k.kind, k.namespaced};
    }
  }
  return std::nullopt;
}

std::string resource_path(const ResourceRef& ref, const std::string& ns, const std::string& name) {
  std::string path =
      ref.group.empty() ? "/api/" + ref.version : "/apis/" + ref.group + "/" + ref.version;
  if (ref.namespaced && !ns.empty()) {
    path += "/namespaces/" + ns;
  }
  path += "/" + ref.plural;
  if (!name.empty()) {
    path += "/" + name;
  }
  return path;
}

std::vector<KnownResource> known_resources() {
  std::vector<KnownResource> out;
  for (const auto& k : k_known) {
    const std::string group = k.group;
    out.push_back({ResourceRef{group, "v1", k.plural, k.kind, k.namespaced},
                   k.short_name != nullptr ? k.short_name : ""});
  }
  return out;
}

std::string display_name(const ResourceRef& ref, const std::string& name) {
  return util::to_lower(ref.kind) + (ref.group.empty() ? "" : "." + ref.group) + "/" + name;
}

}  // namespace kray::kube
