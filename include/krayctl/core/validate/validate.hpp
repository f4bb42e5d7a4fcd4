// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/yaml/diagnostic.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/json.hpp>

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kray::core {

// The KubeRay kinds krayctl validates (apiVersion ray.io/v1).
enum class RayKind { ray_cluster, ray_job, ray_service, ray_cron_job };

// Returns the kind of a KubeRay object (`apiVersion: ray.io/v1` and one of
// the four kinds, or `ray.io/v1alpha1`, which KubeRay v1.6.2 still serves
// for RayCluster, RayJob and RayService), or nullopt for anything else.
std::optional<RayKind> ray_kind_of(const Json& object);

// Whether `object` is a ray.io/v1alpha1 object (deprecated, still served).
bool is_v1alpha1(const Json& object);

// For an object in the ray.io group (any case) that is no kind and version
// the KubeRay v1.6.2 CRDs serve: where (a pointer relative to the object,
// "/kind" or "/apiVersion") and kubectl's refusal with the closest match;
// nullopt otherwise (a served kind, or another group).
struct Misplaced {
  std::string pointer;
  std::string message;
};
std::optional<Misplaced> unserved_ray_kind(const Json& object);

std::string_view ray_kind_name(RayKind kind);  // "RayCluster" ...

// The `rule` of diagnostics that are not lints: the CRD's structural schema
// (with fieldValidation=Strict), its CEL rules, the API server's ObjectMeta
// rules, and the KubeRay operator's own validation (webhook included).
inline constexpr std::string_view k_rule_schema = "schema";
inline constexpr std::string_view k_rule_cel = "cel";
inline constexpr std::string_view k_rule_metadata = "metadata";
inline constexpr std::string_view k_rule_kuberay = "kuberay";

// The annotation that silences lints on one object: a comma-separated list
// of lint IDs.
inline constexpr std::string_view k_disable_lints_annotation = "krayctl.io/disable-lints";

// One lint: a check for a configuration the API server and the operator
// accept but that fails or misbehaves later. docs/lints/ID.md explains each.
struct LintInfo {
  std::string_view id;
  Severity severity;
  std::string_view summary;
};

// Every lint krayctl has, in ID order.
std::span<const LintInfo> lint_catalog();
const LintInfo* find_lint(std::string_view id);
// "unknown lint 'x'; did you mean 'y'?" for an ID find_lint does not know.
std::string unknown_lint_message(std::string_view id);

// The KubeRay operator feature gates that change its validation, with their
// v1.6.2 defaults (ray-operator/pkg/features/features.go).
struct FeatureGates {
  bool ray_job_deletion_policy = true;           // RayJobDeletionPolicy (beta)
  bool ray_service_incremental_upgrade = false;  // RayServiceIncrementalUpgrade (alpha)
};

struct ValidateOptions {
  std::set<std::string, std::less<>> disabled_lints;  // --disable
  FeatureGates gates;
  // Also apply the operator's status rules (5, 63). Off for what a client
  // sends, whose status the API server discards; for objects read back
  // from a cluster.
  bool check_status = false;
};

// Validates the KubeRay object at `pointer` of `doc` ("" for the document
// itself, "/items/3" inside a List) the way the API server and the KubeRay
// operator would, then lints it. Appends every problem to `out`, located in
// `doc`. In order: ObjectMeta, the structural schema of the kind's CRD
// (after dropping nulls and applying defaults, as the API server does),
// CEL rules, the operator's validation rules, lints. (Output is sorted by
// position afterwards, so the order shows only in what each layer sees.) Does nothing for an
// object that is not a KubeRay kind.
void validate_object(const Document& doc,
                     const std::string& pointer,
                     const ValidateOptions& options,
                     std::vector<Diagnostic>& out);

// True when krayctl implements the CRD CEL rule `rule` (the text of an
// x-kubernetes-validations entry), or knows it cannot be checked offline
// (transition rules such as `self == oldSelf`).
bool is_known_cel_rule(std::string_view rule);

// The CRD schema of `kind` in its compiled-in compact form (schemas/crds/),
// parsed on first use; only the kinds a run needs are ever parsed.
const SchemaJson& crd_schema(RayKind kind, bool v1alpha1 = false);

}  // namespace kray::core
