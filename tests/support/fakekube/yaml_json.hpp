// SPDX-License-Identifier: Apache-2.0
// YAML request bodies (application/yaml, application/apply-patch+yaml) and
// scenario files as JSON, with YAML 1.2 core-schema scalars: plain `true`,
// `false`, `null`, `~`, integers and floats are typed; quoted scalars stay
// strings.
#pragma once

#include "store.hpp"

#include <string>

namespace fakekube {

// One document; 400 BadRequest with the parser's line and column on error.
Result<Json> parse_yaml(const std::string& text);

}  // namespace fakekube
