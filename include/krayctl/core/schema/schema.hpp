// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/yaml/json.hpp>

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

// Resolves a local `$ref` ("#/definitions/d7", URI-encoded as JSON Schema
// says) against `root`; nullptr for other refs or a missing target.
const SchemaJson* resolve_local_ref(const SchemaJson& root, const std::string& ref);

// Returns `schema`, or what its chain of `$ref`s leads to (at most 32 hops).
const SchemaJson& follow_refs(const SchemaJson& root, const SchemaJson& schema);

enum class SchemaDialect {
  // Plain JSON Schema: keys not named by `properties` are allowed unless
  // `additionalProperties` says otherwise.
  json_schema,
  // A Kubernetes structural schema (CRD openAPIV3Schema), checked as the API
  // server checks it with fieldValidation=Strict: a key that neither
  // `properties` nor `additionalProperties` allows is an "unknown field"
  // unless x-kubernetes-preserve-unknown-fields is set
  // (x-kubernetes-embedded-resource allows apiVersion, kind and metadata);
  // x-kubernetes-list-type `set` and `map` (with x-kubernetes-list-map-keys)
  // lists must not repeat an item or a key.
  kubernetes,
};

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
  // Validates against `schema`, which must outlive the validator...
  explicit SchemaValidator(const SchemaJson& schema,
                           SchemaDialect dialect = SchemaDialect::json_schema);
  // ... or against its own copy (an ordered Json converts to one).
  explicit SchemaValidator(SchemaJson&& schema, SchemaDialect dialect = SchemaDialect::json_schema);
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  void add_format(const std::string& name, FormatCheck check);

  // Checks `pattern` with `matches` (which must accept exactly what the
  // regular expression does) instead of std::regex, and says what it means
  // in messages: "'5GG' is not a Kubernetes quantity (...)".
  void name_pattern(std::string_view pattern,
                    std::string description,
                    std::function<bool(std::string_view)> matches);

  // Prepares `instance` as the API server does before validating a custom
  // resource: drops null values of fields not marked `nullable`, then fills
  // absent fields that have a `default` (recursively, into defaulted
  // objects too). Appends the pointer of each defaulted field to
  // `defaulted` when given. Only `properties`, `additionalProperties` and
  // `items` are followed, as in a structural schema.
  void default_and_prune(Json& instance, std::vector<std::string>* defaulted = nullptr) const;

  // Appends every violation of `instance` to `out`, in document order.
  void validate(const Json& instance,
                std::vector<SchemaViolation>& out,
                const RawScalarLookup& raw = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace kray::core
