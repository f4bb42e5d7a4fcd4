// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/spec/spec.hpp>

#include "spec_reader.hpp"

#include <krayctl/core/k8s/k8s_names.hpp>
#include <krayctl/core/schema/embedded.hpp>
#include <krayctl/core/schema/schema.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/yaml_emit.hpp>
#include <krayctl/util/assert.hpp>
#include <krayctl/util/strings.hpp>

#include <fmt/format.h>

#include <set>

namespace kray::core {

std::string_view kind_name(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::ray_cluster:
      return "RayCluster";
    case WorkloadKind::ray_job:
      return "RayJob";
    case WorkloadKind::ray_service:
      return "RayService";
  }
  return "RayCluster";
}

const SchemaJson& spec_schema() {
  static const SchemaJson k_schema = [] {
    auto text = find_embedded(embedded_schemas::files(), "krayctl-spec.schema.json");
    KRAY_ASSERT(text.has_value());
    return SchemaJson::parse(*text);
  }();
  return k_schema;
}

bool is_compact_spec(const Document& doc) {
  return doc.root.is_object() && !doc.root.contains("apiVersion");
}

namespace {

using detail::SpecReader;

// Wraps a name rule as a schema format check on strings.
FormatCheck string_format(std::optional<std::string> (*check)(std::string_view)) {
  return [check](const Json& v) -> std::optional<std::string> {
    if (!v.is_string()) {
      return std::nullopt;
    }
    if (auto problem = check(v.get_ref<const std::string&>())) {
      return util::quote(v.get<std::string>()) + " " + *problem;
    }
    return std::nullopt;
  };
}

void add_spec_formats(SchemaValidator& validator) {
  validator.add_format("dns1035-label", string_format(&check_dns1035_label));
  validator.add_format("dns1123-label", string_format(&check_dns1123_label));
  validator.add_format("dns1123-subdomain", string_format(&check_dns1123_subdomain));
  validator.add_format("label-key", string_format(&check_qualified_name));
  validator.add_format("resource-name", string_format(&check_qualified_name));
  validator.add_format("label-value", string_format(&check_label_value));
  validator.add_format("env-name", string_format(&check_env_name));
  validator.add_format("quantity", [](const Json& v) -> std::optional<std::string> {
    auto q = parse_quantity_value(v);
    if (!q) {
      return q.error().message;
    }
    if (q->value < 0) {
      return "quantity " + util::quote(q->text) + " must not be negative";
    }
    return std::nullopt;
  });
  validator.add_format("duration", [](const Json& v) -> std::optional<std::string> {
    auto d = parse_duration_seconds(v);
    return d ? std::nullopt : std::optional<std::string>(d.error().message);
  });
}

// "2.55.1" -> {2, 55}; nullopt when unparseable.
std::optional<std::pair<int, int>> major_minor(std::string_view version) {
  auto parts = util::split(version, '.');
  if (parts.size() < 2) {
    return std::nullopt;
  }
  try {
    return std::pair<int, int>{std::stoi(parts[0]), std::stoi(parts[1])};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The Ray version at the start of an image tag: "rayproject/ray:2.55.1-py311-gpu"
// gives "2.55.1"; nullopt when the tag does not start with one.
std::optional<std::string> version_from_image(std::string_view image) {
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    return std::nullopt;
  }
  std::string_view tag = image.substr(colon + 1);
  std::size_t i = 0;
  int dots = 0;
  while (i < tag.size() && ((tag[i] >= '0' && tag[i] <= '9') || tag[i] == '.')) {
    dots += tag[i] == '.' ? 1 : 0;
    ++i;
  }
  std::string_view version = tag.substr(0, i);
  if (dots < 1 || version.empty() || version.back() == '.' || version.front() == '.') {
    return std::nullopt;
  }
  return std::string(version);
}

bool uses_nvidia_gpus(const PodSettings& pod) {
  const std::string resource = pod.gpu_resource.value_or(std::string(k_default_gpu_resource));
  return pod.gpu_count() > 0 && resource.rfind("nvidia.com/", 0) == 0;
}

class SpecParser {
 public:
  SpecParser(const Document& doc, std::vector<Diagnostic>& diags)
      : m_doc(doc), m_root(doc.root), m_reader(doc, diags) {}

  Spec run() {
    Spec spec;
    read_metadata(spec);
    const PodSettings defaults =
        m_reader.pod_settings(SpecReader::member(&m_root, "defaults"), "/defaults");
    spec.head = detail::merge_pod_settings(
        defaults, m_reader.pod_settings(SpecReader::member(&m_root, "head"), "/head"));
    read_autoscaler(spec);
    read_workers(spec, defaults);
    read_ray(spec);
    read_cluster_options(spec);
    read_job(spec);
    read_serve(spec);
    if (const Json* patch = SpecReader::member(&m_root, "patch");
        patch != nullptr && patch->is_object()) {
      spec.patch = *patch;
    }
    check_pods(spec);
    return spec;
  }

 private:
  void read_metadata(Spec& spec) {
    const auto kind =
        SpecReader::string(SpecReader::member(&m_root, "kind")).value_or("RayCluster");
    if (kind == "RayJob") {
      spec.kind = WorkloadKind::ray_job;
    } else if (kind == "RayService") {
      spec.kind = WorkloadKind::ray_service;
    }
    spec.name = SpecReader::string(SpecReader::member(&m_root, "name")).value_or("");
    // KubeRay appends "-serve-svc" (10) to cluster names and a 6-character
    // suffix to RayJob/RayService cluster names (validation.go).
    const std::size_t max_len = spec.kind == WorkloadKind::ray_cluster ? 53 : 47;
    if (spec.name.size() > max_len && spec.name.size() <= 63) {
      m_reader.error("/name",
                     fmt::format("{} name must be no more than {} characters (KubeRay derives "
                                 "longer names from it), got {}",
                                 kind_name(spec.kind), max_len, spec.name.size()));
    }
    spec.namespace_ = SpecReader::string(SpecReader::member(&m_root, "namespace"));
    spec.labels = m_reader.string_map(SpecReader::member(&m_root, "labels"));
    spec.annotations = m_reader.string_map(SpecReader::member(&m_root, "annotations"));
  }

  void read_ray(Spec& spec) {
    const Json* ray = SpecReader::member(&m_root, "ray");
    auto version = SpecReader::string(SpecReader::member(ray, "version"));
    auto image = SpecReader::string(SpecReader::member(ray, "image"));
    auto python = SpecReader::string(SpecReader::member(ray, "python"));
    if (image) {
      spec.image = *image;
      if (!version) {
        version = version_from_image(*image);
        if (!version) {
          m_reader.error("/ray/image", "set ray.version: the tag of image " + util::quote(*image) +
                                           " does not start with a Ray version");
        }
      }
      if (python) {
        m_reader.error("/ray/python",
                       "ray.python picks the default image; it cannot be combined "
                       "with ray.image");
      }
    }
    spec.ray_version = version.value_or(std::string(k_default_ray_version));
    if (!image) {
      bool gpu = uses_nvidia_gpus(spec.head);
      for (const auto& w : spec.workers) {
        gpu = gpu || uses_nvidia_gpus(w.pod);
      }
      std::string tag = spec.ray_version;
      if (python) {
        tag += "-py" + util::join(util::split(*python, '.'), "");
      }
      if (gpu) {
        tag += "-gpu";
      }
      spec.image = "rayproject/ray:" + tag;
    }
  }

  void read_autoscaler(Spec& spec) {
    const Json* a = SpecReader::member(&m_root, "autoscaler");
    if (a == nullptr || !a->is_object()) {
      return;
    }
    Autoscaler out;
    out.version = SpecReader::string(SpecReader::member(a, "version")).value_or("");
    out.upscaling = SpecReader::string(SpecReader::member(a, "upscaling"));
    out.idle_timeout_seconds = m_reader.duration(SpecReader::member(a, "idleTimeout"));
    out.image = SpecReader::string(SpecReader::member(a, "image"));
    out.cpu = m_reader.quantity(SpecReader::member(a, "cpu"));
    out.memory = m_reader.quantity(SpecReader::member(a, "memory"));
    spec.autoscaler = out;
  }

  void read_workers(Spec& spec, const PodSettings& defaults) {
    const Json* workers = SpecReader::member(&m_root, "workers");
    if (workers == nullptr || !workers->is_array()) {
      return;
    }
    std::map<std::string, std::string> seen;  // name -> pointer of first use
    for (std::size_t i = 0; i < workers->size(); ++i) {
      const Json& w = (*workers)[i];
      const std::string ptr = pointer_append("/workers", i);
      WorkerGroup g;
      g.name = SpecReader::string(SpecReader::member(&w, "name")).value_or("");
      if (!g.name.empty()) {
        if (auto it = seen.find(g.name); it != seen.end()) {
          const auto first = m_doc.location(it->second);
          m_reader.error(ptr + "/name",
                         fmt::format("duplicate worker group name {} (first used at line {})",
                                     util::quote(g.name), first.line));
        } else {
          seen.emplace(g.name, ptr + "/name");
        }
        if (g.name == "headgroup") {
          m_reader.error(ptr + "/name",
                         "'headgroup' is the head's ray.io/group label; pick another name");
        }
      }
      read_replicas(w, ptr, g);
      g.hosts = SpecReader::integer(SpecReader::member(&w, "hosts"));
      g.idle_timeout_seconds = m_reader.duration(SpecReader::member(&w, "idleTimeout"));
      if (g.idle_timeout_seconds &&
          (!spec.autoscaler || effective_autoscaler_version(spec) != "v2")) {
        m_reader.error(ptr + "/idleTimeout",
                       "a worker group idleTimeout needs the autoscaler with version v2");
      }
      g.pod = detail::merge_pod_settings(defaults, m_reader.pod_settings(&w, ptr));
      spec.workers.push_back(std::move(g));
    }
  }

  // The autoscaler version before read_ray has run: from `autoscaler.version`,
  // else from `ray.version` / the image tag.
  std::string effective_autoscaler_version(const Spec& spec) const {
    if (!spec.autoscaler->version.empty()) {
      return spec.autoscaler->version;
    }
    const Json* ray = SpecReader::member(&m_root, "ray");
    auto version = SpecReader::string(SpecReader::member(ray, "version"));
    if (!version) {
      if (auto image = SpecReader::string(SpecReader::member(ray, "image"))) {
        version = version_from_image(*image);
      }
    }
    return default_autoscaler_version(version.value_or(std::string(k_default_ray_version)));
  }

  static std::string default_autoscaler_version(const std::string& ray_version) {
    // Autoscaler v2 needs Ray 2.10 or later (KubeRay docs, configuring-autoscaling).
    auto mm = major_minor(ray_version);
    if (mm && (mm->first > 2 || (mm->first == 2 && mm->second >= 10))) {
      return "v2";
    }
    return "v1";
  }

  void read_replicas(const Json& w, const std::string& ptr, WorkerGroup& g) {
    auto replicas = SpecReader::integer(SpecReader::member(&w, "replicas"));
    auto min = SpecReader::integer(SpecReader::member(&w, "min"));
    auto max = SpecReader::integer(SpecReader::member(&w, "max"));
    g.min = min.value_or(replicas.value_or(1));
    g.replicas = replicas.value_or(g.min);
    g.max = max.value_or(std::max(g.min, g.replicas));
    if (g.min > g.max) {
      m_reader.error(min ? ptr + "/min" : ptr + "/max",
                     fmt::format("min ({}) is greater than max ({})", g.min, g.max));
    } else if (g.replicas < g.min || g.replicas > g.max) {
      m_reader.error(ptr + "/replicas",
                     fmt::format("replicas ({}) must be between min ({}) and max ({})", g.replicas,
                                 g.min, g.max));
    }
  }

  void read_cluster_options(Spec& spec) {
    if (spec.autoscaler && spec.autoscaler->version.empty()) {
      spec.autoscaler->version = default_autoscaler_version(spec.ray_version);
    }
    if (const Json* g = SpecReader::member(&m_root, "gcsFaultTolerance");
        g != nullptr && g->is_object()) {
      GcsFaultTolerance out;
      out.redis_address = SpecReader::string(SpecReader::member(g, "redisAddress")).value_or("");
      out.password = secret_key(SpecReader::member(g, "redisPasswordSecret"), "password");
      out.username = secret_key(SpecReader::member(g, "redisUsernameSecret"), "username");
      out.external_storage_namespace =
          SpecReader::string(SpecReader::member(g, "externalStorageNamespace"));
      spec.gcs = out;
    }
    spec.service_account = SpecReader::string(SpecReader::member(&m_root, "serviceAccount"));
    spec.queue = SpecReader::string(SpecReader::member(&m_root, "queue"));
    if (const Json* s = SpecReader::member(&m_root, "scheduler")) {
      Scheduler out;
      if (s->is_string()) {
        out.name = s->get<std::string>();
      } else {
        out.name = SpecReader::string(SpecReader::member(s, "name")).value_or("");
        out.queue = SpecReader::string(SpecReader::member(s, "queue"));
        out.gang = SpecReader::boolean(SpecReader::member(s, "gang")).value_or(false);
        static const std::set<std::string> k_queued = {"volcano", "yunikorn", "kai-scheduler"};
        if (out.queue && k_queued.count(out.name) == 0) {
          m_reader.error("/scheduler/queue",
                         "scheduler.queue is known for volcano, yunikorn and kai-scheduler, not " +
                             util::quote(out.name) +
                             "; for a Kueue queue use the top-level queue key");
        }
      }
      spec.scheduler = out;
    }
  }

  static std::optional<SecretKey> secret_key(const Json* v, const char* default_key) {
    auto name = SpecReader::string(SpecReader::member(v, "name"));
    if (!name) {
      return std::nullopt;
    }
    return SecretKey{*name, SpecReader::string(SpecReader::member(v, "key")).value_or(default_key)};
  }

  // Returns the section `key` that only kind `owner` has (job, serve), or
  // nullptr, reporting it when another kind has it or `owner` lacks it.
  const Json* kind_section(const Spec& spec,
                           const char* key,
                           WorkloadKind owner,
                           const char* needs) {
    const Json* section = SpecReader::member(&m_root, key);
    const std::string pointer = std::string("/") + key;
    if (spec.kind != owner) {
      if (section != nullptr) {
        m_reader.error(pointer, fmt::format("{} is only for kind {}", key, kind_name(owner)), true);
      }
      return nullptr;
    }
    if (section == nullptr) {
      m_reader.error(m_root.contains("kind") ? "/kind" : "",
                     fmt::format("a {} needs a {} section with {}", kind_name(owner), key, needs));
    }
    return section != nullptr && section->is_object() ? section : nullptr;
  }

  void read_job(Spec& spec) {
    const Json* job = kind_section(spec, "job", WorkloadKind::ray_job, "an entrypoint");
    if (job == nullptr) {
      return;
    }
    JobSettings out;
    out.entrypoint = SpecReader::string(SpecReader::member(job, "entrypoint")).value_or("");
    if (const Json* env = SpecReader::member(job, "runtimeEnv")) {
      out.runtime_env_yaml = embedded_yaml(*env, "/job/runtimeEnv", "runtimeEnv");
    }
    out.submission_mode =
        SpecReader::string(SpecReader::member(job, "submissionMode")).value_or("K8sJobMode");
    out.shutdown_after_finish =
        SpecReader::boolean(SpecReader::member(job, "shutdownAfterFinish")).value_or(true);
    out.ttl_seconds = m_reader.duration(SpecReader::member(job, "ttl"));
    out.active_deadline_seconds = m_reader.duration(SpecReader::member(job, "activeDeadline"));
    out.backoff_limit = SpecReader::integer(SpecReader::member(job, "backoffLimit"));
    // KubeRay's ValidateRayJobSpec rules, caught before anything is sent.
    if (out.ttl_seconds.value_or(0) > 0 && !out.shutdown_after_finish) {
      m_reader.error("/job/ttl",
                     "ttl needs shutdownAfterFinish: true (KubeRay refuses "
                     "ttlSecondsAfterFinished without shutdownAfterJobFinishes)");
    }
    if (out.active_deadline_seconds && *out.active_deadline_seconds <= 0) {
      m_reader.error("/job/activeDeadline", "activeDeadline must be positive");
    }
    if (out.submission_mode == "InteractiveMode" && out.backoff_limit.value_or(0) > 0) {
      m_reader.error("/job/backoffLimit", "backoffLimit cannot be used with InteractiveMode");
    }
    spec.job = out;
  }

  void read_serve(Spec& spec) {
    const Json* serve =
        kind_section(spec, "serve", WorkloadKind::ray_service, "config or configFile");
    if (serve == nullptr) {
      return;
    }
    ServeSettings out;
    const Json* config = SpecReader::member(serve, "config");
    auto file = SpecReader::string(SpecReader::member(serve, "configFile"));
    if (config != nullptr && file) {
      m_reader.error("/serve/configFile", "set either serve.config or serve.configFile, not both",
                     true);
    } else if (config == nullptr && !file) {
      m_reader.error("/serve", "serve needs config or configFile", true);
    }
    if (config != nullptr) {
      out.config_text = embedded_yaml(*config, "/serve/config", "serve.config");
    } else if (file) {
      out.config_file = *file;
      out.config_file_pointer = "/serve/configFile";
    }
    out.upgrade_strategy = SpecReader::string(SpecReader::member(serve, "upgradeStrategy"));
    if (const Json* inc = SpecReader::member(serve, "incrementalUpgrade");
        inc != nullptr && inc->is_object()) {
      IncrementalUpgrade u;
      u.gateway_class_name =
          SpecReader::string(SpecReader::member(inc, "gatewayClassName")).value_or("");
      u.step_size_percent =
          SpecReader::integer(SpecReader::member(inc, "stepSizePercent")).value_or(0);
      u.max_surge_percent = SpecReader::integer(SpecReader::member(inc, "maxSurgePercent"));
      u.interval_seconds = m_reader.duration(SpecReader::member(inc, "interval")).value_or(0);
      if (u.interval_seconds <= 0) {
        m_reader.error("/serve/incrementalUpgrade/interval", "interval must be positive");
      }
      out.incremental = u;
    }
    const bool incremental = out.upgrade_strategy == "NewClusterWithIncrementalUpgrade";
    if (incremental && !out.incremental) {
      m_reader.error("/serve/upgradeStrategy",
                     "NewClusterWithIncrementalUpgrade needs serve.incrementalUpgrade");
    } else if (!incremental && out.incremental) {
      m_reader.error("/serve/incrementalUpgrade",
                     "incrementalUpgrade needs upgradeStrategy: NewClusterWithIncrementalUpgrade",
                     true);
    }
    if (incremental && !spec.autoscaler) {
      m_reader.error("/serve/upgradeStrategy",
                     "NewClusterWithIncrementalUpgrade needs the autoscaler (KubeRay rule)");
    }
    spec.serve = out;
  }

  // A mapping written out as YAML text, or YAML text that must hold a
  // mapping (KubeRay parses runtimeEnvYAML and serveConfigV2 as mappings).
  std::optional<std::string> embedded_yaml(const Json& v,
                                           const std::string& ptr,
                                           const std::string& what) {
    if (v.is_object()) {
      return emit_yaml(v);
    }
    if (!v.is_string()) {
      return std::nullopt;
    }
    auto source = std::make_shared<SourceFile>(SourceFile{what, v.get<std::string>()});
    auto docs = parse_documents(source);
    if (!docs) {
      m_reader.error(ptr, what + " is not valid YAML: " + docs.error().to_string());
    } else if (docs->size() != 1 || !docs->front().root.is_object()) {
      m_reader.error(ptr, what + " must be a YAML mapping");
    }
    return v.get<std::string>();
  }

  // Rules across a pod's settings.
  void check_pods(const Spec& spec) {
    auto check = [&](const PodSettings& pod, const std::string& ptr) {
      bool mounts_shm = false;
      for (const auto& v : pod.volumes) {
        mounts_shm = mounts_shm || v.mount["mountPath"] == "/dev/shm";
        if (v.volume["name"] == "shared-mem") {
          m_reader.error(ptr + "/volumes",
                         "volume name 'shared-mem' is reserved for /dev/shm (use shm instead)");
        }
      }
      if (mounts_shm && pod.shm && pod.shm->enabled) {
        m_reader.error(ptr + "/shm", "shm and a volume mounted at /dev/shm cannot both be set");
      }
    };
    check(spec.head, "/head");
    for (std::size_t i = 0; i < spec.workers.size(); ++i) {
      check(spec.workers[i].pod, pointer_append("/workers", i));
    }
  }

  const Document& m_doc;
  const Json& m_root;
  SpecReader m_reader;
};

}  // namespace

SpecResult parse_spec(const Document& doc) {
  SpecResult result;
  if (!doc.root.is_object()) {
    result.diagnostics.push_back(make_diagnostic(
        doc, "",
        "expected a mapping with kind, name, head, workers ..., got " + json_type_name(doc.root)));
    return result;
  }
  static const SchemaValidator* const k_validator = [] {
    auto* v = new SchemaValidator(spec_schema());  // lives for the process
    add_spec_formats(*v);
    return v;
  }();
  std::vector<SchemaViolation> violations;
  k_validator->validate(doc.root, violations, [&doc](const std::string& p) {
    const auto* m = doc.mark(p);
    return m != nullptr ? m->raw : std::string();
  });
  for (auto& v : violations) {
    // `Y: 1` is an unknown key "true" too: the quoting message below says
    // it once, with the fix.
    if (const auto* m = doc.mark(v.pointer);
        v.kind == ViolationKind::unknown_key && m != nullptr && !m->key_raw.empty()) {
      continue;
    }
    const bool at_key = v.kind == ViolationKind::unknown_key || v.kind == ViolationKind::required;
    // A value from `--set` is quoted past the shell, or given as a string.
    if (const auto* m = doc.mark(v.pointer);
        m != nullptr && m->source && m->source->name == "--set" && !m->raw.empty()) {
      const std::string hint = "; write \"" + m->raw + "\" to keep it a string)";
      if (const auto at = v.message.find(hint); at != std::string::npos) {
        const std::string& set = m->source->text;
        const std::string path = set.substr(0, set.find('='));
        v.message = v.message.substr(0, at) + "; pass --set-string " + path + "=" + m->raw +
                    ", or --set '" + path + "=\"" + m->raw + "\"')";
      }
    }
    result.diagnostics.push_back(make_diagnostic(doc, v.pointer, std::move(v.message), at_key));
  }
  // A key such as `Y:` or `on:` reaches Kubernetes as "true": in a spec it
  // is always a mistake (an env name, a label), so say so.
  for (const auto& [pointer, mark] : doc.marks) {
    if (!mark.key_raw.empty()) {
      const std::string key = pointer.substr(pointer.rfind('/') + 1);
      result.diagnostics.push_back(
          make_diagnostic(doc, pointer,
                          "YAML reads the unquoted key " + util::quote(mark.key_raw) + " as " +
                              key + "; write \"" + mark.key_raw + "\" to keep the name",
                          true));
    }
  }
  Spec spec = SpecParser(doc, result.diagnostics).run();
  sort_diagnostics(result.diagnostics);
  if (!has_errors(result.diagnostics)) {
    result.spec = std::move(spec);
  }
  return result;
}

}  // namespace kray::core
