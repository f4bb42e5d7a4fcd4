// SPDX-License-Identifier: Apache-2.0
// What the API server's admission of a write shares between the checks of
// the core kinds (validation.hpp) and of the custom resources
// (crd_schema.hpp): the `fieldValidation` query parameter and the warnings a
// write collects for the `Warning` response header.
#pragma once

#include <string>
#include <vector>

namespace fakekube {

// The `fieldValidation` query parameter of POST, PUT and PATCH
// (Kubernetes API Concepts, "Field validation"): Ignore drops unknown and
// duplicate fields silently, Warn (the server's default when the parameter
// is absent) drops them with one `Warning` header each, Strict refuses the
// write with 400 BadRequest naming them.
enum class FieldValidation { ignore, warn, strict };

struct Admission {
  FieldValidation field_validation = FieldValidation::warn;
  std::vector<std::string> warnings;  // each one a `Warning: 299 - "..."` header
};

}  // namespace fakekube
