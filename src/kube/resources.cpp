// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/resources.hpp>

#include <krayctl/util/strings.hpp>

namespace kray::kube {

const std::vector<KnownResource>& builtin_resources() {
  // Short names as Kubernetes declares them (kubectl api-resources).
  static const std::vector<KnownResource> k_builtin = {
      {{"", "v1", "pods", "Pod", true}, "po"},
      {{"", "v1", "services", "Service", true}, "svc"},
      {{"", "v1", "configmaps", "ConfigMap", true}, "cm"},
      {{"", "v1", "secrets", "Secret", true}, ""},
      {{"", "v1", "serviceaccounts", "ServiceAccount", true}, "sa"},
      {{"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true}, "pvc"},
      {{"", "v1", "events", "Event", true}, "ev"},
      {{"", "v1", "namespaces", "Namespace", false}, "ns"},
      {{"", "v1", "nodes", "Node", false}, "no"},
      {{"batch", "v1", "jobs", "Job", true}, ""},
      {{"apps", "v1", "deployments", "Deployment", true}, "deploy"},
  };
  return k_builtin;
}

std::optional<ResourceRef> find_resource(const std::vector<KnownResource>& table,
                                         const std::string& api_version,
                                         const std::string& kind) {
  const auto slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version =
      slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  for (const auto& k : table) {
    if (group == k.ref.group && version == k.ref.version && kind == k.ref.kind) {
      return k.ref;
    }
  }
  return std::nullopt;
}

std::vector<std::string> resource_words(const KnownResource& resource) {
  const ResourceRef& ref = resource.ref;
  const std::string kind = util::to_lower(ref.kind);
  std::vector<std::string> out = {kind, ref.plural};
  if (!ref.group.empty()) {
    for (const std::string& base : {kind, ref.plural}) {
      out.push_back(base + "." + ref.group);
      out.push_back(base + "." + ref.version + "." + ref.group);
    }
  }
  if (!resource.short_name.empty()) {
    out.push_back(resource.short_name);
  }
  return out;
}

std::optional<ResourceRef> resource_for_word(const std::vector<KnownResource>& table,
                                             const std::string& word) {
  const std::string w = util::to_lower(word);
  for (const auto& r : table) {
    for (const auto& candidate : resource_words(r)) {
      if (candidate == w) {
        return r.ref;
      }
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
