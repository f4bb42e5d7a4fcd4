// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/k8s/quantity.hpp>
#include <krayctl/core/yaml/diagnostic.hpp>
#include <krayctl/core/yaml/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kray::core {

struct Document;

// The compact spec (docs/spec.md; schemas/krayctl-spec.schema.json), parsed
// and with its defaults applied. Every field is valid: render() may rely on
// it. Pointers (`*_pointer`) are kept where a later step may still need to
// report against the spec (a serve config file that cannot be read).

enum class WorkloadKind { ray_cluster, ray_job, ray_service };

// "RayCluster", "RayJob", "RayService".
std::string_view kind_name(WorkloadKind kind);

// An environment variable: a literal `value`, or a `value_from` object
// (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef).
struct EnvVar {
  std::string name;
  std::optional<std::string> value;
  Json value_from;  // null when `value` is set
};

// A volume and where the Ray container mounts it.
struct Volume {
  Json volume;  // a Kubernetes Volume: {name, <source>}
  Json mount;   // a Kubernetes VolumeMount: {name, mountPath, ...}
};

struct Rdma {
  std::string resource;
  std::int64_t count = 1;
};

// /dev/shm: absent means "the default for this pod" (on for GPU pods).
struct Shm {
  bool enabled = true;
  std::optional<Quantity> size;
};

// Settings of one pod template. Optional fields are unset when the spec
// does not say; `defaults` are merged into each group before rendering.
struct PodSettings {
  std::optional<std::string> image;
  std::optional<Quantity> cpu;
  std::optional<Quantity> memory;
  std::optional<Quantity> ephemeral_storage;
  std::optional<std::int64_t> gpus;
  std::optional<std::string> gpu_resource;
  std::optional<Rdma> rdma;
  std::optional<Shm> shm;
  std::vector<EnvVar> env;                                    // spec order
  std::vector<std::pair<std::string, std::string>> nccl_env;  // NCCL_* in knob order
  std::map<std::string, std::string> node_selector;
  std::optional<Json> tolerations;  // a list; replaces, never merges
  std::vector<Volume> volumes;
  std::map<std::string, std::string> pod_labels;
  std::map<std::string, std::string> pod_annotations;
  std::map<std::string, std::string> ray_start_params;
  std::optional<std::string> priority_class;

  // GPUs requested, 0 when none.
  std::int64_t gpu_count() const { return gpus.value_or(0); }
};

struct WorkerGroup {
  std::string name;
  std::int64_t replicas = 1;
  std::int64_t min = 1;
  std::int64_t max = 1;
  std::optional<std::int64_t> hosts;
  std::optional<std::int64_t> idle_timeout_seconds;
  PodSettings pod;
};

struct Autoscaler {
  std::string version;  // "v1" or "v2"
  std::optional<std::string> upscaling;
  std::optional<std::int64_t> idle_timeout_seconds;
  std::optional<std::string> image;
  std::optional<Quantity> cpu;
  std::optional<Quantity> memory;
};

struct SecretKey {
  std::string name;
  std::string key;
};

struct GcsFaultTolerance {
  std::string redis_address;
  std::optional<SecretKey> password;
  std::optional<SecretKey> username;
  std::optional<std::string> external_storage_namespace;
};

struct Scheduler {
  std::string name;
  std::optional<std::string> queue;
  bool gang = false;
};

struct JobSettings {
  std::string entrypoint;
  std::optional<std::string> runtime_env_yaml;
  std::string submission_mode = "K8sJobMode";
  bool shutdown_after_finish = true;
  std::optional<std::int64_t> ttl_seconds;
  std::optional<std::int64_t> active_deadline_seconds;
  std::optional<std::int64_t> backoff_limit;
};

struct IncrementalUpgrade {
  std::string gateway_class_name;
  std::int64_t step_size_percent = 0;
  std::optional<std::int64_t> max_surge_percent;
  std::int64_t interval_seconds = 0;
};

struct ServeSettings {
  // Exactly one of these is set after parsing; the app layer turns a
  // `config_file` into `config_text` before rendering.
  std::optional<std::string> config_text;
  std::optional<std::string> config_file;
  std::string config_file_pointer;
  std::optional<std::string> upgrade_strategy;
  std::optional<IncrementalUpgrade> incremental;
};

struct Spec {
  WorkloadKind kind = WorkloadKind::ray_cluster;
  std::string name;
  std::optional<std::string> namespace_;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string ray_version;
  std::string image;  // the derived or given image of every Ray container
  PodSettings head;
  std::vector<WorkerGroup> workers;
  std::optional<Autoscaler> autoscaler;
  std::optional<GcsFaultTolerance> gcs;
  std::optional<std::string> service_account;
  std::optional<std::string> queue;
  std::optional<Scheduler> scheduler;
  std::optional<JobSettings> job;
  std::optional<ServeSettings> serve;
  std::optional<Json> patch;
};

// The default Ray version when neither `ray.version` nor the image says.
inline constexpr std::string_view k_default_ray_version = "2.55.1";
inline constexpr std::string_view k_default_gpu_resource = "nvidia.com/gpu";

struct SpecResult {
  std::optional<Spec> spec;             // set when there are no errors
  std::vector<Diagnostic> diagnostics;  // every problem found, sorted
};

// Returns true when `doc` looks like a compact spec rather than a
// Kubernetes manifest (which has `apiVersion`).
bool is_compact_spec(const Document& doc);

// Checks `doc` against the spec schema and the rules the schema cannot say
// (min <= replicas <= max, unique group names, name lengths per kind,
// per-kind sections), then applies defaults. Reports every problem with its
// location; never stops at the first.
SpecResult parse_spec(const Document& doc);

// The spec schema (schemas/krayctl-spec.schema.json), compiled into the
// binary.
const SchemaJson& spec_schema();

}  // namespace kray::core
