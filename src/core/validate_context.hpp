// SPDX-License-Identifier: Apache-2.0
// Internal to core/validate*.cpp, operator_rules.cpp and lints.cpp: what a
// rule sees of the object under validation, and how it reports.
#pragma once

#include <krayctl/core/validate.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kray::core::detail {

// Reading values of any type. The operator's rules and the lints run even
// when the schema found type errors (so that the user sees every problem at
// once), so they read through these, which never throw: a value of the wrong
// type reads as absent.
const Json* child(const Json* object, std::string_view key);
const Json* child(const Json* array, std::size_t index);
std::string string_of(const Json* value);                // "" unless a string
std::optional<long long> integer_of(const Json* value);  // integral numbers only
bool is_true(const Json* value);                         // the boolean true
bool is_nonempty_object(const Json* value);
std::size_t array_size(const Json* value);  // 0 unless an array

// containers[0] of a pod template's spec: the Ray container by KubeRay's
// convention.
const Json* ray_container(const Json* pod_template);
// The env entry `name` of a container, or nullptr.
const Json* env_entry(const Json* container, std::string_view name);
// Its literal `value` ("" when absent or taken from a valueFrom).
std::string env_value(const Json* container, std::string_view name);

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
std::string ptr(std::string base, std::string_view a);
std::string ptr(std::string base, std::string_view a, std::string_view b);
std::string ptr(std::string base, std::string_view a, std::size_t i);

// A "major.minor.patch" version read like Kubernetes' version.ParseGeneric
// (a leading "v" allowed, at least major.minor, extra text after the patch
// ignored); nullopt when it does not parse.
struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;
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

// Pod rules shared by the lints (lints.cpp) and `nccl-check --spec`
// (nccl_spec.cpp), so that both say the same about one Pod template.
// GPUs the container asks for (limits, else requests), any GPU resource.
double gpu_limit(const Json* container);
// RDMA resources the container asks for (rdma/..., nvidia.com/sriov_rdma ...).
std::vector<std::string> rdma_resources(const Json* container);
bool requests_rdma(const Json* container);
// The IPC_LOCK capability (or privileged, or ALL).
bool has_ipc_lock(const Json* container);
// What /dev/shm a Ray container gets under the KubeRay v1.6.2 operator
// (ray-operator/controllers/ray/common/pod.go): unless rayStartParams holds
// plasma-directory or the container mounts /dev/shm itself, the operator
// adds a memory emptyDir sized to the container's memory limit (else
// request).
struct ShmSetup {
  enum class Kind {
    operator_adds,  // no mount of its own: the operator's memory emptyDir
    memory,         // its own memory-backed emptyDir
    not_memory,     // its own mount, on disk (emptyDir without Memory, hostPath, a PVC ...)
    none,           // plasma-directory set: the operator adds nothing, 64 MiB runtime default
  };
  Kind kind = Kind::operator_adds;
  const Json* volume = nullptr;  // the volume mounted at /dev/shm, when its own
  std::optional<double> size;    // its sizeLimit in bytes (memory), when set
  std::optional<double> memory;  // the container's memory limit, else request
};
ShmSetup shm_setup(const Json* pod_spec, const Json* container, const Json* ray_start_params);
// "64Gi", "512Mi": bytes as a Kubernetes user writes them.
std::string format_bytes(double bytes);
// NCCL_IB_* (other than NCCL_IB_DISABLE) or NCCL_NET_GDR_LEVEL set.
bool sets_nccl_rdma_env(const Json* container);

}  // namespace kray::core::detail
