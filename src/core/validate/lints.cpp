// SPDX-License-Identifier: Apache-2.0
// Lints: configurations that the API server and the KubeRay operator accept
// but that fail later (pods never created, NCCL falling back to TCP, a
// cluster left running). Each has a page in docs/lints/.
#include <krayctl/core/k8s/k8s_names.hpp>
#include <krayctl/core/k8s/quantity.hpp>
#include <krayctl/util/strings.hpp>

#include "validate_context.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace kray::core {

namespace {

constexpr std::array<LintInfo, 27> k_lints = {{
    {"autoscaler-v2-old-ray", Severity::warning, "autoscaler v2 needs Ray 2.10 or later"},
    {"autoscaler-v2-restart-policy", Severity::warning,
     "autoscaler v2 (enabled by env var) with a restartPolicy other than Never, unset included"},
    {"autoscaling-no-limits", Severity::warning,
     "an autoscaled worker group that states no cpu or memory (limit, request or rayStartParams)"},
    {"deprecated-v1alpha1", Severity::warning,
     "a ray.io/v1alpha1 object: still served by KubeRay v1.6.2, deprecated"},
    {"entrypoint-resources", Severity::warning,
     "entrypointResources is not a JSON object of numbers"},
    {"gpu-without-shm", Severity::warning,
     "a GPU pod whose /dev/shm is not memory-backed (the operator adds one unless told not to)"},
    {"head-no-dashboard-port", Severity::warning,
     "head container ports without one named 'dashboard'"},
    {"image-invalid-reference", Severity::warning,
     "an image that is no valid reference (a placeholder left in)"},
    {"image-mismatch", Severity::warning,
     "worker and head images carry different Ray or Python versions"},
    {"image-tag-latest", Severity::warning, "an image with the tag 'latest' or no tag"},
    {"job-metadata-ray-version", Severity::warning,
     "RayJob metadata in K8sJobMode needs rayVersion 2.6.0 or later"},
    {"kueue-autoscaling", Severity::warning, "a Kueue queue label with in-tree autoscaling"},
    {"nccl-ib-without-rdma", Severity::warning,
     "NCCL InfiniBand env on a GPU container without an RDMA resource"},
    {"no-gcs-ft", Severity::warning, "a RayService without GCS fault tolerance"},
    {"num-gpus-mismatch", Severity::warning,
     "rayStartParams num-gpus differs from the container's GPU limit"},
    {"plasma-directory", Severity::warning,
     "rayStartParams plasma-directory moves the object store off /dev/shm"},
    {"quoted-entrypoint", Severity::warning, "a RayJob entrypoint wrapped in quotes"},
    {"ray-version-mismatch", Severity::warning, "the image's Ray version differs from rayVersion"},
    {"raycronjob-name", Severity::warning,
     "a RayCronJob name that makes every RayJob it creates invalid"},
    {"rayjob-no-shutdown", Severity::warning,
     "a RayJob that does not say shutdownAfterJobFinishes leaves its cluster running"},
    {"rdma-without-ipc-lock", Severity::warning,
     "an RDMA resource without the IPC_LOCK capability"},
    {"rdma-without-nccl-env", Severity::warning, "an RDMA resource without NCCL InfiniBand env"},
    {"replicas-not-min", Severity::warning,
     "replicas outside minReplicas..maxReplicas: the operator starts another number"},
    {"resource-requests-limits", Severity::error,
     "extended resource (GPU, RDMA) requests differ from limits"},
    {"serve-port-missing", Severity::warning,
     "RayService head container ports without one named 'serve'"},
    {"shm-over-memory", Severity::warning,
     "a memory-backed /dev/shm larger than the container's memory"},
    {"submitter-restart-policy", Severity::warning,
     "a submitter pod template with restartPolicy other than Never or OnFailure"},
}};

}  // namespace

std::span<const LintInfo> lint_catalog() {
  return k_lints;
}

const LintInfo* find_lint(std::string_view id) {
  for (const auto& l : k_lints) {
    if (l.id == id) {
      return &l;
    }
  }
  return nullptr;
}

