// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/spec/render.hpp>

#include <optional>

#include <krayctl/core/schema/embedded.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/merge.hpp>

#include <algorithm>

namespace kray::core {
namespace {

constexpr std::string_view k_api_version = "ray.io/v1";
constexpr std::string_view k_shm_volume = "shared-mem";  // KubeRay's own name (C.10)

// ---- templates ------------------------------------------------------------

Result<Json> parse_template(std::string name, std::string text) {
  auto source = std::make_shared<SourceFile>(SourceFile{std::move(name), std::move(text)});
  KRAY_TRY_ASSIGN(auto docs, parse_documents(source));
  if (docs.size() != 1 || !docs.front().root.is_object()) {
    return make_error(ErrorCode::invalid_spec, "a template must hold exactly one YAML mapping",
                      SourceLocation{source->name, 1, 1});
  }
  return std::move(docs.front().root);
}

// Returns the pod spec's first container name: the Ray container.
std::string ray_container_name(const Json& pod_template, const char* fallback) {
  const Json* name = find_pointer(pod_template, "/spec/containers/0/name");
  return name != nullptr && name->is_string() ? name->get<std::string>() : fallback;
}

// ---- pods -------------------------------------------------------------------

Json env_list(const PodSettings& pod) {
  Json env = Json::array();
  for (const auto& e : pod.env) {
    if (e.value) {
      env.push_back({{"name", e.name}, {"value", *e.value}});
    } else {
      env.push_back({{"name", e.name}, {"valueFrom", e.value_from}});
    }
  }
  for (const auto& [name, value] : pod.nccl_env) {
    env.push_back({{"name", name}, {"value", value}});
  }
  return env;
}

Json resource_list(const PodSettings& pod) {
  Json r = Json::object();
  if (pod.cpu) {
    r["cpu"] = pod.cpu->text;
  }
  if (pod.memory) {
    r["memory"] = pod.memory->text;
  }
  if (pod.ephemeral_storage) {
    r["ephemeral-storage"] = pod.ephemeral_storage->text;
  }
  if (pod.gpu_count() > 0) {
    r[pod.gpu_resource.value_or(std::string(k_default_gpu_resource))] =
        std::to_string(pod.gpu_count());
  }
  if (pod.rdma) {
    r[pod.rdma->resource] = std::to_string(pod.rdma->count);
  }
  return r;
}

bool mounts_dev_shm(const PodSettings& pod) {
  return std::any_of(pod.volumes.begin(), pod.volumes.end(),
                     [](const Volume& v) { return v.mount["mountPath"] == "/dev/shm"; });
}

// /dev/shm is on by default for GPU pods: NCCL and the object store use it,
// and a container runtime's default is 64 MiB.
bool wants_shm(const PodSettings& pod) {
  if (mounts_dev_shm(pod)) {
    return false;
  }
  return pod.shm ? pod.shm->enabled : pod.gpu_count() > 0;
}

Json sorted_map(const std::map<std::string, std::string>& m) {
  Json out = Json::object();
  for (const auto& [k, v] : m) {
    out[k] = v;
  }
  return out;
}

Json pod_template(const Spec& spec, const PodSettings& pod, const std::string& container_name) {
  Json container = Json::object();
  container["name"] = container_name;
  container["image"] = pod.image.value_or(spec.image);
  if (Json limits = resource_list(pod); !limits.empty()) {
    container["resources"] = {{"limits", limits}, {"requests", limits}};
  }
  if (Json env = env_list(pod); !env.empty()) {
    container["env"] = env;
  }
  if (pod.rdma) {
    // Registering RDMA memory (ibv_reg_mr) needs locked memory beyond the
    // default RLIMIT_MEMLOCK; without IPC_LOCK NCCL falls back to sockets.
    container["securityContext"] = {{"capabilities", {{"add", Json::array({"IPC_LOCK"})}}}};
  }
  Json volumes = Json::array();
  Json mounts = Json::array();
  if (wants_shm(pod)) {
    Json empty_dir = {{"medium", "Memory"}};
    if (pod.shm && pod.shm->size) {
      empty_dir["sizeLimit"] = pod.shm->size->text;
    }
    volumes.push_back({{"name", k_shm_volume}, {"emptyDir", empty_dir}});
    mounts.push_back({{"name", k_shm_volume}, {"mountPath", "/dev/shm"}});
  }
  for (const auto& v : pod.volumes) {
    volumes.push_back(v.volume);
    mounts.push_back(v.mount);
  }
  if (!mounts.empty()) {
    container["volumeMounts"] = mounts;
  }

  Json pod_spec = Json::object();
  if (spec.service_account) {
    pod_spec["serviceAccountName"] = *spec.service_account;
  }
  if (spec.scheduler) {
    pod_spec["schedulerName"] = spec.scheduler->name;
  }
  if (pod.priority_class) {
    pod_spec["priorityClassName"] = *pod.priority_class;
  }
  if (!pod.node_selector.empty()) {
    pod_spec["nodeSelector"] = sorted_map(pod.node_selector);
  }
  if (pod.tolerations && !pod.tolerations->empty()) {
    pod_spec["tolerations"] = *pod.tolerations;
  }
  pod_spec["containers"] = Json::array({container});
  if (!volumes.empty()) {
    pod_spec["volumes"] = volumes;
  }

  Json tmpl = Json::object();
  Json meta = Json::object();
  if (!pod.pod_labels.empty()) {
    meta["labels"] = sorted_map(pod.pod_labels);
  }
  if (!pod.pod_annotations.empty()) {
    meta["annotations"] = sorted_map(pod.pod_annotations);
  }
  if (!meta.empty()) {
    tmpl["metadata"] = meta;
  }
  tmpl["spec"] = pod_spec;
  return tmpl;
}

// ---- cluster ------------------------------------------------------------------

Json cluster_spec(const Spec& spec, const Templates& t) {
  const Json* head_tmpl = find_pointer(t.raycluster, "/spec/headGroupSpec/template");
  const std::string head_container =
      ray_container_name(head_tmpl != nullptr ? *head_tmpl : Json::object(), "ray-head");
  const Json* worker_tmpl = find_pointer(t.workergroup, "/template");
  const std::string worker_container =
      ray_container_name(worker_tmpl != nullptr ? *worker_tmpl : Json::object(), "ray-worker");

  Json out = Json::object();
  out["rayVersion"] = spec.ray_version;
  if (spec.autoscaler) {
    out["enableInTreeAutoscaling"] = true;
    Json opts = {{"version", spec.autoscaler->version}};
    if (spec.autoscaler->upscaling) {
      opts["upscalingMode"] = *spec.autoscaler->upscaling;
    }
    if (spec.autoscaler->idle_timeout_seconds) {
      opts["idleTimeoutSeconds"] = *spec.autoscaler->idle_timeout_seconds;
    }
    if (spec.autoscaler->image) {
      opts["image"] = *spec.autoscaler->image;
    }
    Json res = Json::object();
    if (spec.autoscaler->cpu) {
      res["cpu"] = spec.autoscaler->cpu->text;
    }
    if (spec.autoscaler->memory) {
      res["memory"] = spec.autoscaler->memory->text;
    }
    if (!res.empty()) {
      opts["resources"] = {{"limits", res}, {"requests", res}};
    }
    out["autoscalerOptions"] = opts;
  }
  if (spec.gcs) {
    Json gcs = {{"redisAddress", spec.gcs->redis_address}};
    auto secret_ref = [](const SecretKey& s) {
      return Json{{"valueFrom", {{"secretKeyRef", {{"name", s.name}, {"key", s.key}}}}}};
    };
    if (spec.gcs->password) {
      gcs["redisPassword"] = secret_ref(*spec.gcs->password);
    }
    if (spec.gcs->username) {
      gcs["redisUsername"] = secret_ref(*spec.gcs->username);
    }
    if (spec.gcs->external_storage_namespace) {
      gcs["externalStorageNamespace"] = *spec.gcs->external_storage_namespace;
    }
    out["gcsFaultToleranceOptions"] = gcs;
  }

  Json head = Json::object();
  head["rayStartParams"] = sorted_map(spec.head.ray_start_params);
  head["template"] = pod_template(spec, spec.head, head_container);
  out["headGroupSpec"] = head;

  if (!spec.workers.empty()) {
    Json groups = Json::array();
    for (const auto& w : spec.workers) {
      Json g = Json::object();
      g["groupName"] = w.name;
      g["replicas"] = w.replicas;
      g["minReplicas"] = w.min;
      g["maxReplicas"] = w.max;
      if (w.hosts) {
        g["numOfHosts"] = *w.hosts;
      }
      if (w.idle_timeout_seconds) {
        g["idleTimeoutSeconds"] = *w.idle_timeout_seconds;
      }
      g["rayStartParams"] = sorted_map(w.pod.ray_start_params);
      g["template"] = pod_template(spec, w.pod, worker_container);
      merge_into(g, t.workergroup, MergeMode::fill);
      groups.push_back(std::move(g));
    }
    out["workerGroupSpecs"] = groups;
  }
  if (const Json* base = find_pointer(t.raycluster, "/spec")) {
    merge_into(out, *base, MergeMode::fill);
  }
  return out;
}

Json object_metadata(const Spec& spec) {
  std::map<std::string, std::string> labels = spec.labels;
  if (spec.queue) {
    labels["kueue.x-k8s.io/queue-name"] = *spec.queue;
  }
  if (spec.scheduler) {
    if (spec.scheduler->queue) {
      const std::string& n = spec.scheduler->name;
      const char* key = n == "volcano"    ? "volcano.sh/queue-name"
                        : n == "yunikorn" ? "yunikorn.apache.org/queue"
                                          : "kai.scheduler/queue";
      labels[key] = *spec.scheduler->queue;
    }
    if (spec.scheduler->gang) {
      labels["ray.io/gang-scheduling-enabled"] = "true";
    }
  }
  Json meta = Json::object();
  meta["name"] = spec.name;
  if (spec.namespace_) {
    meta["namespace"] = *spec.namespace_;
  }
  if (!labels.empty()) {
    meta["labels"] = sorted_map(labels);
  }
  if (!spec.annotations.empty()) {
    meta["annotations"] = sorted_map(spec.annotations);
  }
  return meta;
}

Json job_spec(const Spec& spec, Json cluster) {
  const JobSettings& job = *spec.job;
  Json out = Json::object();
  out["entrypoint"] = job.entrypoint;
  if (job.runtime_env_yaml) {
    out["runtimeEnvYAML"] = *job.runtime_env_yaml;
  }
  out["shutdownAfterJobFinishes"] = job.shutdown_after_finish;
  if (job.ttl_seconds) {
    out["ttlSecondsAfterFinished"] = *job.ttl_seconds;
  }
  if (job.active_deadline_seconds) {
    out["activeDeadlineSeconds"] = *job.active_deadline_seconds;
  }
  if (job.backoff_limit) {
    out["backoffLimit"] = *job.backoff_limit;
  }
  out["submissionMode"] = job.submission_mode;
  out["rayClusterSpec"] = std::move(cluster);
  return out;
}

Json service_spec(const Spec& spec, Json cluster) {
  const ServeSettings& serve = *spec.serve;
  Json out = Json::object();
  out["serveConfigV2"] = serve.config_text.value_or("");
  if (serve.upgrade_strategy) {
    Json strategy = {{"type", *serve.upgrade_strategy}};
    if (serve.incremental) {
      Json opts = {{"gatewayClassName", serve.incremental->gateway_class_name},
                   {"stepSizePercent", serve.incremental->step_size_percent},
                   {"intervalSeconds", serve.incremental->interval_seconds}};
      if (serve.incremental->max_surge_percent) {
        opts["maxSurgePercent"] = *serve.incremental->max_surge_percent;
      }
      strategy["clusterUpgradeOptions"] = opts;
    }
    out["upgradeStrategy"] = strategy;
  }
  out["rayClusterConfig"] = std::move(cluster);
  return out;
}

// Sorts every string map named labels, annotations or nodeSelector, so that
// templates and patches cannot make the output order depend on input order.
void sort_string_maps(Json& j) {
  if (j.is_array()) {
    for (auto& item : j) {
      sort_string_maps(item);
    }
    return;
  }
  if (!j.is_object()) {
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if ((k == "labels" || k == "annotations" || k == "nodeSelector") && it.value().is_object()) {
      std::map<std::string, Json> sorted;
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        sorted.emplace(m.key(), m.value());
      }
      Json out = Json::object();
      for (auto& [key, v] : sorted) {
        out[key] = std::move(v);
      }
      it.value() = std::move(out);
    } else {
      sort_string_maps(it.value());
    }
  }
}

// apiVersion, kind, metadata, spec first; anything else after, in order.
Json order_manifest(const Json& m) {
  Json out = Json::object();
  for (const char* key : {"apiVersion", "kind", "metadata", "spec"}) {
    if (auto it = m.find(key); it != m.end()) {
      out[key] = *it;
    }
  }
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (!out.contains(it.key())) {
      out[it.key()] = it.value();
    }
  }
  if (auto meta = out.find("metadata"); meta != out.end() && meta->is_object()) {
    Json ordered = Json::object();
    for (const char* key : {"name", "generateName", "namespace", "labels", "annotations"}) {
      if (auto it = meta->find(key); it != meta->end()) {
        ordered[key] = *it;
      }
    }
    merge_into(ordered, *meta, MergeMode::fill);
    *meta = std::move(ordered);
  }
  return out;
}

}  // namespace

