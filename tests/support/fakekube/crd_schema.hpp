// SPDX-License-Identifier: Apache-2.0
// Custom resources as apiextensions-apiserver admits them: the served
// version's OpenAPI v3 structural schema of the KubeRay v1.6.2 CRDs
// (embedded at build time from tests/data/kuberay-v1.6.2/crds) prunes
// unknown fields and validates each write, with kube-apiserver's wording
// (v1.31, the version fakekube reports: apimachinery v0.31's field errors).
//
// What is done, after the upstream code it follows (apiextensions-apiserver
// and kube-openapi; read for the facts, not copied):
// - decoding (pkg/apiserver/customresource_handler.go,
//   unstructuredSchemaCoercer.apply; schema/pruning/algorithm.go): fields the
//   schema does not declare are dropped, unknown metadata fields too; with
//   fieldValidation Strict the write fails with 400 `strict decoding error:
//   unknown field "spec.foo", ...`, with Warn (the default) each one is a
//   warning `unknown field "spec.foo"`; nulls in non-nullable fields are
//   dropped (schema/defaulting/prunenulls.go);
// - defaulting (schema/defaulting/algorithm.go): a missing field, or a null
//   one, with a `default` gets it, before validation (so a required field
//   with a default, as workerGroupSpecs[].minReplicas, may be left out) and
//   in what is stored;
// - validation (kube-openapi pkg/validation/validate, turned into field errors
//   by pkg/apiserver/validation/validation.go: kubeOpenAPIResultToFieldErrors):
//   type (an integral number is an integer), nullable, format int32/int64
//   ranges and date-time, enum, pattern, minLength, maxLength, minimum,
//   maximum, minItems, maxItems, required, additionalProperties, items,
//   x-kubernetes-int-or-string (with its anyOf);
// - x-kubernetes-list-type map and set: `Duplicate value`
//   (schema/listtype/validation.go);
// - the CEL rules (x-kubernetes-validations) these CRDs hold, checked by
//   hand, not by a CEL engine, with their messages; a rule fakekube does not
//   know is listed by unimplemented_schema_features(), which a test keeps
//   empty;
// - ratcheting (CRDValidationRatcheting): on an update, a value equal to the
//   old one passes even if invalid, and a CEL rule it fails is a warning.
// Not done: the v1alpha1 versions (only v1 is served); other formats than
// int32, int64 and date-time, and keywords the KubeRay CRDs do not use
// (unimplemented_schema_features() names any that appear). Where Go ranges
// over a map, the errors come in the schema's property order.
#pragma once

#include "admission.hpp"
#include "store.hpp"

#include <string>
#include <vector>

namespace fakekube {

// Whether fakekube embeds a CRD that serves `type` (its group, plural and
// version).
bool has_crd_schema(const ResourceType& type);

// A write of a custom resource (create, update, patch, apply): prunes
// `object` in place, then validates it; `old` is the stored object on an
// update (nullptr on a create). 400 BadRequest for unknown fields under
// fieldValidation=Strict, 422 Invalid naming every field error. Types
// without an embedded CRD pass unchanged.
Result<void> check_custom_resource(const ResourceType& type,
                                   Json& object,
                                   const Json* old,
                                   Admission& admission);

// A write to .../status: `object` (the request's body) is pruned as above;
// of what will be stored (`old` with the body's status) only `status` is
// validated against the schema, with field paths from "status", while list
// types and CEL rules check all of it.
Result<void> check_custom_resource_status(const ResourceType& type,
                                          Json& object,
                                          const Json& old,
                                          Admission& admission);

// The embedded CRDs, parsed (for tests).
const std::vector<Json>& embedded_crds();

// Schema keywords, formats and CEL rules in the embedded CRDs that this
// validation does not implement, each as "<file>: <what>"; empty when it
// covers them all.
std::vector<std::string> unimplemented_schema_features();

}  // namespace fakekube