namespace detail {

namespace {

// One pod template of a cluster: the head or a worker group.
struct PodTemplate {
  const Json* group = nullptr;           // headGroupSpec or workerGroupSpecs[i]
  const Json* original_group = nullptr;  // the same, as written (before CRD defaults)
  const Json* pod = nullptr;             // its template
  std::string pointer;                   // of `group`
  std::string what;                      // "the head", "worker group gpu"
  bool is_head = false;

  const Json* container() const { return ray_container(pod); }
  std::string container_ptr() const { return pointer + "/template/spec/containers/0"; }
  const Json* pod_spec() const { return child(pod, "spec"); }
};

std::vector<PodTemplate> pod_templates(const Checker& c, const ClusterSpec& cs) {
  std::vector<PodTemplate> out;
  if (const Json* head = child(cs.spec, "headGroupSpec")) {
    out.push_back(
        {head, nullptr, child(head, "template"), cs.pointer + "/headGroupSpec", "the head", true});
  }
  const Json* groups = child(cs.spec, "workerGroupSpecs");
  for (std::size_t i = 0; i < array_size(groups); ++i) {
    const Json* g = child(groups, i);
    const std::string gp = ptr(cs.pointer, "workerGroupSpecs", i);
    std::string name = string_of(child(g, "groupName"));
    out.push_back({g, find_pointer(c.original(), gp), child(g, "template"), gp,
                   "worker group " + (name.empty() ? "#" + std::to_string(i) : name), false});
  }
  return out;
}

// The Ray version in an image tag: "rayproject/ray:2.46.0-py311-gpu" ->
// 2.46.0. nullopt for tags without one (a digest, "nightly", "latest").
std::optional<Version> image_ray_version(const std::string& image) {
  const auto at = image.find('@');
  const std::string ref = image.substr(0, at);
  const auto colon = ref.rfind(':');
  if (colon == std::string::npos || ref.find('/', colon) != std::string::npos) {
    return std::nullopt;
  }
  // MAJOR.MINOR.PATCH at the start of the tag (after an optional "v"),
  // ending the tag or followed by - . + or _ ("2.46.0-py311-gpu",
  // "2.46.0.0e19ea-py39").
  std::string_view tag = std::string_view(ref).substr(colon + 1);
  if (!tag.empty() && tag.front() == 'v') {
    tag.remove_prefix(1);
  }
  std::array<int, 3> parts{};
  std::size_t i = 0;
  for (std::size_t n = 0; n < 3; ++n) {
    const std::size_t start = i;
    int value = 0;
    while (i < tag.size() && tag[i] >= '0' && tag[i] <= '9' && i - start < 6) {
      value = value * 10 + (tag[i] - '0');
      ++i;
    }
    if (i == start || (n < 2 && (i >= tag.size() || tag[i] != '.'))) {
      return std::nullopt;
    }
    parts[n] = value;
    i += n < 2 ? 1 : 0;
  }
  if (i < tag.size() && std::string_view("-.+_").find(tag[i]) == std::string_view::npos) {
    return std::nullopt;
  }
  return Version{parts[0], parts[1], parts[2]};
}

// "" for a pinned image; else why it is not pinned.
std::string unpinned_tag(const std::string& image) {
  if (image.empty() || image.find('@') != std::string::npos) {
    return "";
  }
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return "has no tag (Kubernetes pulls 'latest')";
  }
  if (image.substr(colon + 1) == "latest") {
    return "uses the tag 'latest'";
  }
  return "";
}

// The repository of an image reference, without registry, tag or digest:
// "docker.io/rayproject/ray:2.9.0" -> "rayproject/ray".
std::string image_repository(const std::string& image) {
  std::string ref = image.substr(0, image.find('@'));
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref.erase(colon);
  }
  const auto first = ref.find('/');
  if (first != std::string::npos) {
    const std::string host = ref.substr(0, first);
    if (host.find('.') != std::string::npos || host.find(':') != std::string::npos ||
        host == "localhost") {
      ref.erase(0, first + 1);
    }
  }
  return ref;
}

