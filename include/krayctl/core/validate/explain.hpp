// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/util/error.hpp>

#include <string>
#include <string_view>

namespace kray::core {

// Describes a field of a KubeRay kind from its compiled-in CRD schema, like
// `kubectl explain`, offline: `path` is KIND[.field...]
// ("RayCluster.spec.workerGroupSpecs"; the kind in any case, singular or
// plural). Lists the field's type and its sub-fields with their types,
// `-required-`, defaults and enum values; with `recursive`, the whole tree
// below. The KubeRay v1.6.2 CRDs ship without descriptions, so there are
// none to show. Fails with ErrorCode::usage for an unknown kind or field
// (with "did you mean").
[[nodiscard]] Result<std::string> explain(std::string_view path, bool recursive);

}  // namespace kray::core
