// SPDX-License-Identifier: Apache-2.0
// The KubeRay v1.6.2 operator's validation, as explicit checks:
// ray-operator/controllers/ray/utils/validation.go (ValidateRayCluster*,
// ValidateRayJob*, ValidateRayService*, ValidateRayCronJobSpec) and the
// RayCluster webhook (pkg/webhooks/v1). The numbers in comments are those
// of docs/validation.md. The operator stops at the first failure; krayctl
// reports every one, so a user fixes them in one pass.
#include <krayctl/core/k8s/k8s_names.hpp>
#include <krayctl/core/k8s/quantity.hpp>
#include <krayctl/util/strings.hpp>

#include "validate_context.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace kray::core::detail {

namespace {

const Version k_min_token_auth{2, 52, 0};
const Version k_min_k8s_token_auth{2, 55, 0};

// ray.io/initializing-timeout as the operator reads it: an integer
// (strconv.Atoi: optional sign, digits) of seconds, or else a Go duration.
std::optional<double> parse_timeout_seconds(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    digits.remove_prefix(1);
  }
  if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos) {
    long long v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      return std::nullopt;  // beyond int64: Atoi fails too
    }
    return static_cast<double>(text.front() == '-' ? -v : v);
  }
  return parse_go_duration(text);
}

// The operator compares exactly: "True" does not enable autoscaler v2.
bool env_is_true(const std::string& v) {
  return v == "1" || v == "true";
}

std::string group_name(const Json* group, std::size_t index) {
  std::string name = string_of(child(group, "groupName"));
  return name.empty() ? "#" + std::to_string(index) : name;
}

// Rules 1-2, 38-39, 64: KubeRay names become Service names with suffixes.
void check_name(Checker& c, std::size_t max_length) {
  const Json* name = child(child(&c.object(), "metadata"), "name");
  if (name == nullptr || !name->is_string()) {
    return;  // ObjectMeta checks report it
  }
  const std::string kind(ray_kind_name(c.kind()));
  const std::string& s = name->get_ref<const std::string&>();
  if (s.size() > max_length) {
    c.error(k_rule_kuberay, "/metadata/name",
            kind + " name should be no more than " + std::to_string(max_length) +
                " characters, got " + std::to_string(s.size()) +
                " (KubeRay derives Service names from it)");
  } else if (check_dns1123_subdomain(s)) {
    return;  // the API server's own name rule (ObjectMeta) reports it
  } else if (auto why = check_dns1035_label(s)) {
    c.error(k_rule_kuberay, "/metadata/name",
            kind + " name " + util::quote(s) + " " + *why + " (KubeRay names Services after it)");
  }
}

// Rules 6 and 10: a pod template without containers. A `spec` that lacks
// the key is the schema's error (PodSpec requires containers); an empty
// list, or a template without a spec at all, is the operator's.
bool no_containers(const Json* pod_template) {
  const Json* spec = child(pod_template, "spec");
  if (spec == nullptr) {
    return pod_template->is_object();
  }
  const Json* containers = child(spec, "containers");
  return containers != nullptr && containers->is_array() && containers->empty();
}

// Rules 7-9 (head) and 15 (each worker group).
void check_group_resources(Checker& c,
                           const Json* group,
                           const std::string& pointer,
                           const std::string& what) {
  const Json* params = child(group, "rayStartParams");
  bool params_have_resources = false;
  for (const char* key : {"num-cpus", "num-gpus", "memory", "resources"}) {
    params_have_resources = params_have_resources || !string_of(child(params, key)).empty();
  }
  if (params_have_resources && is_nonempty_object(child(group, "resources"))) {
    c.error(k_rule_kuberay, ptr(pointer, "resources"),
            "resource fields should not be set in both rayStartParams and resources for " + what +
                "; use only one");
  }
  if (child(params, "labels") != nullptr) {
    c.error(k_rule_kuberay, ptr(pointer, "rayStartParams", "labels"),
            "rayStartParams['labels'] is not supported for " + what +
                "; use the top-level labels field instead",
            true);
  }
  const Json* labels = child(group, "labels");
  if (labels != nullptr && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      const std::string p = ptr(ptr(pointer, "labels"), it.key());
      if (auto why = check_qualified_name(it.key())) {
        c.error(k_rule_kuberay, p,
                "invalid label key " + util::quote(it.key()) + " for " + what + ": " + *why, true);
      }
      if (it->is_string()) {
        if (auto why = check_label_value(it->get<std::string>())) {
          c.error(k_rule_kuberay, p,
                  "invalid label value " + util::quote(it->get<std::string>()) + " for key " +
                      util::quote(it.key()) + " in " + what + ": " + *why);
        }
      }
    }
  }
}