Result<Templates> builtin_templates() {
  return load_templates({}, "");
}

Result<Templates> load_templates(const std::map<std::string, std::string>& overrides,
                                 const std::string& dir) {
  Templates t;
  Json* slots[] = {&t.raycluster, &t.workergroup, &t.rayjob, &t.rayservice};
  for (std::size_t i = 0; i < std::size(k_template_files); ++i) {
    const std::string file = k_template_files[i];
    if (auto it = overrides.find(file); it != overrides.end()) {
      KRAY_TRY_ASSIGN(*slots[i], parse_template(dir.empty() ? file : dir + "/" + file, it->second));
    } else {
      auto text = find_embedded(embedded_templates::files(), file);
      if (!text) {
        return make_error(ErrorCode::internal, "template " + file + " is not compiled in");
      }
      KRAY_TRY_ASSIGN(*slots[i], parse_template("<builtin>/" + file, std::string(*text)));
    }
  }
  return t;
}

Json render(const Spec& spec, const Templates& templates) {
  Json cluster = cluster_spec(spec, templates);
  Json manifest = Json::object();
  manifest["apiVersion"] = k_api_version;
  manifest["kind"] = kind_name(spec.kind);
  manifest["metadata"] = object_metadata(spec);
  const Json* base = &templates.raycluster;
  switch (spec.kind) {
    case WorkloadKind::ray_cluster:
      manifest["spec"] = std::move(cluster);
      break;
    case WorkloadKind::ray_job:
      manifest["spec"] = job_spec(spec, std::move(cluster));
      base = &templates.rayjob;
      break;
    case WorkloadKind::ray_service:
      manifest["spec"] = service_spec(spec, std::move(cluster));
      base = &templates.rayservice;
      break;
  }
  if (spec.kind == WorkloadKind::ray_cluster) {
    // Only the metadata of raycluster.yaml is left to fill: its spec is in.
    if (auto meta = base->find("metadata"); meta != base->end()) {
      merge_into(manifest["metadata"], *meta, MergeMode::fill);
    }
  } else {
    merge_into(manifest, *base, MergeMode::fill);
  }
  if (spec.patch) {
    merge_into(manifest, *spec.patch, MergeMode::overlay);
  }
  sort_string_maps(manifest);
  return order_manifest(manifest);
}