// Whether an image's tag names the Ray it carries: Ray's own images
// (rayproject/*, anyscale/*), or a repository named ray, ray-ml or ray-llm
// (a mirror in another registry). An application's own tag says nothing
// about Ray: "dogbooth:0.0.1-gpu", "ray-preproc:1.3.0" built on Ray 2.46.
std::optional<Version> known_ray_version(const std::string& image) {
  const auto v = image_ray_version(image);
  if (!v) {
    return std::nullopt;
  }
  const std::string repo = util::to_lower(image_repository(image));
  const std::string name = repo.substr(repo.rfind('/') + 1);
  const bool ray_project = repo.rfind("rayproject/", 0) == 0 || repo.rfind("anyscale/", 0) == 0;
  const bool ray_name = name == "ray" || name == "ray-ml" || name == "ray-llm";
  return ray_project || ray_name ? v : std::nullopt;
}

// The Python of Ray's image tags: "-py311" -> "3.11"; "" when not said.
std::string image_python(const std::string& image) {
  const std::string ref = image.substr(0, image.find('@'));
  const auto colon = ref.rfind(':');
  if (colon == std::string::npos || ref.find('/', colon) != std::string::npos) {
    return "";
  }
  const std::string tag = ref.substr(colon + 1);
  for (std::size_t at = tag.find("py"); at != std::string::npos; at = tag.find("py", at + 2)) {
    std::size_t end = at + 2;
    while (end < tag.size() && std::isdigit(static_cast<unsigned char>(tag[end])) != 0) {
      ++end;
    }
    const bool bounded = (at == 0 || tag[at - 1] == '-' || tag[at - 1] == '.') &&
                         (end == tag.size() || tag[end] == '-' || tag[end] == '.');
    if (bounded && end - at - 2 >= 2) {
      return tag.substr(at + 2, 1) + "." + tag.substr(at + 3, end - at - 3);
    }
  }
  return "";
}

// Why `image` is no valid reference, "" when it is one: placeholders such
// as "$VLLM_IMAGE" or "<your image>" that were never filled in. The kubelet
// refuses them (InvalidImageName).
std::string invalid_reference(const std::string& image) {
  if (image.empty()) {
    return "";
  }
  for (const char c : image) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                    std::string_view("._-/:@").find(c) != std::string_view::npos;
    if (!ok) {
      return "holds " + util::quote(std::string(1, c)) +
             ", which no image reference may: a placeholder left in? (the kubelet fails the "
             "Pod with InvalidImageName)";
    }
  }
  return "";
}

bool autoscaler_v2(const Json* spec, const Json* head_container) {
  return string_of(child(child(spec, "autoscalerOptions"), "version")) == "v2" || [&] {
    const std::string v = env_value(head_container, "RAY_enable_autoscaler_v2");
    return v == "1" || util::to_lower(v) == "true";
  }();
}

// image-tag-latest for every container of a pod template at `pointer`.
void lint_image_tags(Checker& c, const Json* pod, const std::string& pointer) {
  const Json* containers = child(child(pod, "spec"), "containers");
  for (std::size_t i = 0; i < array_size(containers); ++i) {
    const Json* image = child(child(containers, i), "image");
    const std::string text = string_of(image);
    const std::string at = pointer + "/spec/containers/" + std::to_string(i) + "/image";
    if (auto bad = invalid_reference(text); !bad.empty()) {
      c.lint("image-invalid-reference", at, "image " + util::quote(text) + " " + bad);
    } else if (auto why = unpinned_tag(text); !why.empty() && image != nullptr) {
      c.lint("image-tag-latest", at,
             "image " + util::quote(text) + " " + why +
                 (i == 0 ? ": pin a version so every node runs the same Ray"
                         : ": pin a version so every Pod runs the same image"));
    }
  }
}