// Rules 6-37: ValidateRayClusterSpec, for a RayCluster and for the cluster
// spec inside a RayJob, RayService or RayCronJob (with that object's
// annotations).
void check_cluster_spec(Checker& c, const ClusterSpec& cs) {
  const Json* spec = cs.spec;
  const std::string& base = cs.pointer;
  if (spec == nullptr || !spec->is_object()) {
    return;
  }
  const Json* annotations = cs.annotations;
  const bool autoscaling = is_true(child(spec, "enableInTreeAutoscaling"));
  const Json* autoscaler = child(spec, "autoscalerOptions");
  const std::string version = string_of(child(autoscaler, "version"));
  const Json* head = child(spec, "headGroupSpec");
  const Json* head_template = child(head, "template");
  const Json* head_container = ray_container(head_template);
  const std::string head_ptr = ptr(base, "headGroupSpec");
  std::string head_env_ptr = ptr(head_ptr, "template") + "/spec/containers/0/env";
  const Json* head_v2_env = env_entry(head_container, "RAY_enable_autoscaler_v2");
  const std::string head_v2 = string_of(child(head_v2_env, "value"));

  // 6
  if (head != nullptr && head_template != nullptr && no_containers(head_template)) {
    c.error(k_rule_kuberay, ptr(head_ptr, "template") + "/spec/containers",
            "headGroupSpec should have at least one container");
  }
  if (head != nullptr) {
    check_group_resources(c, head, head_ptr, "the head group");  // 7-9
  }

  const Json* groups = child(spec, "workerGroupSpecs");
  std::map<std::string, std::size_t> seen_names;
  for (std::size_t i = 0; i < array_size(groups); ++i) {
    const Json* g = child(groups, i);
    const std::string gp = ptr(base, "workerGroupSpecs", i);
    const std::string name = group_name(g, i);
    const std::string who = "worker group " + name;
    // Webhook: unique group names (the controller would mix their Pods).
    if (const Json* n = child(g, "groupName"); n != nullptr && n->is_string()) {
      auto [it, fresh] = seen_names.emplace(n->get<std::string>(), i);
      if (!fresh) {
        c.error(k_rule_kuberay, ptr(gp, "groupName"),
                "worker group names must be unique: " + util::quote(name) + " is also group " +
                    std::to_string(it->second));
      }
    }
    // 10
    if (child(g, "template") != nullptr && no_containers(child(g, "template"))) {
      c.error(k_rule_kuberay, ptr(gp, "template") + "/spec/containers",
              "workerGroupSpec should have at least one container");
    }
    const auto min = integer_of(child(g, "minReplicas"));
    const auto max = integer_of(child(g, "maxReplicas"));
    // 11 (only without the CRD defaults, which fill both)
    if (!autoscaling &&
        (child(g, "minReplicas") == nullptr || child(g, "maxReplicas") == nullptr)) {
      c.error(k_rule_kuberay, gp,
              who + " must set both minReplicas and maxReplicas when autoscaling is disabled");
    }
    if (min && *min < 0) {  // 12
      c.error(k_rule_kuberay, ptr(gp, "minReplicas"),
              who + " has negative minReplicas " + std::to_string(*min));
    }
    if (max && *max < 0) {  // 13
      c.error(k_rule_kuberay, ptr(gp, "maxReplicas"),
              who + " has negative maxReplicas " + std::to_string(*max));
    }
    if (min && max && *min > *max) {  // 14
      c.error(k_rule_kuberay, ptr(gp, "minReplicas"),
              who + " has minReplicas " + std::to_string(*min) + " greater than maxReplicas " +
                  std::to_string(*max));
    }
    check_group_resources(c, g, gp, who);  // 15
    if (const Json* idle = child(g, "idleTimeoutSeconds"); idle != nullptr) {
      if (auto v = integer_of(idle); v && *v < 0) {  // 16
        c.error(k_rule_kuberay, ptr(gp, "idleTimeoutSeconds"),
                who + ": idleTimeoutSeconds must be non-negative, got " + std::to_string(*v));
      }
      if (version != "v2" && !env_is_true(head_v2)) {  // 17
        c.error(k_rule_kuberay, ptr(gp, "idleTimeoutSeconds"),
                who +
                    ": idleTimeoutSeconds is set, but autoscaler v2 is not enabled; set "
                    "autoscalerOptions.version: v2");
      }
    }
  }

  // 18-24: GCS fault tolerance and Redis.
  const Json* ft = child(spec, "gcsFaultToleranceOptions");
  const std::string ft_annotation = string_of(child(annotations, "ray.io/ft-enabled"));
  const Json* head_params = child(head, "rayStartParams");
  const std::string head_params_ptr = ptr(head_ptr, "rayStartParams");
  if (!ft_annotation.empty() && ft != nullptr) {  // 18
    c.error(k_rule_kuberay, ptr(base, "gcsFaultToleranceOptions"),
            "the ray.io/ft-enabled annotation and gcsFaultToleranceOptions are both set; use "
            "gcsFaultToleranceOptions only",
            true);
  }
  auto head_env_ptr_of = [&](std::string_view name) {
    const Json* env = child(head_container, "env");
    for (std::size_t i = 0; i < array_size(env); ++i) {
      if (string_of(child(child(env, i), "name")) == name) {
        return pointer_append(head_env_ptr, i);
      }
    }
    return head_env_ptr;
  };
  const bool has_redis_address = env_entry(head_container, "RAY_REDIS_ADDRESS") != nullptr;
  // IsGCSFaultToleranceEnabled lower-cases the annotation.
  if (util::to_lower(ft_annotation) != "true" && ft == nullptr && has_redis_address) {  // 19
    c.error(k_rule_kuberay, head_env_ptr_of("RAY_REDIS_ADDRESS"),
            "RAY_REDIS_ADDRESS is set, which implicitly enables GCS fault tolerance, but "
            "gcsFaultToleranceOptions is not set; set gcsFaultToleranceOptions.redisAddress "
            "instead");
  }
  if (ft != nullptr) {
    if (!string_of(child(head_params, "redis-password")).empty()) {  // 20
      c.error(k_rule_kuberay, ptr(head_params_ptr, "redis-password"),
              "cannot set `redis-password` in rayStartParams when gcsFaultToleranceOptions is "
              "enabled; use gcsFaultToleranceOptions.redisPassword instead",
              true);
    }
    if (env_entry(head_container, "REDIS_PASSWORD") != nullptr) {  // 21
      c.error(k_rule_kuberay, head_env_ptr_of("REDIS_PASSWORD"),
              "cannot set the REDIS_PASSWORD env var in the head Pod when "
              "gcsFaultToleranceOptions is enabled; use gcsFaultToleranceOptions.redisPassword");
    }
    if (has_redis_address) {  // 22
      c.error(k_rule_kuberay, head_env_ptr_of("RAY_REDIS_ADDRESS"),
              "cannot set the RAY_REDIS_ADDRESS env var in the head Pod when "
              "gcsFaultToleranceOptions is enabled; use gcsFaultToleranceOptions.redisAddress");
    }
    if (!string_of(child(annotations, "ray.io/external-storage-namespace")).empty()) {  // 23
      c.error(k_rule_kuberay, ptr("/metadata/annotations", "ray.io/external-storage-namespace"),
              "cannot set the ray.io/external-storage-namespace annotation when "
              "gcsFaultToleranceOptions is enabled; use "
              "gcsFaultToleranceOptions.externalStorageNamespace",
              true);
    }
  }
  if (!string_of(child(head_params, "redis-username")).empty()) {  // 24
    c.error(k_rule_kuberay, ptr(head_params_ptr, "redis-username"),
            "cannot set redis-username in rayStartParams; use "
            "gcsFaultToleranceOptions.redisUsername instead",
            true);
  }
  if (env_entry(head_container, "REDIS_USERNAME") != nullptr) {  // 24
    c.error(k_rule_kuberay, head_env_ptr_of("REDIS_USERNAME"),
            "cannot set the REDIS_USERNAME env var; use gcsFaultToleranceOptions.redisUsername "
            "instead");
  }

  // 25-31: suspension and the autoscaler.
  for (std::size_t i = 0; i < array_size(groups); ++i) {
    const Json* g = child(groups, i);
    if (!is_true(child(g, "suspend"))) {
      continue;
    }
    const std::string p = ptr(ptr(base, "workerGroupSpecs", i), "suspend");
    if (!c.options().gates.ray_job_deletion_policy) {  // 25
      c.error(k_rule_kuberay, p,
              "worker group " + group_name(g, i) +
                  " can be suspended only when the RayJobDeletionPolicy feature gate is enabled");
    }
    if (autoscaling) {  // 27
      c.error(
          k_rule_kuberay, p,
          "worker group " + group_name(g, i) + " cannot be suspended with the autoscaler enabled");
    }
  }
  if (!autoscaling && env_is_true(head_v2)) {  // 26
    c.error(k_rule_kuberay, head_env_ptr_of("RAY_enable_autoscaler_v2"),
            "RAY_enable_autoscaler_v2 cannot be set to " + util::quote(head_v2) +
                " when enableInTreeAutoscaling is false");
  }
  if (autoscaling) {
    if (!version.empty() && head_v2_env != nullptr) {  // 28
      c.error(k_rule_kuberay, head_env_ptr_of("RAY_enable_autoscaler_v2"),
              "both autoscalerOptions.version and the head env var RAY_enable_autoscaler_v2 are "
              "set; use only autoscalerOptions.version");
    }
    if (version == "v2") {
      const std::string head_policy =
          string_of(child(child(head_template, "spec"), "restartPolicy"));
      if (!head_policy.empty() && head_policy != "Never") {  // 29
        c.error(k_rule_kuberay, ptr(head_ptr, "template") + "/spec/restartPolicy",
                "restartPolicy for the head Pod should be Never or unset when using autoscaler v2");
      }
      for (std::size_t i = 0; i < array_size(groups); ++i) {  // 30
        const Json* g = child(groups, i);
        const std::string policy =
            string_of(child(child(child(g, "template"), "spec"), "restartPolicy"));
        if (!policy.empty() && policy != "Never") {
          c.error(k_rule_kuberay,
                  ptr(ptr(base, "workerGroupSpecs", i), "template") + "/spec/restartPolicy",
                  "restartPolicy for worker group " + group_name(g, i) +
                      " should be Never or unset when using autoscaler v2");
        }
      }
    }
  }
  if (auto idle = integer_of(child(autoscaler, "idleTimeoutSeconds")); idle && *idle < 0) {  // 31
    c.error(
        k_rule_kuberay, ptr(base, "autoscalerOptions", "idleTimeoutSeconds"),
        "autoscalerOptions.idleTimeoutSeconds must be non-negative, got " + std::to_string(*idle));
  }

  // 32-37: token authentication.
  const Json* auth = child(spec, "authOptions");
  const bool k8s_token = is_true(child(auth, "enableK8sTokenAuth"));
  const std::string ray_version = string_of(child(spec, "rayVersion"));
  if (string_of(child(auth, "mode")) == "token") {
    const auto parsed = parse_version(ray_version);
    if (ray_version.empty()) {  // 32
      c.error(k_rule_kuberay, ptr(base, "authOptions", "mode"),
              "authOptions.mode is 'token' but rayVersion is not set; Ray 2.52.0 or later is "
              "required");
    } else if (!parsed) {  // 33
      c.error(k_rule_kuberay, ptr(base, "rayVersion"),
              "authOptions.mode is 'token' but rayVersion " + util::quote(ray_version) +
                  " is not a valid version");
    } else if (*parsed < k_min_token_auth) {  // 34
      c.error(
          k_rule_kuberay, ptr(base, "rayVersion"),
          "authOptions.mode is 'token' but the minimum Ray version is 2.52.0, got " + ray_version);
    } else if (k8s_token && *parsed < k_min_k8s_token_auth) {  // 35
      c.error(k_rule_kuberay, ptr(base, "authOptions", "enableK8sTokenAuth"),
              "authOptions.enableK8sTokenAuth needs Ray 2.55.0 or later, got " + ray_version);
    }
    if (k8s_token && !string_of(child(auth, "secretName")).empty()) {  // 36
      c.error(k_rule_kuberay, ptr(base, "authOptions", "secretName"),
              "authOptions.enableK8sTokenAuth is enabled and authOptions.secretName is also set");
    }
  } else if (k8s_token) {  // 37
    c.error(k_rule_kuberay, ptr(base, "authOptions", "enableK8sTokenAuth"),
            "authOptions.enableK8sTokenAuth is enabled but authOptions.mode is not 'token'");
  }
}

