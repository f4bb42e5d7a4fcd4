// SPDX-License-Identifier: Apache-2.0
// The resources krayctl knows: Kubernetes' own (kube::builtin_resources)
// and KubeRay's custom resources, which kube/ does not know; and the words
// for KubeRay's API when the cluster does not serve it.
#pragma once

#include <krayctl/kube/resources.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kray::app {

// Kubernetes' kinds, then KubeRay v1.6.2's four (their CRDs declare no
// short names).
const std::vector<kube::KnownResource>& known_resources();

// The resource of `kind` in `api_version`, or nullopt when krayctl does not
// know it.
std::optional<kube::ResourceRef> known_resource(const std::string& api_version,
                                                const std::string& kind);

// What to tell the user when the API server does not serve `resource` in
// `group_version` (kube::Client::set_missing_api_words): for ray.io, that
// the KubeRay CRDs are not installed and how to install them; nullopt for
// other groups (the client's own words). `resource` is "" when discovery
// could not tell which resources are served.
std::optional<std::string> missing_api_words(const std::string& group_version,
                                             const std::string& resource);

}  // namespace kray::app
