// SPDX-License-Identifier: Apache-2.0
// YAML request bodies (application/yaml, application/apply-patch+yaml) and
// scenario files as JSON, with plain scalars typed as the API server types
// them (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1: `on` is true, `010` is
// 8); quoted scalars stay strings.
#pragma once

#include "store.hpp"

#include <string>

namespace fakekube {

// One document; 400 BadRequest with the parser's line and column on error.
Result<Json> parse_yaml(const std::string& text);

}  // namespace fakekube