bool has_condition(const Json* conditions, std::string_view type) {
  for (std::size_t i = 0; i < array_size(conditions); ++i) {
    const Json* cond = child(conditions, i);
    if (string_of(child(cond, "type")) == type && string_of(child(cond, "status")) == "True") {
      return true;
    }
  }
  return false;
}

// Rules 3-5: the RayCluster's own upgrade strategy and status.
void check_ray_cluster(Checker& c) {
  check_name(c, 53);  // 1-2: 63 - len("-serve-svc")
  const Json* spec = child(&c.object(), "spec");
  // 3 (the CRD's enum says the same; reported once, by the schema).
  const Json* type = child(child(spec, "upgradeStrategy"), "type");
  const std::string origin = string_of(child(c.labels(), "ray.io/originated-from-crd"));
  if (type != nullptr && (origin == "RayJob" || origin == "RayService")) {  // 4
    c.error(k_rule_kuberay, "/spec/upgradeStrategy/type",
            "upgradeStrategy cannot be set when the RayCluster is created by " + origin);
  }
  // Status rules (5, 63) see only what the operator itself wrote: the API
  // server drops a status sent with the object (status subresource).
  const Json* conditions =
      c.options().check_status ? child(child(&c.object(), "status"), "conditions") : nullptr;
  if (has_condition(conditions, "RayClusterSuspending") &&
      has_condition(conditions, "RayClusterSuspended")) {  // 5
    c.error(k_rule_kuberay, "/status/conditions",
            "the RayClusterSuspending and RayClusterSuspended conditions should not both be true");
  }
}