void lint_images(Checker& c, const ClusterSpec& cs, const std::vector<PodTemplate>& pods) {
  const std::string ray_version = string_of(child(cs.spec, "rayVersion"));
  const auto wanted = parse_version(ray_version);
  const std::string head_image = pods.empty() || !pods.front().is_head
                                     ? ""
                                     : string_of(child(pods.front().container(), "image"));
  const auto head_ray = known_ray_version(head_image);
  const std::string head_python = image_python(head_image);
  for (const auto& p : pods) {
    lint_image_tags(c, p.pod, p.pointer + "/template");
    const std::string image = string_of(child(p.container(), "image"));
    const std::string ip = p.container_ptr() + "/image";
    const auto tagged = known_ray_version(image);
    if (tagged && wanted && *tagged != *wanted) {
      c.lint("ray-version-mismatch", ip,
             "image " + util::quote(image) + " carries Ray " + version_string(*tagged) +
                 " but rayVersion is " + ray_version);
    }
    if (p.is_head || head_image.empty() || image.empty() || image == head_image) {
      continue;
    }
    // Ray's docs pair a CPU head (2.37.0) with GPU workers (2.37.0-gpu):
    // what must agree is Ray's version and Python's, not the whole tag.
    const std::string python = image_python(image);
    std::string differs;
    if (tagged && head_ray && *tagged != *head_ray) {
      differs =
          "Ray " + version_string(*tagged) + " against the head's " + version_string(*head_ray);
    } else if (!python.empty() && !head_python.empty() && python != head_python) {
      differs = "Python " + python + " against the head's " + head_python;
    }
    if (!differs.empty()) {
      c.lint("image-mismatch", ip,
             p.what + " runs " + util::quote(image) + " but the head runs " +
                 util::quote(head_image) + " (" + differs +
                 "): Ray needs the same Ray and Python versions everywhere");
    }
  }
}

void lint_autoscaler(Checker& c, const ClusterSpec& cs, const std::vector<PodTemplate>& pods) {
  const bool autoscaling = is_true(child(cs.spec, "enableInTreeAutoscaling"));
  const Json* head_container =
      pods.empty() || !pods.front().is_head ? nullptr : pods.front().container();
  const bool v2 = autoscaling && autoscaler_v2(cs.spec, head_container);
  const std::string ray_version = string_of(child(cs.spec, "rayVersion"));
  if (v2) {
    const auto v = parse_version(ray_version);
    if (!v || *v < Version{2, 10, 0}) {
      c.lint("autoscaler-v2-old-ray", ray_version.empty() ? cs.pointer : cs.pointer + "/rayVersion",
             ray_version.empty()
                 ? "autoscaler v2 needs Ray 2.10 or later; set rayVersion"
                 : "autoscaler v2 needs Ray 2.10 or later, rayVersion is " + ray_version);
    }
    // With autoscalerOptions.version: v2 the operator itself refuses other
    // policies (an error); with only the env var it does not look.
    if (string_of(child(child(cs.spec, "autoscalerOptions"), "version")) != "v2") {
      for (const auto& p : pods) {
        // Unset is Kubernetes' default, Always.
        const Json* set = child(p.pod_spec(), "restartPolicy");
        const std::string policy = set != nullptr ? string_of(set) : "Always";
        if (policy != "Never") {
          c.lint("autoscaler-v2-restart-policy",
                 p.pointer + (set != nullptr ? "/template/spec/restartPolicy" : "/template/spec"),
                 "autoscaler v2 replaces failed Pods itself; restartPolicy of " + p.what +
                     " should be Never, got " + policy + (set != nullptr ? "" : " (the default)"));
        }
      }
    }
  }
  for (const auto& p : pods) {
    if (p.is_head) {
      continue;
    }
    // The operator runs clamp(replicas, minReplicas, maxReplicas): a value
    // outside is not what starts. Within the bounds (a warm start above
    // the minimum) it is what the user meant. `replicas` defaults to 0 in
    // the CRD: only a value the user wrote counts.
    const auto replicas = integer_of(child(p.original_group, "replicas"));
    const auto min = integer_of(child(p.group, "minReplicas"));
    const auto max = integer_of(child(p.group, "maxReplicas"));
    if (replicas && min && *replicas < *min) {
      c.lint("replicas-not-min", p.pointer + "/replicas",
             p.what + " asks for replicas " + std::to_string(*replicas) + " below minReplicas " +
                 std::to_string(*min) + ": the operator starts " + std::to_string(*min));
    } else if (replicas && max && *replicas > *max) {
      c.lint("replicas-not-min", p.pointer + "/replicas",
             p.what + " asks for replicas " + std::to_string(*replicas) + " above maxReplicas " +
                 std::to_string(*max) + ": the operator starts " + std::to_string(*max));
    }
    if (!autoscaling) {
      continue;
    }
    // Ray's autoscaler reads a node type's CPU and memory from
    // rayStartParams, else the container's limits, else its requests.
    const Json* limits = container_resources(p.container(), "limits");
    const Json* requests = container_resources(p.container(), "requests");
    const Json* params = child(p.group, "rayStartParams");
    const bool cpu = child(limits, "cpu") != nullptr || child(requests, "cpu") != nullptr ||
                     child(params, "num-cpus") != nullptr;
    const bool memory = child(limits, "memory") != nullptr ||
                        child(requests, "memory") != nullptr || child(params, "memory") != nullptr;
    if ((!cpu || !memory) && p.container() != nullptr) {
      c.lint("autoscaling-no-limits", p.container_ptr(),
             p.what + " states no " +
                 std::string(!cpu && !memory ? "cpu or memory"
                             : !cpu          ? "cpu"
                                             : "memory") +
                 " (limit, request or rayStartParams): the autoscaler cannot size its node type");
    }
  }
}

