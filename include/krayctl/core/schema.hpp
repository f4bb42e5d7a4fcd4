// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kray::core {

// What kind of rule a violation broke, for callers that treat them apart.
enum class ViolationKind { type, unknown_key, required, value };

// One way an instance fails a schema. `pointer` names the offending node
// (for `unknown_key` and `required`, the key that is wrong or the mapping
// that lacks it; report those at the key's position).
struct SchemaViolation {
  ViolationKind kind = ViolationKind::value;
  std::string pointer;
  std::string message;
};

// Checks a string or number against a named `format`; returns the complaint
// ("must be a DNS-1035 label: ...") or nullopt when the value is fine.
using FormatCheck = std::function<std::optional<std::string>(const Json&)>;

// Returns the YAML text of a plain scalar at `pointer` when YAML 1.1 read it
// as a non-string (`on`, `08`), else "". Lets type errors explain themselves.
using RawScalarLookup = std::function<std::string(const std::string& pointer)>;

// A JSON Schema (draft-07 keywords, with draft-04's boolean
// exclusiveMinimum/Maximum) that validates instances. Supported keywords:
// $ref (local: "#/definitions/x", "#/$defs/x"), type, enum, const,
// properties, additionalProperties, patternProperties, propertyNames,
// required, minProperties, maxProperties, items, minItems, maxItems,
// uniqueItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
// multipleOf, minLength, maxLength, pattern, allOf, anyOf, oneOf, not,
// format (checks registered with `add_format`; unknown formats pass).
// "integer" accepts integral floats (1.0), as Kubernetes does.
class SchemaValidator {
 public:
  // `schema` must outlive the validator.
  explicit SchemaValidator(const Json& schema);
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  void add_format(const std::string& name, FormatCheck check);

  // Appends every violation of `instance` to `out`, in document order.
  void validate(const Json& instance,
                std::vector<SchemaViolation>& out,
                const RawScalarLookup& raw = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace kray::core