bool is_delete_cluster_or_workers(const std::string& policy) {
  return policy == "DeleteCluster" || policy == "DeleteWorkers";
}

// Rules 43-52: spec.deletionStrategy.
void check_deletion_strategy(Checker& c,
                             const Json* spec,
                             const std::string& base,
                             bool autoscaling) {
  const Json* strategy = child(spec, "deletionStrategy");
  if (strategy == nullptr) {
    return;
  }
  const std::string sp = ptr(base, "deletionStrategy");
  const bool shutdown = is_true(child(spec, "shutdownAfterJobFinishes"));
  const bool selector = is_nonempty_object(child(spec, "clusterSelector"));
  if (!c.options().gates.ray_job_deletion_policy) {  // 43
    c.error(k_rule_kuberay, sp,
            "the RayJobDeletionPolicy feature gate must be enabled to use deletionStrategy", true);
    return;
  }
  const Json* rules = child(strategy, "deletionRules");
  const Json* on_success = child(strategy, "onSuccess");
  const Json* on_failure = child(strategy, "onFailure");
  const bool has_rules = array_size(rules) > 0;
  if (has_rules && shutdown) {  // 44
    c.error(k_rule_kuberay, ptr(sp, "deletionRules"),
            "spec.shutdownAfterJobFinishes and spec.deletionStrategy.deletionRules are mutually "
            "exclusive",
            true);
  }
  // 45-46 are the CRD's CEL rules on deletionStrategy: reported by the CEL
  // layer with the CRD's messages.
  if (has_rules && (on_success != nullptr || on_failure != nullptr)) {
    return;
  }
  if (!has_rules) {
    if (on_success == nullptr || on_failure == nullptr) {
      return;  // 46/47: the CEL rule reports it
    }
    std::vector<std::pair<std::string, const Json*>> sides = {{"onSuccess", on_success},
                                                              {"onFailure", on_failure}};
    for (const auto& [side, value] : sides) {
      const std::string policy = string_of(child(value, "policy"));
      const std::string pp = ptr(ptr(sp, side), "policy");
      if (child(value, "policy") == nullptr) {  // 47
        c.error(k_rule_kuberay, ptr(sp, side),
                "the policy field of deletionStrategy." + side + " cannot be unset", true);
        continue;
      }
      if (selector && is_delete_cluster_or_workers(policy)) {  // 48
        c.error(k_rule_kuberay, pp,
                "the clusterSelector mode doesn't support deletionStrategy " + policy + " on " +
                    (side == "onSuccess" ? "success" : "failure"));
      }
      if (policy == "DeleteWorkers" && autoscaling) {  // 49
        c.error(k_rule_kuberay, pp,
                "deletionStrategy DeleteWorkers does not support a RayCluster with autoscaling "
                "enabled");
      }
      if (shutdown && policy == "DeleteNone") {  // 50
        c.error(k_rule_kuberay, pp,
                "shutdownAfterJobFinishes is true while the deletion policy is DeleteNone");
      }
    }
    return;
  }
  // 51-52: deletionRules.
  std::set<std::pair<std::string, std::string>> seen;
  // condition value -> policy -> (ttl, index)
  std::map<std::string, std::map<std::string, std::pair<long long, std::size_t>>> ttls;
  for (std::size_t i = 0; i < array_size(rules); ++i) {
    const Json* rule = child(rules, i);
    const std::string rp = ptr(sp, "deletionRules", i);
    const std::string prefix = "deletionRules[" + std::to_string(i) + "]: ";
    const Json* cond = child(rule, "condition");
    const std::string policy = string_of(child(rule, "policy"));
    const Json* job_status = child(cond, "jobStatus");
    const Json* deploy_status = child(cond, "jobDeploymentStatus");
    // Both / neither set: the CRD's CEL rules on `condition` report them,
    // and the operator checks such a rule no further.
    // ttlSeconds < 0: the CRD's `minimum: 0` reports it.
    if ((job_status == nullptr) == (deploy_status == nullptr)) {
      continue;
    }
    if (selector && is_delete_cluster_or_workers(policy)) {
      c.error(k_rule_kuberay, ptr(rp, "policy"),
              prefix + "policy " + util::quote(policy) +
                  " is not supported when clusterSelector is set");
    }
    if (policy == "DeleteWorkers" && autoscaling) {
      c.error(k_rule_kuberay, ptr(rp, "policy"),
              prefix + "policy 'DeleteWorkers' is not supported with autoscaling enabled");
    }
    const std::string status_kind = job_status != nullptr ? "JobStatus" : "JobDeploymentStatus";
    const std::string status = string_of(job_status != nullptr ? job_status : deploy_status);
    if (!seen.emplace(status_kind + " " + util::quote(status), policy).second) {
      c.error(k_rule_kuberay, rp,
              prefix + "duplicate rule for policy " + util::quote(policy) + " and " + status_kind +
                  " " + util::quote(status));
      continue;
    }
    const long long ttl = integer_of(child(cond, "ttlSeconds")).value_or(0);
    ttls[status_kind + " " + util::quote(status)][policy] = {ttl, i};
  }
  // 52: for one condition, workers go no later than the cluster, the
  // cluster no later than the RayJob itself.
  // The operator compares neighbours in this order, not every pair.
  const std::vector<std::string> order = {"DeleteWorkers", "DeleteCluster", "DeleteSelf"};
  for (const auto& [status, by_policy] : ttls) {
    for (std::size_t a = 0; a + 1 < order.size(); ++a) {
      auto lo = by_policy.find(order[a]);
      auto hi = by_policy.find(order[a + 1]);
      if (lo == by_policy.end() || hi == by_policy.end() || hi->second.first >= lo->second.first) {
        continue;
      }
      c.error(k_rule_kuberay, ptr(sp, "deletionRules", hi->second.second) + "/condition/ttlSeconds",
              "for " + status + ": " + order[a + 1] + " TTL (" + std::to_string(hi->second.first) +
                  ") must be >= " + order[a] + " TTL (" + std::to_string(lo->second.first) + ")");
    }
  }
}