// What a volume at /dev/shm is, for messages: "emptyDir on disk", "hostPath".
std::string volume_source(const Json* volume) {
  if (volume == nullptr || !volume->is_object()) {
    return "a volume that is not in the Pod";
  }
  for (auto it = volume->begin(); it != volume->end(); ++it) {
    if (it.key() != "name") {
      return it.key() == "emptyDir" ? "an emptyDir on disk (no medium: Memory)" : "a " + it.key();
    }
  }
  return "a volume without a source";
}

void lint_resources(Checker& c, const std::vector<PodTemplate>& pods) {
  for (const auto& p : pods) {
    const Json* containers = child(p.pod_spec(), "containers");
    for (std::size_t i = 0; i < array_size(containers); ++i) {
      const Json* container = child(containers, i);
      const std::string cp = p.pointer + "/template/spec/containers/" + std::to_string(i);
      for (const auto& name : extended_resources(container)) {
        const auto request = resource_quantity(container, "requests", name);
        const auto limit = resource_quantity(container, "limits", name);
        if (request && !limit) {
          c.lint("resource-requests-limits", ptr(cp + "/resources/requests", name),
                 name +
                     " is requested without a limit: Kubernetes rejects the Pod; set limits "
                     "equal to requests");
        } else if (request && limit && request->value != limit->value) {
          c.lint("resource-requests-limits", ptr(cp + "/resources/requests", name),
                 name + " request (" + format_amount(request->value) +
                     ") differs from its limit (" + format_amount(limit->value) +
                     "): Kubernetes rejects the Pod");
        }
      }
    }
    const Json* container = p.container();
    const double gpus = gpu_limit(container);
    const Json* params = child(p.group, "rayStartParams");
    if (const Json* num_gpus = child(params, "num-gpus"); num_gpus != nullptr) {
      const auto declared = parse_quantity_value(*num_gpus);
      if (declared && declared->value != gpus) {
        c.lint("num-gpus-mismatch", p.pointer + "/rayStartParams/num-gpus",
               "rayStartParams num-gpus is " + format_amount(declared->value) + " but " + p.what +
                   "'s container has " + format_amount(gpus) + " GPU(s)");
      }
    }
    if (child(params, "plasma-directory") != nullptr) {
      c.lint("plasma-directory", p.pointer + "/rayStartParams/plasma-directory",
             "plasma-directory moves Ray's object store off /dev/shm onto slower storage; mount "
             "a memory-backed /dev/shm instead");
    }
    const ShmSetup shm = shm_setup(p.pod_spec(), container, params);
    if (gpus > 0 && shm.kind == ShmSetup::Kind::not_memory) {
      c.lint("gpu-without-shm", p.pointer + "/template/spec",
             p.what + " uses GPUs and mounts " + volume_source(shm.volume) +
                 " at /dev/shm, so the operator adds none: NCCL's shared-memory segments and "
                 "the object store go to disk");
    } else if (gpus > 0 && shm.kind == ShmSetup::Kind::none) {
      c.lint("gpu-without-shm", p.pointer + "/rayStartParams/plasma-directory",
             p.what +
                 " uses GPUs and sets plasma-directory, so the operator adds no /dev/shm: NCCL "
                 "gets the container runtime's 64 MiB");
    } else if (gpus > 0 && shm.kind == ShmSetup::Kind::memory && shm.size &&
               *shm.size < 256.0 * 1024 * 1024) {
      c.lint("gpu-without-shm", p.pointer + "/template/spec",
             p.what + " uses GPUs with a " + format_bytes(*shm.size) +
                 " /dev/shm: NCCL's segments (6-10 MiB each, many per GPU) will not fit");
    }
    if (shm.kind == ShmSetup::Kind::memory && shm.size && shm.memory && *shm.size > *shm.memory) {
      c.lint("shm-over-memory", p.pointer + "/template/spec",
             p.what + " mounts a memory-backed /dev/shm of " + format_bytes(*shm.size) +
                 " with a memory limit of " + format_bytes(*shm.memory) +
                 ": what is written there counts against the limit, so the Pod is OOM-killed "
                 "before /dev/shm fills; keep the size below the memory limit");
    }
  }
}

