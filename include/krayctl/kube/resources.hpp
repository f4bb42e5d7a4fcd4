// SPDX-License-Identifier: Apache-2.0
// The REST paths of the kinds krayctl writes, without a discovery round
// trip (a CLI needs only a handful, so they are hard-coded).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kray::kube {

struct ResourceRef {
  std::string group;    // "" for core
  std::string version;  // "v1"
  std::string plural;   // "rayclusters"
  std::string kind;     // "RayCluster"
  bool namespaced = true;
};

// The resource of `kind` in `api_version`, or nullopt when krayctl does not
// know it.
std::optional<ResourceRef> known_resource(const std::string& api_version, const std::string& kind);

// Every resource known_resource knows, with its short name ("po"; "" for
// none), for the names users type.
struct KnownResource {
  ResourceRef ref;
  std::string short_name;
};
std::vector<KnownResource> known_resources();

// "/apis/ray.io/v1/namespaces/ml/rayclusters[/name]", "/api/v1/nodes[/name]".
std::string resource_path(const ResourceRef& ref,
                          const std::string& ns,
                          const std::string& name = "");

// How kubectl names an object in its output: "raycluster.ray.io/train",
// "configmap/settings", "job.batch/train".
std::string display_name(const ResourceRef& ref, const std::string& name);

}  // namespace kray::kube