// Rules 40-62: ValidateRayJobSpec, for a RayJob and a RayCronJob's template.
void check_ray_job_spec(Checker& c,
                        const Json* spec,
                        const std::string& base,
                        const Json* annotations) {
  if (spec == nullptr || !spec->is_object()) {
    return;
  }
  const bool suspend = is_true(child(spec, "suspend"));
  const bool shutdown = is_true(child(spec, "shutdownAfterJobFinishes"));
  const auto ttl = integer_of(child(spec, "ttlSecondsAfterFinished"));
  if (suspend && !shutdown) {  // 40
    c.error(k_rule_kuberay, ptr(base, "suspend"),
            "a RayJob with shutdownAfterJobFinishes false is not allowed to be suspended");
  }
  if (ttl && *ttl < 0) {  // 41
    c.error(k_rule_kuberay, ptr(base, "ttlSecondsAfterFinished"),
            "ttlSecondsAfterFinished must be a non-negative integer");
  }
  if (!shutdown && ttl && *ttl > 0) {  // 42
    c.error(k_rule_kuberay, ptr(base, "ttlSecondsAfterFinished"),
            "a RayJob with shutdownAfterJobFinishes false cannot have ttlSecondsAfterFinished; "
            "set shutdownAfterJobFinishes: true");
  }
  const Json* cluster_spec = child(spec, "rayClusterSpec");
  const bool autoscaling = is_true(child(cluster_spec, "enableInTreeAutoscaling"));
  check_deletion_strategy(c, spec, base, autoscaling);

  // The operator tests len(ClusterSelector) != 0: `{}` means no selector.
  const Json* selector =
      is_nonempty_object(child(spec, "clusterSelector")) ? child(spec, "clusterSelector") : nullptr;
  const std::string mode = string_of(child(spec, "submissionMode"));
  const auto backoff = integer_of(child(spec, "backoffLimit"));
  if (selector != nullptr && suspend) {  // 53
    c.error(k_rule_kuberay, ptr(base, "suspend"),
            "the clusterSelector mode doesn't support the suspend operation");
  }
  if (cluster_spec == nullptr && selector == nullptr) {  // 54
    c.error(k_rule_kuberay, base, "one of rayClusterSpec or clusterSelector must be set", true);
  }
  if (selector != nullptr && string_of(child(selector, "ray.io/cluster")).empty()) {  // 55
    c.error(k_rule_kuberay, ptr(base, "clusterSelector"),
            "the cluster name in clusterSelector (key ray.io/cluster) should not be empty");
  }
  if (selector != nullptr && mode == "SidecarMode") {  // 56
    c.error(k_rule_kuberay, ptr(base, "clusterSelector"),
            "clusterSelector is not supported in SidecarMode", true);
  }
  if (selector != nullptr && backoff && *backoff > 0) {  // 57
    c.error(k_rule_kuberay, ptr(base, "backoffLimit"),
            "backoffLimit is incompatible with the clusterSelector mode");
  }
  if (mode == "InteractiveMode" && backoff && *backoff > 0) {  // 58
    c.error(k_rule_kuberay, ptr(base, "backoffLimit"),
            "backoffLimit is incompatible with InteractiveMode");
  }
  if (mode == "SidecarMode") {  // 59
    if (child(spec, "submitterPodTemplate") != nullptr) {
      c.error(k_rule_kuberay, ptr(base, "submitterPodTemplate"),
              "SidecarMode doesn't support submitterPodTemplate", true);
    }
    if (child(spec, "submitterConfig") != nullptr) {
      c.error(k_rule_kuberay, ptr(base, "submitterConfig"),
              "SidecarMode doesn't support submitterConfig", true);
    }
    const std::string policy = string_of(child(
        child(child(child(cluster_spec, "headGroupSpec"), "template"), "spec"), "restartPolicy"));
    if (!policy.empty() && policy != "Never") {
      c.error(k_rule_kuberay,
              ptr(base, "rayClusterSpec") + "/headGroupSpec/template/spec/restartPolicy",
              "restartPolicy for the head Pod should be Never or unset when using SidecarMode");
    }
  }
  if (is_true(child(child(cluster_spec, "authOptions"), "enableK8sTokenAuth"))) {  // 60
    c.error(k_rule_kuberay, ptr(base, "rayClusterSpec") + "/authOptions/enableK8sTokenAuth",
            "K8s token auth mode is not supported for RayJob");
  }
  if (cluster_spec != nullptr) {
    check_cluster_spec(c, {cluster_spec, ptr(base, "rayClusterSpec"), annotations});
  }
  if (const Json* env = child(spec, "runtimeEnvYAML"); env != nullptr && env->is_string()) {  // 61
    auto source = std::make_shared<SourceFile>();
    source->name = "runtimeEnvYAML";
    source->text = env->get<std::string>();
    auto docs = parse_documents(source);
    if (!docs) {
      c.error(k_rule_kuberay, ptr(base, "runtimeEnvYAML"),
              "runtimeEnvYAML is not valid YAML: " +
                  (docs.error().where ? docs.error().where->to_string() : std::string("?")) + ": " +
                  docs.error().message);
    } else if (!docs->empty() && !docs->front().root.is_object()) {
      c.error(k_rule_kuberay, ptr(base, "runtimeEnvYAML"),
              "runtimeEnvYAML must be a YAML mapping (pip, env_vars, working_dir ...), got " +
                  json_type_name(docs->front().root));
    }
  }
  // 62
  if (auto v = integer_of(child(spec, "activeDeadlineSeconds")); v && *v <= 0) {
    c.error(k_rule_kuberay, ptr(base, "activeDeadlineSeconds"),
            "activeDeadlineSeconds must be a positive integer");
  }
  // preRunningDeadlineSeconds <= 0: the CRD's `minimum: 1` reports it.
  if (backoff && *backoff < 0) {
    c.error(k_rule_kuberay, ptr(base, "backoffLimit"),
            "backoffLimit must be a non-negative integer");
  }
}

