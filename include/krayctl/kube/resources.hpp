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
  std::string plural;   // "deployments"
  std::string kind;     // "Deployment"
  bool namespaced = true;
};

// A resource with its short name ("po"; "" for none), for the names users
// type.
struct KnownResource {
  ResourceRef ref;
  std::string short_name;
};

// Kubernetes' own kinds that krayctl reads or writes. kube/ knows no
// others: an application adds its custom resources (app/resources.hpp).
const std::vector<KnownResource>& builtin_resources();

// The resource of `kind` in `api_version` in `table`, or nullopt.
std::optional<ResourceRef> find_resource(const std::vector<KnownResource>& table,
                                         const std::string& api_version,
                                         const std::string& kind);

// The words that name a resource, lower case, as kubectl takes them: its
// kind, its plural, either with `.group` or `.version.group`, and its
// short name.
std::vector<std::string> resource_words(const KnownResource& resource);

// The resource in `table` that `word` (any case) names, or nullopt.
std::optional<ResourceRef> resource_for_word(const std::vector<KnownResource>& table,
                                             const std::string& word);

// "/apis/batch/v1/namespaces/ml/jobs[/name]", "/api/v1/nodes[/name]".
std::string resource_path(const ResourceRef& ref,
                          const std::string& ns,
                          const std::string& name = "");

// How kubectl names an object in its output: "configmap/settings",
// "job.batch/train".
std::string display_name(const ResourceRef& ref, const std::string& name);

}  // namespace kray::kube