void lint_rdma(Checker& c, const std::vector<PodTemplate>& pods) {
  for (const auto& p : pods) {
    const Json* container = p.container();
    if (container == nullptr) {
      continue;
    }
    const bool rdma = !rdma_resources(container).empty();
    if (rdma && !sets_nccl_rdma_env(container)) {
      c.lint("rdma-without-nccl-env", p.container_ptr(),
             p.what +
                 " requests an RDMA device but sets no NCCL_IB_HCA / NCCL_IB_* or "
                 "NCCL_NET_GDR_LEVEL: NCCL may pick the wrong device or fall back to TCP");
    }
    if (rdma && !has_ipc_lock(container)) {
      c.lint("rdma-without-ipc-lock", p.container_ptr(),
             p.what +
                 " requests an RDMA device without the IPC_LOCK capability: registering "
                 "memory with the NIC fails");
    }
    // Only where NCCL runs: a container with GPUs (a CPU-only head that
    // shares the workers' env block runs no collective).
    if (!rdma && gpu_limit(container) > 0 && sets_nccl_ib(container) &&
        env_value(container, "NCCL_IB_DISABLE") != "1") {
      c.lint("nccl-ib-without-rdma", p.container_ptr() + "/env",
             p.what +
                 " sets NCCL_IB_* but requests no RDMA device: there is no InfiniBand in the "
                 "Pod and NCCL falls back to TCP sockets");
    }
  }
}

bool has_port_named(const Json* ports, std::string_view wanted, bool prefix = false) {
  for (std::size_t i = 0; i < array_size(ports); ++i) {
    const std::string name = string_of(child(child(ports, i), "name"));
    if (name == wanted || (prefix && name.rfind(std::string(wanted) + "-", 0) == 0)) {
      return true;
    }
  }
  return false;
}

