// SPDX-License-Identifier: Apache-2.0
// Internal to core/validate*.cpp, operator_rules.cpp and lints.cpp: what a
// rule sees of the object under validation, and how it reports.
#pragma once

#include <krayctl/core/k8s/pod_facts.hpp>
#include <krayctl/core/validate/validate.hpp>

#include "../yaml/json_read.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kray::core::detail {

// One RayClusterSpec inside the object under validation: RayCluster /spec,
// RayJob /spec/rayClusterSpec, RayService /spec/rayClusterConfig, RayCronJob
// /spec/jobTemplate/rayClusterSpec.
struct ClusterSpec {
  const Json* spec = nullptr;
  std::string pointer;  // of `spec`, relative to the object
  // The annotations the operator validates this spec with: those of the
  // object that holds it, or none for a RayCronJob's template (the operator
  // checks it as a RayJob without annotations).
  const Json* annotations = nullptr;
};

// A pointer made of `base` and segments: ptr("/spec", "workerGroupSpecs", 2).
std::string ptr(const std::string& base, std::string_view a);
std::string ptr(const std::string& base, std::string_view a, std::string_view b);
std::string ptr(const std::string& base, std::string_view a, std::size_t i);

// A "major.minor.patch" version read like Kubernetes' version.ParseGeneric
// (a leading "v" allowed, at least major.minor, extra text after the patch
// ignored); nullopt when it does not parse.
struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Version&) const = default;
};
std::optional<Version> parse_version(std::string_view text);
std::string version_string(const Version& v);

class Checker {
 public:
  Checker(const Document& doc,
          std::string base,
          const Json& original,
          const Json& object,
          RayKind kind,
          const ValidateOptions& options,
          std::vector<Diagnostic>& out);

  // The object with the CRD defaults applied (what the operator sees), and
  // as written.
  const Json& object() const { return m_object; }
  const Json& original() const { return m_original; }
  RayKind kind() const { return m_kind; }
  const ValidateOptions& options() const { return m_options; }
  const Json* annotations() const;
  const Json* labels() const;
  // The cluster specs of the object (one, or none for a RayJob that uses
  // an existing cluster).
  std::vector<ClusterSpec> cluster_specs() const;

  // Reports an error at `pointer` (relative to the object).
  void error(std::string_view rule,
             const std::string& pointer,
             std::string message,
             bool at_key = false);
  // Reports lint `id` at `pointer` unless it is disabled for this run or
  // this object; its severity comes from the catalog.
  void lint(std::string_view id, const std::string& pointer, std::string message);

 private:
  bool names_structure(const std::string& pointer) const;

  const Document& m_doc;
  std::string m_base;
  const Json& m_original;
  const Json& m_object;
  RayKind m_kind;
  const ValidateOptions& m_options;
  std::set<std::string, std::less<>> m_disabled_here;
  std::vector<Diagnostic>& m_out;
};

// The KubeRay operator's validation, webhook rules included (KubeRay's
// ray-operator/controllers/ray/utils/validation.go, ray-operator/pkg/webhooks/v1/).
void check_operator_rules(Checker& c);
// The lints of lint_catalog().
void run_lints(Checker& c);

}  // namespace kray::core::detail