std::vector<std::pair<std::string, std::string>> spec_origins(const Json& manifest) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"/metadata/name", "/name"},
      {"/metadata/namespace", "/namespace"},
      {"/metadata/labels", "/labels"},
      {"/metadata/annotations", "/annotations"},
  };
  const std::string kind = manifest.is_object() ? manifest.value("kind", std::string()) : "";
  std::string cluster = "/spec";
  if (kind == "RayJob") {
    cluster = "/spec/rayClusterSpec";
    for (const auto& [field, key] : std::vector<std::pair<std::string, std::string>>{
             {"entrypoint", "entrypoint"},
             {"runtimeEnvYAML", "runtimeEnv"},
             {"submissionMode", "submissionMode"},
             {"shutdownAfterJobFinishes", "shutdownAfterFinish"},
             {"ttlSecondsAfterFinished", "ttl"},
             {"activeDeadlineSeconds", "activeDeadline"},
             {"backoffLimit", "backoffLimit"}}) {
      out.emplace_back("/spec/" + field, "/job/" + key);
    }
  } else if (kind == "RayService") {
    cluster = "/spec/rayClusterConfig";
    out.emplace_back("/spec/serveConfigV2", "/serve");
    out.emplace_back("/spec/upgradeStrategy", "/serve");
  }
  out.emplace_back(cluster + "/rayVersion", "/ray/version");
  out.emplace_back(cluster + "/enableInTreeAutoscaling", "/autoscaler");
  out.emplace_back(cluster + "/autoscalerOptions", "/autoscaler");
  out.emplace_back(cluster + "/gcsFaultToleranceOptions", "/gcsFaultTolerance");
  out.emplace_back(cluster + "/headGroupSpec", "/head");
  const Json* groups = find_pointer(manifest, cluster + "/workerGroupSpecs");
  for (std::size_t i = 0; groups != nullptr && groups->is_array() && i < groups->size(); ++i) {
    out.emplace_back(pointer_append(cluster + "/workerGroupSpecs", i),
                     pointer_append("/workers", i));
  }
  return out;
}