void lint_ports(Checker& c, const ClusterSpec& cs, const std::vector<PodTemplate>& pods) {
  if (pods.empty() || !pods.front().is_head) {
    return;
  }
  const PodTemplate& head = pods.front();
  const Json* ports = child(head.container(), "ports");
  if (array_size(ports) == 0) {
    return;  // KubeRay adds its default ports
  }
  // KubeRay looks the dashboard port up on the head Service, which also
  // carries headService.spec.ports.
  const Json* service_ports =
      child(child(child(child(cs.spec, "headGroupSpec"), "headService"), "spec"), "ports");
  const bool dashboard =
      has_port_named(ports, "dashboard") || has_port_named(service_ports, "dashboard");
  // A RayService with its own serveService does not need a serve port.
  const bool serve = has_port_named(ports, "serve", true) ||
                     child(child(&c.object(), "spec"), "serveService") != nullptr;
  if (!dashboard) {
    c.lint("head-no-dashboard-port", head.container_ptr() + "/ports",
           "the head container declares ports but none named 'dashboard': KubeRay cannot reach "
           "the dashboard to submit jobs or serve configs");
  }
  if (c.kind() == RayKind::ray_service && !serve) {
    c.lint("serve-port-missing", head.container_ptr() + "/ports",
           "the head container declares ports but none named 'serve': KubeRay cannot build the "
           "serve Service");
  }
}

void lint_cluster(Checker& c, const ClusterSpec& cs) {
  const auto pods = pod_templates(c, cs);
  lint_images(c, cs, pods);
  lint_autoscaler(c, cs, pods);
  lint_resources(c, pods);
  lint_rdma(c, pods);
  lint_ports(c, cs, pods);
  const bool autoscaling = is_true(child(cs.spec, "enableInTreeAutoscaling"));
  // Kueue's elastic jobs (KEP-77, feature gate ElasticJobsViaWorkloadSlices)
  // admit a RayCluster that grows and shrinks when it carries this
  // annotation.
  const bool elastic =
      util::to_lower(string_of(child(c.annotations(), "kueue.x-k8s.io/elastic-job"))) == "true";
  if (autoscaling && !elastic &&
      !string_of(child(c.labels(), "kueue.x-k8s.io/queue-name")).empty()) {
    c.lint("kueue-autoscaling", cs.pointer + "/enableInTreeAutoscaling",
           "Kueue admits a fixed size (label kueue.x-k8s.io/queue-name) but in-tree autoscaling "
           "is on: Pods beyond the admitted quota stay Pending");
  }
  // A RayService only: Ray's guide ("GCS fault tolerance in KubeRay", use
  // cases) recommends GCS FT for Ray Serve and says that for other
  // workloads it is not recommended and compatibility is not guaranteed.
  // A RayJob's cluster is short-lived by design.
  if (c.kind() == RayKind::ray_service) {
    const bool ft =
        child(cs.spec, "gcsFaultToleranceOptions") != nullptr ||
        util::to_lower(string_of(child(c.annotations(), "ray.io/ft-enabled"))) == "true";
    if (!ft) {
      c.lint("no-gcs-ft", cs.pointer,
             "a RayService without GCS fault tolerance: a head Pod restart takes the Serve "
             "applications down until they are deployed again; set gcsFaultToleranceOptions "
             "with a Redis address");
    }
  }
}

bool wrapped_in_quotes(std::string_view s) {
  s = util::trim(s);
  if (s.size() < 2 || (s.front() != '"' && s.front() != '\'') || s.back() != s.front()) {
    return false;
  }
  // "python a.py" is one word to the shell; "a" "b" is two quoted words.
  return s.substr(1, s.size() - 2).find(s.front()) == std::string_view::npos &&
         s.find(' ') != std::string_view::npos;
}