void check_ray_job(Checker& c) {
  check_name(c, 47);  // 38-39: 53 - 6, room for the suffix of the cluster it creates
  check_ray_job_spec(c, child(&c.object(), "spec"), "/spec", c.annotations());
  const Json* status = child(&c.object(), "status");
  const std::string mode = string_of(child(child(&c.object(), "spec"), "submissionMode"));
  if (c.options().check_status && string_of(child(status, "jobDeploymentStatus")) == "Waiting" &&
      mode != "InteractiveMode") {  // 63
    c.error(k_rule_kuberay, "/status/jobDeploymentStatus",
            "jobDeploymentStatus cannot be Waiting when submissionMode is not InteractiveMode");
  }
}

// Rule 65: ray.io/initializing-timeout is a Go duration or whole seconds.
void check_initializing_timeout(Checker& c) {
  const std::string key = "ray.io/initializing-timeout";
  const Json* value = child(c.annotations(), key);
  const std::string text = string_of(value);
  if (text.empty()) {
    return;
  }
  const std::string p = ptr("/metadata/annotations", key);
  auto seconds = parse_timeout_seconds(text);
  if (!seconds) {
    c.error(k_rule_kuberay, p,
            "annotation " + key + " has an invalid format " + util::quote(text) +
                ": use a duration such as 30m or 1h, or whole seconds");
  } else if (*seconds <= 0) {
    c.error(k_rule_kuberay, p, "annotation " + key + " must be a positive duration");
  }
}

