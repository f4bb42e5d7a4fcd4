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
};

constexpr std::array<Known, 15> k_known = {{
    {"", "pods", "Pod", true},
    {"", "services", "Service", true},
    {"", "configmaps", "ConfigMap", true},
    {"", "secrets", "Secret", true},
    {"", "serviceaccounts", "ServiceAccount", true},
    {"", "persistentvolumeclaims", "PersistentVolumeClaim", true},
    {"", "events", "Event", true},
    {"", "namespaces", "Namespace", false},
    {"", "nodes", "Node", false},
    {"batch", "jobs", "Job", true},
    {"apps", "deployments", "Deployment", true},
    {"ray.io", "rayclusters", "RayCluster", true},
    {"ray.io", "rayjobs", "RayJob", true},
    {"ray.io", "rayservices", "RayService", true},
    {"ray.io", "raycronjobs", "RayCronJob", true},
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

std::string display_name(const ResourceRef& ref, const std::string& name) {
  return util::to_lower(ref.kind) + (ref.group.empty() ? "" : "." + ref.group) + "/" + name;
}

}  // namespace kray::kube