void lint_job_spec(Checker& c, const Json* spec, const std::string& base) {
  if (spec == nullptr) {
    return;
  }
  const std::string entrypoint = string_of(child(spec, "entrypoint"));
  if (wrapped_in_quotes(entrypoint)) {
    c.lint("quoted-entrypoint", base + "/entrypoint",
           "the whole entrypoint is quoted, so the shell looks for one program named " +
               std::string(util::trim(entrypoint)) + "; drop the outer quotes");
  }
  const bool own_cluster =
      child(spec, "rayClusterSpec") != nullptr && child(spec, "clusterSelector") == nullptr;
  // Silent when the user said so either way: `shutdownAfterJobFinishes:
  // false` keeps the cluster on purpose (the CRD has no default, so a
  // value present was written).
  // A TTL without it is the operator's error, reported as such.
  const bool ttl = integer_of(child(spec, "ttlSecondsAfterFinished")).value_or(0) > 0;
  if (own_cluster && child(spec, "shutdownAfterJobFinishes") == nullptr &&
      child(spec, "deletionStrategy") == nullptr && !ttl) {
    c.lint("rayjob-no-shutdown", base,
           "shutdownAfterJobFinishes is not set: the RayCluster (and its GPUs) keeps running "
           "after the job ends; set it to true, or to false to keep the cluster on purpose");
  }
  const std::string mode = string_of(child(spec, "submissionMode"));
  lint_image_tags(c, child(spec, "submitterPodTemplate"), base + "/submitterPodTemplate");
  if (const Json* policy =
          child(child(child(spec, "submitterPodTemplate"), "spec"), "restartPolicy")) {
    const std::string p = string_of(policy);
    if (p != "Never" && p != "OnFailure") {
      c.lint("submitter-restart-policy", base + "/submitterPodTemplate/spec/restartPolicy",
             "the submitter runs as a Job, whose Pods must use restartPolicy Never or OnFailure, "
             "got " +
                 util::quote(p));
    }
  }
  if (const Json* resources = child(spec, "entrypointResources");
      resources != nullptr && resources->is_string()) {
    const auto parsed = Json::parse(resources->get<std::string>(), nullptr, false);
    bool ok = parsed.is_object();
    for (auto it = parsed.begin(); ok && it != parsed.end(); ++it) {
      ok = it->is_number();
    }
    if (!ok) {
      c.lint("entrypoint-resources", base + "/entrypointResources",
             "entrypointResources must be a JSON object of numbers, such as "
             "'{\"custom_resource\": 1}'");
    }
  }
  if ((mode.empty() || mode == "K8sJobMode") && is_nonempty_object(child(spec, "metadata"))) {
    const std::string ray_version = string_of(child(child(spec, "rayClusterSpec"), "rayVersion"));
    const auto v = parse_version(ray_version);
    if (!v || *v < Version{2, 6, 0}) {
      c.lint("job-metadata-ray-version", base + "/metadata",
             "job metadata is passed with --metadata-json, which needs rayVersion 2.6.0 or "
             "later; rayVersion is " +
                 (ray_version.empty() ? std::string("not set") : util::quote(ray_version)));
    }
  }
}

}  // namespace

void run_lints(Checker& c) {
  if (is_v1alpha1(c.object())) {
    std::string msg =
        "ray.io/v1alpha1 is deprecated: KubeRay v1.6.2 still serves it but stores ray.io/v1; "
        "change apiVersion to ray.io/v1 (which accepts these fields, and no longer requires "
        "rayStartParams)";
    if (c.kind() == RayKind::ray_service) {
      msg += " (a RayService's Serve config goes in serveConfigV2, as a YAML string, in both)";
    }
    c.lint("deprecated-v1alpha1", "/apiVersion", msg);
  }
  for (const auto& cs : c.cluster_specs()) {
    if (cs.spec != nullptr && cs.spec->is_object()) {
      lint_cluster(c, cs);
    }
  }
  if (c.kind() == RayKind::ray_job) {
    lint_job_spec(c, child(&c.object(), "spec"), "/spec");
  } else if (c.kind() == RayKind::ray_cron_job) {
    lint_job_spec(c, child(child(&c.object(), "spec"), "jobTemplate"), "/spec/jobTemplate");
    // Each RayJob is named <cronjob>-<5 random characters>, and a RayJob
    // name must be a DNS-1035 label of at most 47 characters.
    const std::string name = string_of(child(child(&c.object(), "metadata"), "name"));
    if (!name.empty() && (name.size() > 41 || check_dns1035_label(name + "-abcde"))) {
      c.lint("raycronjob-name", "/metadata/name",
             "every RayJob this creates is named " + util::quote(name + "-xxxxx") +
                 ", which KubeRay refuses: RayJob names are DNS-1035 labels of at most 47 "
                 "characters, so keep this name to 41");
    }
  }
}

}  // namespace detail

}  // namespace kray::core