void check_ray_service(Checker& c) {
  check_name(c, 47);  // 64
  check_initializing_timeout(c);
  const Json* spec = child(&c.object(), "spec");
  const Json* cluster = child(spec, "rayClusterConfig");
  if (is_true(child(child(cluster, "authOptions"), "enableK8sTokenAuth"))) {  // 66
    c.error(k_rule_kuberay, "/spec/rayClusterConfig/authOptions/enableK8sTokenAuth",
            "K8s token auth mode is not supported for RayService");
  }
  if (cluster != nullptr) {
    check_cluster_spec(c, {cluster, "/spec/rayClusterConfig", c.annotations()});  // 67
  }
  if (!string_of(child(child(child(child(cluster, "headGroupSpec"), "headService"), "metadata"),
                       "name"))
           .empty()) {  // 68
    c.error(k_rule_kuberay, "/spec/rayClusterConfig/headGroupSpec/headService/metadata/name",
            "headService.metadata.name should not be set for a RayService (it names the Service "
            "itself)");
  }
  const Json* upgrade = child(spec, "upgradeStrategy");
  const Json* type = child(upgrade, "type");
  const std::string type_name = string_of(type);
  if (type != nullptr && type_name != "NewClusterWithIncrementalUpgrade" &&
      type_name != "NewCluster" && type_name != "None") {  // 69
    std::string msg = "upgradeStrategy.type " + util::quote(type_name) +
                      " is invalid; valid options are NewClusterWithIncrementalUpgrade, "
                      "NewCluster or None";
    if (auto best = util::closest_match(type_name,
                                        {"NewClusterWithIncrementalUpgrade", "NewCluster", "None"});
        !best.empty()) {
      msg += "; did you mean " + util::quote(best) + "?";
    }
    c.error(k_rule_kuberay, "/spec/upgradeStrategy/type", msg);
  }
  // 70 (rayClusterDeletionDelaySeconds < 0): the CRD's `minimum: 0` reports it.
  if (c.options().gates.ray_service_incremental_upgrade &&
      type_name == "NewClusterWithIncrementalUpgrade") {  // 71
    const std::string up = "/spec/upgradeStrategy";
    if (!is_true(child(cluster, "enableInTreeAutoscaling"))) {
      c.error(k_rule_kuberay, "/spec/rayClusterConfig",
              "the Ray autoscaler (enableInTreeAutoscaling: true) is required for "
              "NewClusterWithIncrementalUpgrade",
              true);
    }
    const Json* options = child(upgrade, "clusterUpgradeOptions");
    if (options == nullptr) {
      c.error(k_rule_kuberay, up,
              "clusterUpgradeOptions are required for NewClusterWithIncrementalUpgrade", true);
      return;
    }
    const std::string op = up + "/clusterUpgradeOptions";
    // Absent stepSizePercent, intervalSeconds and gatewayClassName are
    // the CRD's `required` errors; here only their values are checked.
    for (const char* key : {"maxSurgePercent", "stepSizePercent"}) {
      if (const auto v = integer_of(child(options, key)); v && (*v < 0 || *v > 100)) {
        c.error(k_rule_kuberay, ptr(op, key), std::string(key) + " must be between 0 and 100");
      }
    }
    if (auto v = integer_of(child(options, "intervalSeconds")); v && *v <= 0) {
      c.error(k_rule_kuberay, ptr(op, "intervalSeconds"), "intervalSeconds must be greater than 0");
    }
    if (child(options, "gatewayClassName") != nullptr &&
        string_of(child(options, "gatewayClassName")).empty()) {
      c.error(k_rule_kuberay, ptr(op, "gatewayClassName"),
              "gatewayClassName is required for NewClusterWithIncrementalUpgrade");
    }
  }
}

// A standard 5-field cron schedule (robfig/cron ParseStandard), or one of
// its descriptors (@daily, @every 1h ...). Returns what is wrong, if anything.
std::optional<std::string> check_cron_schedule(const std::string& schedule);

void check_ray_cron_job(Checker& c) {
  const Json* spec = child(&c.object(), "spec");
  if (const Json* schedule = child(spec, "schedule");
      schedule != nullptr && schedule->is_string()) {
    if (auto why = check_cron_schedule(schedule->get<std::string>())) {
      c.error(k_rule_kuberay, "/spec/schedule", "invalid cron schedule: " + *why);
    }
  }
  // ValidateRayCronJobSpec checks the template as a RayJob without
  // annotations.
  check_ray_job_spec(c, child(spec, "jobTemplate"), "/spec/jobTemplate", nullptr);
}