namespace {

void walk_patch(const Json& manifest,
                const std::string& m,
                const Json& patch,
                const std::string& p,
                std::vector<std::pair<std::string, std::string>>& out) {
  out.emplace_back(m, p);
  if (patch.is_object() && manifest.is_object()) {
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      if (auto found = manifest.find(it.key()); found != manifest.end()) {
        walk_patch(*found, pointer_append(m, it.key()), it.value(), pointer_append(p, it.key()),
                   out);
      }
    }
    return;
  }
  if (!patch.is_array() || !manifest.is_array()) {
    return;
  }
  for (std::size_t i = 0; i < patch.size(); ++i) {
    const Json& item = patch[i];
    // A named item merged into the list by its name; otherwise the list
    // was replaced, item for item.
    std::optional<std::size_t> at;
    for (const char* key : {"name", "groupName"}) {
      if (at || !item.is_object() || !item.contains(key) || !item[key].is_string()) {
        continue;
      }
      for (std::size_t j = 0; j < manifest.size(); ++j) {
        if (manifest[j].is_object() && manifest[j].value(key, Json()) == item[key]) {
          at = j;
          break;
        }
      }
    }
    if (!at && i < manifest.size()) {
      at = i;
    }
    if (at) {
      walk_patch(manifest[*at], pointer_append(m, *at), item, pointer_append(p, i), out);
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> patch_origins(const Json& manifest,
                                                               const Json& patch) {
  std::vector<std::pair<std::string, std::string>> out;
  if (patch.is_object()) {
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      if (auto found = manifest.find(it.key()); found != manifest.end()) {
        walk_patch(*found, pointer_append("", it.key()), it.value(),
                   pointer_append("/patch", it.key()), out);
      }
    }
  }
  return out;
}

}  // namespace kray::core