// Ranges of the five fields: minute, hour, day of month, month, day of week.
struct CronField {
  const char* name;
  int lo;
  int hi;
  std::vector<std::string> names;  // JAN..DEC, SUN..SAT
};

// strconv.Atoi: an optional sign, then decimal digits (leading zeros fine);
// values beyond int range are clamped, which keeps them out of any range.
std::optional<int> atoi_like(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  long long v = 0;
  for (char ch : digits) {
    v = std::min<long long>(v * 10 + (ch - '0'), 1'000'000'000);
  }
  return static_cast<int>(text.front() == '-' ? -v : v);
}

std::optional<int> cron_value(const std::string& text, const CronField& f) {
  for (std::size_t i = 0; i < f.names.size(); ++i) {
    if (util::to_lower(text) == util::to_lower(f.names[i])) {
      return f.lo + static_cast<int>(i);
    }
  }
  return atoi_like(text);
}

std::optional<std::string> check_cron_field(const std::string& field, const CronField& f) {
  for (const auto& part : util::split(field, ',')) {
    if (part.empty()) {
      continue;  // strings.FieldsFunc drops empty parts ("0,,30")
    }
    std::string range = part;
    if (auto slash = part.find('/'); slash != std::string::npos) {
      range = part.substr(0, slash);
      const std::string step = part.substr(slash + 1);
      if (auto n = atoi_like(step); !n || *n <= 0) {
        return std::string(f.name) + ": invalid step " + util::quote(step);
      }
    }
    if (range == "*" || range == "?") {
      continue;
    }
    const auto dash = range.find('-');
    const std::string first = range.substr(0, dash);
    const std::string last = dash == std::string::npos ? first : range.substr(dash + 1);
    const auto a = cron_value(first, f);
    const auto b = cron_value(last, f);
    if (!a || !b) {
      return std::string(f.name) + ": " + util::quote(range) + " is not a number or name";
    }
    if (*a < f.lo || *b > f.hi || *a > *b) {
      return std::string(f.name) + ": " + util::quote(range) + " is outside " +
             std::to_string(f.lo) + "-" + std::to_string(f.hi);
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_cron_schedule(const std::string& schedule) {
  // As robfig/cron v3 Parser.Parse: no trimming, except after a time zone.
  // (The zone name itself is not checked: that needs the tz database.)
  std::string s = schedule;
  if (s.empty()) {
    return "empty spec string";
  }
  if (s.rfind("TZ=", 0) == 0 || s.rfind("CRON_TZ=", 0) == 0) {
    const auto space = s.find(' ');
    if (space == std::string::npos) {
      return "a time zone without a schedule";
    }
    s = std::string(util::trim(s.substr(space)));
  }
  if (!s.empty() && s.front() == '@') {
    static const std::set<std::string> descriptors = {"@yearly", "@annually", "@monthly", "@weekly",
                                                      "@daily",  "@midnight", "@hourly"};
    if (descriptors.count(s) > 0) {
      return std::nullopt;
    }
    if (s.rfind("@every ", 0) == 0 && parse_go_duration(s.substr(7))) {
      return std::nullopt;
    }
    return "unrecognized descriptor " + util::quote(s);
  }
  // strings.Fields: any run of whitespace separates fields.
  std::vector<std::string> fields;
  std::string field;
  for (char ch : s + " ") {
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f') {
      if (!field.empty()) {
        fields.push_back(field);
      }
      field.clear();
    } else {
      field += ch;
    }
  }
  if (fields.size() != 5) {
    return "expected exactly 5 fields (minute hour day-of-month month day-of-week), found " +
           std::to_string(fields.size());
  }
  const std::vector<CronField> spec = {
      {"minute", 0, 59, {}},
      {"hour", 0, 23, {}},
      {"day of month", 1, 31, {}},
      {"month",
       1,
       12,
       {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
      // robfig/cron: 0-6 (Sunday is 0; 7 is out of range there).
      {"day of week", 0, 6, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
  };
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (auto why = check_cron_field(fields[i], spec[i])) {
      return why;
    }
  }
  return std::nullopt;
}

}  // namespace

void check_operator_rules(Checker& c) {
  // The CRDs do not require `spec`, but every kind needs one: the operator
  // fails on the missing head group (RayCluster, RayService) or cluster
  // (RayJob rule 54).
  if (child(&c.object(), "spec") == nullptr) {
    c.error(k_rule_kuberay, "",
            "missing spec: a " + std::string(ray_kind_name(c.kind())) + " needs one");
    return;
  }
  switch (c.kind()) {
    case RayKind::ray_cluster:
      check_ray_cluster(c);
      check_cluster_spec(c, {child(&c.object(), "spec"), "/spec", c.annotations()});
      break;
    case RayKind::ray_job:
      check_ray_job(c);
      break;
    case RayKind::ray_service:
      check_ray_service(c);
      break;
    case RayKind::ray_cron_job:
      check_ray_cron_job(c);
      break;
  }
}

}  // namespace kray::core::detail
