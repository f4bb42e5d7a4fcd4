// SPDX-License-Identifier: Apache-2.0
#include "kuberay_build.hpp"

#include "quantity.hpp"
#include "yaml_json.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>

namespace fakekube::kuberay {

namespace {

constexpr const char* kVersion = "v1.6.2";
constexpr int kDefaultMetricsPort = 8080;
constexpr int kDashboardAgentPort = 52365;
constexpr int kDashboardPort = 8265;
constexpr int kServePort = 8000;

using Params = std::map<std::string, std::string>;  // sorted, as convertParamMap sorts

std::string text_of(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// A Kubernetes quantity ("500m", "5Gi", "1e3", 2); nullopt when it is none
// (KubeRay skips what resource.ParseQuantity refuses).
std::optional<Quantity> quantity(const Json& q) {
  auto parsed = quantity_of(q);
  return parsed ? std::optional<Quantity>(*parsed) : std::nullopt;
}

// strconv.FormatInt(q.Value(), 10).
std::string value_text(const Quantity& q) {
  return std::to_string(quantity_value(q));
}

bool nonzero(const Json& q) {
  auto v = quantity(q);
  return v && v->nanos != 0;
}

// encoding/json's float64: the shortest decimal that reads back the same.
std::string go_float(double v) {
  std::array<char, 64> buf{};
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  return std::string(buf.data(), r.ptr);
}

// json.Marshal(map[string]float64): sorted keys, no spaces.
std::string go_float_map(const std::map<std::string, double>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) {
      out += ",";
    }
    out += Json(k).dump() + ":" + go_float(v);
  }
  return out + "}";
}

// utils.IsGPUResourceKey.
bool gpu_key(const std::string& key) {
  static const std::regex mig(R"(nvidia\.com/mig-\d+g\.\d+gb$)");
  return (key.size() >= 3 && key.compare(key.size() - 3, 3, "gpu") == 0) ||
         std::regex_search(key, mig);
}

// utils.CheckLabel: the last 63 characters, a leading punctuation made "r".
std::string check_label(std::string s) {
  if (s.size() > 63) {
    s = s.substr(s.size() - 63);
  }
  if (!s.empty() && std::ispunct(static_cast<unsigned char>(s[0]))) {
    s[0] = 'r';
  }
  return s;
}

// utils.CheckName: the last 50 characters, a leading digit or punctuation made "r".
std::string check_name(std::string s) {
  if (s.size() > 50) {
    s = s.substr(s.size() - 50);
  }
  if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) ||
                     std::ispunct(static_cast<unsigned char>(s[0])))) {
    s[0] = 'r';
  }
  return s;
}

// utils.PodName with generateName: "<prefix cut at 50>-<type>-", lower case.
std::string pod_name_prefix(const std::string& prefix, const std::string& type) {
  return lower(prefix.substr(0, std::min<std::size_t>(prefix.size(), 50)) + "-" + type + "-");
}

std::string cluster_name(const Json& c) {
  return text_of(at(c, {"metadata", "name"}));
}

std::string cluster_ns(const Json& c) {
  const std::string ns = text_of(at(c, {"metadata", "namespace"}));
  return ns.empty() ? "default" : ns;
}

std::string annotation(const Json& c, const char* key) {
  return text_of(at(c, {"metadata", "annotations", key}));
}

// getCreatorCRDType: the label ray.io/originated-from-crd, else RayCluster.
std::string creator(const Json& c) {
  const std::string v = text_of(at(c, {"metadata", "labels", "ray.io/originated-from-crd"}));
  return v == "RayJob" || v == "RayService" ? v : "RayCluster";
}

bool autoscaling(const Json& c) {
  return at(c, {"spec", "enableInTreeAutoscaling"}) == Json(true);
}

bool autoscaling_v2(const Json& c) {
  return at(c, {"spec", "autoscalerOptions", "version"}) == Json("v2");
}

bool ft_enabled(const Json& c) {
  return lower(annotation(c, "ray.io/ft-enabled")) == "true" ||
         !at(c, {"spec", "gcsFaultToleranceOptions"}).is_null();
}

bool auth_enabled(const Json& c) {
  return at(c, {"spec", "authOptions", "mode"}) == Json("token");
}

bool k8s_auth(const Json& c) {
  return at(c, {"spec", "authOptions", "enableK8sTokenAuth"}) == Json(true);
}

bool overwrite_cmd(const Json& c) {
  return lower(annotation(c, "ray.io/overwrite-container-cmd")) == "true";
}

Params params_of(const Json& group) {
  Params p;
  const Json& raw = at(group, {"rayStartParams"});
  if (raw.is_object()) {
    for (const auto& [k, v] : raw.items()) {
      p[k] = text_of(v);
    }
  }
  return p;
}

bool env_exists(const Json& container, const std::string& name) {
  for (const auto& e : container.value("env", Json::array())) {
    if (e.value("name", "") == name) {
      return true;
    }
  }
  return false;
}

void add_env(Json& container, Json var) {
  if (!container.contains("env") || !container["env"].is_array()) {
    container["env"] = Json::array();
  }
  container["env"].push_back(std::move(var));
}

void add_env_value(Json& container, const std::string& name, const std::string& value) {
  add_env(container, {{"name", name}, {"value", value}});
}

void add_env_field(Json& container, const std::string& name, const std::string& path) {
  add_env(container, {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}});
}

// updateRayStartParamsResources: the group's top-level `resources`.
void params_from_group_resources(Params& p, const Json& group) {
  const Json& resources = at(group, {"resources"});
  if (!resources.is_object() || resources.empty()) {
    return;
  }
  std::map<std::string, double> custom;
  for (const auto& [name, value] : resources.items()) {
    auto q = quantity(value);
    if (!q) {
      continue;
    }
    const std::string n = lower(name);
    if (n == "cpu") {
      p["num-cpus"] = value_text(*q);
    } else if (n == "memory") {
      p["memory"] = value_text(*q);
    } else if (gpu_key(n)) {
      p["num-gpus"] = value_text(*q);
    } else {
      custom[name] = quantity_float(*q);
    }
  }
  if (!custom.empty()) {
    p["resources"] = "'" + go_float_map(custom) + "'";
  }
}

// updateRayStartParamsLabels: the group's top-level `labels`, keys sorted.
void params_from_group_labels(Params& p, const Json& group) {
  const Json& labels = at(group, {"labels"});
  if (!labels.is_object() || labels.empty()) {
    return;
  }
  std::map<std::string, std::string> sorted;
  for (const auto& [k, v] : labels.items()) {
    sorted[k] = text_of(v);
  }
  std::string joined;
  for (const auto& [k, v] : sorted) {
    joined += (joined.empty() ? "" : ",") + k + "=" + v;
  }
  p["labels"] = joined;
}

// setMissingRayStartParams.
void missing_params(Params& p, bool head, const std::string& address) {
  if (!head && p.count("address") == 0) {
    p["address"] = address;
  }
  if (head && p.count("dashboard-host") == 0) {
    p["dashboard-host"] = "0.0.0.0";
  }
  if (p.count("metrics-export-port") == 0) {
    p["metrics-export-port"] = std::to_string(kDefaultMetricsPort);
  }
  p["block"] = "true";
  if (p.count("dashboard-agent-listen-port") == 0) {
    p["dashboard-agent-listen-port"] = std::to_string(kDashboardAgentPort);
  }
}

// addWellKnownAcceleratorResources.
void accelerator_params(Params& p, const Json& limits) {
  if (!limits.is_object() || limits.empty()) {
    return;
  }
  std::map<std::string, double> resources;
  if (auto it = p.find("resources"); it != p.end()) {
    std::string s = it->second;
    const std::string trim = "'\"` ";
    s.erase(0, s.find_first_not_of(trim));
    s.erase(s.find_last_not_of(trim) + 1);
    const Json parsed = Json::parse(s, nullptr, false);
    if (!parsed.is_object()) {
      return;  // KubeRay logs the error and adds nothing
    }
    for (const auto& [k, v] : parsed.items()) {
      if (!v.is_number()) {
        return;
      }
      resources[k] = v.get<double>();
    }
  }
  static const std::map<std::string, std::string> custom = {
      {"aws.amazon.com/neuroncore", "neuron_cores"}, {"google.com/tpu", "TPU"}};
  bool custom_added = resources.count("neuron_cores") > 0 || resources.count("TPU") > 0;
  std::map<std::string, Json> sorted;
  for (const auto& [k, v] : limits.items()) {
    sorted[k] = v;
  }
  for (const auto& [key, value] : sorted) {
    if (p.count("num-gpus") == 0 && gpu_key(key) && nonzero(value)) {
      p["num-gpus"] = value_text(*quantity(value));
    }
    if (!custom_added) {
      if (auto it = custom.find(key); it != custom.end() && nonzero(value)) {
        if (resources.count(it->second) == 0) {
          resources[it->second] = quantity_float(*quantity(value));
          p["resources"] = "'" + go_float_map(resources) + "'";
        }
        custom_added = true;
      }
    }
  }
}

// convertParamMap.
std::string flags(const Params& p) {
  std::string out;
  for (const auto& [key, value] : p) {
    const std::string v = lower(value);
    if ((v == "true" || v == "false") && key != "log-color" && key != "include-dashboard") {
      if (v == "true") {
        out += " --" + key + " ";
      }
    } else {
      out += " --" + key + "=" + value + " ";
    }
  }
  return out;
}

// generateRayStartCommand: `num-cpus`, `memory`, `num-gpus` from the Ray
// container's resources when the params lack them.
std::string start_command(Params& p, bool head, const Json& resources) {
  if (p.count("num-cpus") == 0) {
    for (const char* from : {"limits", "requests"}) {
      const Json& cpu = at(resources, {from, "cpu"});
      if (nonzero(cpu)) {
        p["num-cpus"] = value_text(*quantity(cpu));
        break;
      }
    }
  }
  if (p.count("memory") == 0 && nonzero(at(resources, {"limits", "memory"}))) {
    p["memory"] = value_text(*quantity(at(resources, {"limits", "memory"})));
  }
  accelerator_params(p, at(resources, {"limits"}));
  return std::string(head ? "ray start --head " : "ray start ") + flags(p);
}

// labelPod over the template's labels merged with the group's `labels`.
Json pod_labels(const Json& cluster, const Json& group, bool head) {
  const std::string c = cluster_name(cluster);
  Json labels = {{"ray.io/is-ray-node", "yes"},
                 {"ray.io/cluster", c},
                 {"ray.io/node-type", head ? "head" : "worker"},
                 {"ray.io/group", head ? "headgroup" : text_of(at(group, {"groupName"}))},
                 {"ray.io/identifier", check_label(c + (head ? "-head" : "-worker"))},
                 {"app.kubernetes.io/name", "kuberay"},
                 {"app.kubernetes.io/created-by", "kuberay-operator"}};
  for (const Json* from :
       {&at(group, {"template", "metadata", "labels"}), &at(group, {"labels"})}) {
    if (!from->is_object()) {
      continue;
    }
    for (const auto& [k, v] : from->items()) {
      if (k != "ray.io/node-type" && k != "ray.io/group" && k != "ray.io/cluster") {
        labels[k] = v;
      }
    }
  }
  return labels;
}

bool has_port(const Json& container, const std::string& name) {
  for (const auto& p : container.value("ports", Json::array())) {
    if (p.value("name", "") == name) {
      return true;
    }
  }
  return false;
}

void add_metrics_port(Json& container) {
  if (!has_port(container, "metrics")) {
    if (!container.contains("ports") || !container["ports"].is_array()) {
      container["ports"] = Json::array();
    }
    container["ports"].push_back({{"name", "metrics"}, {"containerPort", kDefaultMetricsPort}});
  }
}

// configureGCSFaultTolerance.
void gcs_fault_tolerance(Json& pod, const Json& cluster, bool head, Params& params) {
  const bool ft = ft_enabled(cluster);
  if (head) {
    pod["metadata"]["annotations"]["ray.io/ft-enabled"] = ft ? "true" : "false";
  }
  if (!ft) {
    return;
  }
  Json& container = pod["spec"]["containers"][0];
  if (!head) {
    if (!env_exists(container, "RAY_gcs_rpc_server_reconnect_timeout_s")) {
      add_env_value(container, "RAY_gcs_rpc_server_reconnect_timeout_s", "600");
    }
    return;
  }
  const Json& options = at(cluster, {"spec", "gcsFaultToleranceOptions"});
  std::string storage = text_of(at(cluster, {"metadata", "uid"}));
  if (const std::string a = annotation(cluster, "ray.io/external-storage-namespace"); !a.empty()) {
    storage = a;
  }
  if (const std::string o = text_of(at(options, {"externalStorageNamespace"})); !o.empty()) {
    storage = o;
  }
  pod["metadata"]["annotations"]["ray.io/external-storage-namespace"] = storage;
  if (!env_exists(container, "RAY_external_storage_namespace")) {
    add_env_value(container, "RAY_external_storage_namespace", storage);
  }
  if (options.is_object()) {
    add_env_value(container, "RAY_REDIS_ADDRESS", text_of(at(options, {"redisAddress"})));
    for (const auto& [field, env, param] :
         {std::tuple{"redisUsername", "REDIS_USERNAME", "redis-username"},
          std::tuple{"redisPassword", "REDIS_PASSWORD", "redis-password"}}) {
      const Json& secret = at(options, {field});
      if (secret.is_object()) {
        params[param] = std::string("$") + env;
        Json var = {{"name", env}};
        if (secret.contains("value")) {
          var["value"] = secret["value"];
        }
        if (secret.contains("valueFrom")) {
          var["valueFrom"] = secret["valueFrom"];
        }
        add_env(container, var);
      }
    }
  } else if (!env_exists(container, "REDIS_PASSWORD") && params.count("redis-password") > 0) {
    add_env_value(container, "REDIS_PASSWORD", params["redis-password"]);
  }
}

// SetContainerTokenAuthEnvVars.
void token_auth_env(Json& container, const Json& cluster) {
  if (!env_exists(container, "RAY_AUTH_MODE")) {
    add_env_value(container, "RAY_AUTH_MODE", "token");
  }
  if (k8s_auth(cluster)) {
    if (!env_exists(container, "RAY_ENABLE_K8S_TOKEN_AUTH")) {
      add_env_value(container, "RAY_ENABLE_K8S_TOKEN_AUTH", "true");
    }
    bool mounted = false;
    for (const auto& m : container.value("volumeMounts", Json::array())) {
      mounted = mounted || m.value("name", "") == "ray-token";
    }
    if (!mounted) {
      if (!container.contains("volumeMounts")) {
        container["volumeMounts"] = Json::array();
      }
      container["volumeMounts"].push_back({{"name", "ray-token"},
                                           {"mountPath", "/var/run/secrets/ray.io/serviceaccount"},
                                           {"readOnly", true}});
    }
    return;
  }
  std::string secret = check_name(cluster_name(cluster));
  if (const std::string s = text_of(at(cluster, {"spec", "authOptions", "secretName"}));
      !s.empty()) {
    secret = s;
  }
  if (!env_exists(container, "RAY_AUTH_TOKEN")) {
    add_env(container,
            {{"name", "RAY_AUTH_TOKEN"},
             {"valueFrom", {{"secretKeyRef", {{"name", secret}, {"key", "auth_token"}}}}}});
  }
}

bool has_volume(const Json& spec, const std::string& name) {
  for (const auto& v : spec.value("volumes", Json::array())) {
    if (v.value("name", "") == name) {
      return true;
    }
  }
  return false;
}

// configureTokenAuth.
void token_auth(Json& pod, const Json& cluster) {
  Json& spec = pod["spec"];
  token_auth_env(spec["containers"][0], cluster);
  if (k8s_auth(cluster) && !has_volume(spec, "ray-token")) {
    if (!spec.contains("volumes")) {
      spec["volumes"] = Json::array();
    }
    spec["volumes"].push_back(
        {{"name", "ray-token"},
         {"projected",
          {{"sources", Json::array({{{"serviceAccountToken", {{"path", "token"}}}}})}}}});
  }
  if (spec.contains("initContainers")) {
    for (auto& init : spec["initContainers"]) {
      if (init.value("name", "") == "wait-gcs-ready") {
        token_auth_env(init, cluster);
      }
    }
  }
}

// BuildAutoscalerContainer with mergeAutoscalerOverrides.
Json autoscaler_container(const Json& cluster, const std::string& image) {
  Json c = {{"name", "autoscaler"},
            {"image", image},
            {"imagePullPolicy", "IfNotPresent"},
            {"env", Json::array()},
            {"command", {"/bin/bash", "-c", "--"}},
            {"args", Json::array({"ray kuberay-autoscaler --cluster-name $(RAY_CLUSTER_NAME) "
                                  "--cluster-namespace $(RAY_CLUSTER_NAMESPACE)"})},
            {"resources",
             {{"limits", {{"cpu", "500m"}, {"memory", "512Mi"}}},
              {"requests", {{"cpu", "500m"}, {"memory", "512Mi"}}}}}};
  add_env_field(c, "RAY_CLUSTER_NAME", "metadata.labels['ray.io/cluster']");
  add_env_field(c, "RAY_CLUSTER_NAMESPACE", "metadata.namespace");
  add_env_field(c, "RAY_HEAD_POD_NAME", "metadata.name");
  add_env_value(c, "KUBERAY_CRD_VER", "v1");
  if (auth_enabled(cluster)) {
    token_auth_env(c, cluster);
  }
  const Json& o = at(cluster, {"spec", "autoscalerOptions"});
  if (!o.is_object()) {
    return c;
  }
  for (const char* field : {"resources", "image", "imagePullPolicy", "securityContext"}) {
    if (o.contains(field) && !o[field].is_null()) {
      c[field] = o[field];
    }
  }
  for (const char* field : {"env", "envFrom", "volumeMounts"}) {
    if (o.contains(field) && o[field].is_array() && !o[field].empty()) {
      if (!c.contains(field)) {
        c[field] = Json::array();
      }
      for (const auto& item : o[field]) {
        c[field].push_back(item);
      }
    }
  }
  return c;
}

// addEmptyDir.
void add_empty_dir(Json& pod,
                   std::size_t container_index,
                   const std::string& volume,
                   const std::string& path,
                   bool memory) {
  // No reference into `pod` may live across an insertion: ordered_json
  // objects are vectors, so a new key moves (copies) their values.
  const Json container = pod["spec"]["containers"][container_index];
  for (const auto& m : container.value("volumeMounts", Json::array())) {
    if (m.value("mountPath", "") == path) {
      return;
    }
  }
  if (!has_volume(pod["spec"], volume)) {
    Json empty_dir = Json::object();
    if (memory) {
      empty_dir["medium"] = "Memory";
      const Json& limit = at(container, {"resources", "limits", "memory"});
      const Json& request = at(container, {"resources", "requests", "memory"});
      if (!limit.is_null()) {
        empty_dir["sizeLimit"] = limit;
      } else if (!request.is_null()) {
        empty_dir["sizeLimit"] = request;
      }
    }
    if (!pod["spec"].contains("volumes")) {
      pod["spec"]["volumes"] = Json::array();
    }
    pod["spec"]["volumes"].push_back({{"name", volume}, {"emptyDir", empty_dir}});
  }
  Json& target = pod["spec"]["containers"][container_index];
  if (!target.contains("volumeMounts")) {
    target["volumeMounts"] = Json::array();
  }
  target["volumeMounts"].push_back({{"mountPath", path}, {"name", volume}});
}

std::string join_words(const Json& list) {  // convertCmdToString
  std::string out;
  if (list.is_array()) {
    for (const auto& v : list) {
      out += " " + text_of(v) + " ";
    }
  }
  return out;
}

int param_port(const Params& p, const std::string& key, int fallback) {
  auto it = p.find(key);
  if (it == p.end()) {
    return fallback;
  }
  int v = 0;
  const char* end = it->second.data() + it->second.size();
  auto r = std::from_chars(it->second.data(), end, v);
  return r.ec == std::errc() && r.ptr == end ? v : fallback;
}

// version.ParseGeneric(rayVersion) >= 2.53.0.
bool unified_health_check(const std::string& ray_version) {
  static const std::regex generic(R"(^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$)");
  std::smatch m;
  if (!std::regex_match(ray_version, m, generic)) {
    return false;
  }
  const std::array<long, 3> v = {std::stol(m[1].str()), std::stol(m[2].str()),
                                 m[3].matched ? std::stol(m[3].str()) : 0};
  return v >= std::array<long, 3>{2, 53, 0};
}

std::string wget_health(int timeout, int port, const std::string& path) {
  return "wget --tries 1 -T " + std::to_string(timeout) +
         " -q -O- http://localhost:" + std::to_string(port) + "/" + path + " | grep success";
}

int container_port(const Json& container, const std::string& name, int fallback) {
  for (const auto& p : container.value("ports", Json::array())) {
    if (p.value("name", "") == name) {
      return p.value("containerPort", fallback);
    }
  }
  return fallback;
}

// initLivenessAndReadinessProbe.
void probes(Json& container, bool head, bool ray_service, const Params& p, const Json& cluster) {
  const int agent = param_port(p, "dashboard-agent-listen-port", kDashboardAgentPort);
  const bool http = unified_health_check(text_of(at(cluster, {"spec", "rayVersion"})));
  const Json http_get = {{"path", "/api/healthz"}, {"port", agent}};
  std::string command = wget_health(2, agent, "api/local_raylet_healthz");
  if (head) {
    command += " && " +
               wget_health(10, param_port(p, "dashboard-port", kDashboardPort), "api/gcs_healthz");
  }
  const Json exec = {{"command", {"bash", "-c", command}}};
  if (!container.contains("livenessProbe") || container["livenessProbe"].is_null()) {
    Json probe = {{"initialDelaySeconds", 30},
                  {"timeoutSeconds", head ? 5 : 2},
                  {"periodSeconds", 5},
                  {"successThreshold", 1},
                  {"failureThreshold", 120}};
    probe[http ? "httpGet" : "exec"] = http ? http_get : exec;
    container["livenessProbe"] = probe;
  }
  if (!container.contains("readinessProbe") || container["readinessProbe"].is_null()) {
    Json probe = {{"initialDelaySeconds", 10},
                  {"timeoutSeconds", head ? 5 : 2},
                  {"periodSeconds", 5},
                  {"successThreshold", 1},
                  {"failureThreshold", 10}};
    probe[http ? "httpGet" : "exec"] = http ? http_get : exec;
    if (ray_service && !head) {
      probe["failureThreshold"] = 1;
      probe.erase("httpGet");
      probe["exec"] = {
          {"command",
           {"bash", "-c",
            command + " && " +
                wget_health(10, container_port(container, "serve", kServePort), "-/healthz")}}};
    }
    container["readinessProbe"] = probe;
  }
}

// The wait-gcs-ready loop of DefaultWorkerPodTemplate, byte for byte (its
// tabs included: the operator's Go source indents the raw string).
std::string wait_gcs_ready_script(const std::string& fqdn, const std::string& port) {
  const std::string address = fqdn + ":" + port;
  const std::string t5 = "\t\t\t\t\t";
  return "\n" + t5 + "SECONDS=0\n" + t5 + "while true; do\n" + t5 +
         "\tif (( SECONDS <= 120 )); then\n" + t5 + "\t\tif ray health-check --address " + address +
         " > /dev/null 2>&1; then\n" + t5 + "\t\t\techo \"GCS is ready.\"\n" + t5 +
         "\t\t\tbreak\n" + t5 + "\t\tfi\n" + t5 +
         "\t\techo \"$SECONDS seconds elapsed: Waiting for GCS to be ready.\"\n" + t5 + "\telse\n" +
         t5 + "\t\tif ray health-check --address " + address + "; then\n" + t5 +
         "\t\t\techo \"GCS is ready. Any error messages above can be safely ignored.\"\n" + t5 +
         "\t\t\tbreak\n" + t5 + "\t\tfi\n" + t5 +
         "\t\techo \"$SECONDS seconds elapsed: Still waiting for GCS to be ready. For "
         "troubleshooting, refer to the FAQ at "
         "https://docs.ray.io/en/master/cluster/kubernetes/troubleshooting.html.\"\n" +
         t5 + "\tfi\n" + t5 + "\tsleep 5\n" + t5 + "done\n\t\t\t\t";
}

Json wait_gcs_ready(const Json& ray_container, const std::string& fqdn, const std::string& port) {
  Json init = {{"name", "wait-gcs-ready"}, {"image", ray_container.value("image", "")}};
  if (ray_container.contains("imagePullPolicy")) {
    init["imagePullPolicy"] = ray_container["imagePullPolicy"];
  }
  init["command"] = {"/bin/bash", "-c", "--"};
  init["args"] = Json::array({wait_gcs_ready_script(fqdn, port)});
  if (ray_container.contains("securityContext") && !ray_container["securityContext"].is_null()) {
    init["securityContext"] = ray_container["securityContext"];
  }
  for (const char* field : {"env", "volumeMounts"}) {
    if (ray_container.contains(field) && ray_container[field].is_array()) {
      init[field] = ray_container[field];
    }
  }
  init["resources"] = {{"limits", {{"cpu", "200m"}, {"memory", "256Mi"}}},
                       {"requests", {{"cpu", "200m"}, {"memory", "256Mi"}}}};
  return init;
}

// The cluster hash of the head's ray.io/upgrade-strategy-recreate-hash:
// KubeRay hashes its Go JSON of the spec without the scaling fields;
// clients treat it as opaque, and so is this one (base32hex of SHA-1).
std::string spec_hash(const Json& cluster) {
  Json spec = at(cluster, {"spec"});
  if (spec.is_object()) {
    spec.erase("upgradeStrategy");
    if (spec.contains("workerGroupSpecs") && spec["workerGroupSpecs"].is_array()) {
      for (auto& g : spec["workerGroupSpecs"]) {
        for (const char* k : {"replicas", "minReplicas", "maxReplicas", "scaleStrategy"}) {
          g.erase(k);
        }
      }
    }
  }
  const std::string text = spec.dump();
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  static const char* alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char byte : digest) {
    buffer = (buffer << 8U) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >> static_cast<unsigned>(bits - 5)) & 31U];
      bits -= 5;
    }
  }
  return out;
}

Json owner_reference(const Json& cluster) {
  return {{"apiVersion", "ray.io/v1"},
          {"kind", "RayCluster"},
          {"name", cluster_name(cluster)},
          {"uid", text_of(at(cluster, {"metadata", "uid"}))},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

// BuildPod after Default{Head,Worker}PodTemplate: `pod` holds the template
// with the group's labels and annotations; `params` the completed
// rayStartParams.
void build_pod(Json& pod, const Json& cluster, bool head, Params& params) {
  const std::string crd = creator(cluster);
  const std::string fqdn = head_fqdn(cluster);
  const std::string port = head_port(cluster);
  if (crd == "RayService") {
    pod["metadata"]["labels"]["ray.io/serve"] = head ? "false" : "true";
  }
  if (params.count("plasma-directory") == 0) {
    add_empty_dir(pod, 0, "shared-mem", "/dev/shm", true);
  }
  if (head && autoscaling(cluster)) {
    std::size_t autoscaler = 0;
    for (std::size_t i = 0; i < pod["spec"]["containers"].size(); ++i) {
      if (pod["spec"]["containers"][i].value("name", "") == "autoscaler") {
        autoscaler = i;
        break;
      }
    }
    add_empty_dir(pod, 0, "ray-logs", "/tmp/ray", false);
    add_empty_dir(pod, autoscaler, "ray-logs", "/tmp/ray", false);
  }
  Json& ray = pod["spec"]["containers"][0];
  const std::string cmd = join_words(ray.value("command", Json::array())) +
                          join_words(ray.value("args", Json::array()));
  const std::string start = start_command(params, head, ray.value("resources", Json::object()));
  const bool overwrite =
      lower(text_of(at(pod, {"metadata", "annotations", "ray.io/overwrite-container-cmd"}))) ==
      "true";
  if (!overwrite && cmd.find("ray start") == std::string::npos) {
    const std::string generated = "ulimit -n 65536; " + start;
    ray["command"] = {"/bin/bash", "-c", "--"};
    ray["args"] = Json::array({cmd.empty() ? generated : cmd + " && " + generated});
  }
  if (pod["spec"].contains("initContainers") && pod["spec"]["initContainers"].is_array()) {
    for (auto& init : pod["spec"]["initContainers"]) {
      add_env_value(init, "FQ_RAY_IP", fqdn);
      add_env_value(init, "RAY_IP", fqdn.substr(0, fqdn.find('.')));
    }
  }
  // setContainerEnvVars.
  std::string ip = "127.0.0.1";
  if (!head) {
    ip = fqdn;
    add_env_value(ray, "FQ_RAY_IP", fqdn);
    add_env_value(ray, "RAY_IP", fqdn.substr(0, fqdn.find('.')));
  }
  add_env_field(ray, "RAY_CLUSTER_NAME", "metadata.labels['ray.io/cluster']");
  add_env_field(ray, "RAY_CLUSTER_NAMESPACE", "metadata.namespace");
  add_env_field(ray, "RAY_CLOUD_INSTANCE_ID", "metadata.name");
  add_env_field(ray, "RAY_NODE_TYPE_NAME", "metadata.labels['ray.io/group']");
  add_env_value(ray, "KUBERAY_GEN_RAY_START_CMD", start);
  if (!env_exists(ray, "RAY_PORT")) {
    add_env_value(ray, "RAY_PORT", port);
  }
  if (crd == "RayService") {
    for (const auto& [name, value] : {std::pair{"RAY_timeout_ms_task_wait_for_death_info", "0"},
                                      std::pair{"RAY_gcs_server_request_timeout_seconds", "5"},
                                      std::pair{"RAY_SERVE_KV_TIMEOUT_S", "5"}}) {
      if (!env_exists(ray, name)) {
        add_env_value(ray, name, value);
      }
    }
  }
  if (!env_exists(ray, "RAY_ADDRESS")) {
    add_env_value(ray, "RAY_ADDRESS", ip + ":" + port);
  }
  if (!env_exists(ray, "RAY_USAGE_STATS_KUBERAY_IN_USE")) {
    add_env_value(ray, "RAY_USAGE_STATS_KUBERAY_IN_USE", "1");
  }
  if (head) {
    add_env_value(ray, "RAY_USAGE_STATS_EXTRA_TAGS",
                  std::string("kuberay_version=") + kVersion + ";kuberay_crd=" + crd);
  }
  if (!env_exists(ray, "RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE")) {
    add_env_value(ray, "RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE", "1");
  }
  probes(ray, head, crd == "RayService", params, cluster);
  pod["metadata"]["ownerReferences"] = Json::array({owner_reference(cluster)});
}

// The template as DefaultHeadPodTemplate and DefaultWorkerPodTemplate start
// from it: a Pod with the template's metadata and spec.
Json pod_from_template(const Json& cluster, const Json& group, const std::string& generate_name) {
  const Json& tmpl = at(group, {"template"});
  Json meta = tmpl.value("metadata", Json::object());
  meta.erase("name");
  meta["generateName"] = generate_name;
  meta["namespace"] = cluster_ns(cluster);
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
    meta["annotations"] = Json::object();
  }
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", meta},
              {"spec", tmpl.value("spec", Json::object())}};
  if (overwrite_cmd(cluster)) {
    pod["metadata"]["annotations"]["ray.io/overwrite-container-cmd"] = "true";
  }
  return pod;
}

const Json& head_group(const Json& cluster) {
  return at(cluster, {"spec", "headGroupSpec"});
}

}  // namespace

std::string head_service_name(const Json& cluster) {
  const std::string custom = text_of(at(head_group(cluster), {"headService", "metadata", "name"}));
  return custom.empty() ? cluster_name(cluster) + "-head-svc" : custom;
}

std::string head_fqdn(const Json& cluster) {
  return head_service_name(cluster) + "." + cluster_ns(cluster) + ".svc.cluster.local";
}

std::string head_port(const Json& cluster) {
  const Json& port = at(head_group(cluster), {"rayStartParams", "port"});
  return port.is_null() ? "6379" : text_of(port);
}

std::string ray_start_command(const Json& cluster, const Json* group) {
  const bool head = group == nullptr;
  const Json& g = head ? head_group(cluster) : *group;
  const Json pod = head ? build_head_pod(cluster) : build_worker_pod(cluster, g, 0);
  for (const auto& e : at(pod, {"spec", "containers"})[0].value("env", Json::array())) {
    if (e.value("name", "") == "KUBERAY_GEN_RAY_START_CMD") {
      return e.value("value", "");
    }
  }
  return "";
}

Json build_head_pod(const Json& cluster) {
  const Json& group = head_group(cluster);
  const std::string c = cluster_name(cluster);
  Json pod = pod_from_template(cluster, group, pod_name_prefix(c, "head"));
  if (at(pod, {"spec", "containers"}).empty()) {
    return pod;  // the operator refuses such a cluster before it builds a Pod
  }
  Params params = params_of(group);
  params_from_group_resources(params, group);
  params_from_group_labels(params, group);
  pod["metadata"]["labels"] = pod_labels(cluster, group, true);
  missing_params(params, true, "");
  if (autoscaling(cluster)) {
    params["no-monitor"] = "true";
    const std::string sa = text_of(at(group, {"template", "spec", "serviceAccountName"}));
    pod["spec"]["serviceAccountName"] = check_name(sa.empty() ? c : sa);
    pod["spec"]["containers"].push_back(
        autoscaler_container(cluster, pod["spec"]["containers"][0].value("image", "")));
    if (autoscaling_v2(cluster)) {
      add_env_value(pod["spec"]["containers"][0], "RAY_enable_autoscaler_v2", "true");
      pod["spec"]["restartPolicy"] = "Never";
    }
  }
  gcs_fault_tolerance(pod, cluster, true, params);
  add_metrics_port(pod["spec"]["containers"][0]);
  if (auth_enabled(cluster)) {
    token_auth(pod, cluster);
  }
  build_pod(pod, cluster, true, params);
  pod["metadata"]["annotations"]["ray.io/upgrade-strategy-recreate-hash"] = spec_hash(cluster);
  pod["metadata"]["annotations"]["ray.io/kuberay-version"] = kVersion;
  return pod;
}

Json build_worker_pod(const Json& cluster,
                      const Json& group,
                      int replica_index,
                      const std::string& replica_name,
                      int host_index) {
  const std::string c = cluster_name(cluster);
  const std::string prefix = c + "-" + text_of(at(group, {"groupName"}));
  Json pod = pod_from_template(cluster, group, pod_name_prefix(prefix, "worker"));
  if (at(pod, {"spec", "containers"}).empty()) {
    return pod;
  }
  const std::string fqdn = head_fqdn(cluster);
  const std::string port = head_port(cluster);
  Json& spec = pod["spec"];
  if (!spec.contains("initContainers") || !spec["initContainers"].is_array()) {
    spec["initContainers"] = Json::array();
  }
  spec["initContainers"].push_back(wait_gcs_ready(spec["containers"][0], fqdn, port));
  Params params = params_of(group);
  params_from_group_resources(params, group);
  params_from_group_labels(params, group);
  pod["metadata"]["labels"] = pod_labels(cluster, group, false);
  pod["metadata"]["labels"]["ray.io/worker-group-replica-index"] = std::to_string(replica_index);
  if (at(group, {"numOfHosts"}).is_number_integer() && group["numOfHosts"].get<long>() > 1) {
    pod["metadata"]["labels"]["ray.io/worker-group-replica-name"] = replica_name;
    pod["metadata"]["labels"]["ray.io/replica-host-index"] = std::to_string(host_index);
  }
  missing_params(params, false, fqdn + ":" + port);
  gcs_fault_tolerance(pod, cluster, false, params);
  add_metrics_port(pod["spec"]["containers"][0]);
  if (autoscaling(cluster) && autoscaling_v2(cluster)) {
    pod["spec"]["restartPolicy"] = "Never";
  }
  if (auth_enabled(cluster)) {
    token_auth(pod, cluster);
  }
  build_pod(pod, cluster, false, params);
  return pod;
}

namespace {

// getServicePorts: the head Ray container's ports by name, the defaults
// when it declares none, and `metrics`.
std::map<std::string, int> service_ports(const Json& cluster) {
  std::map<std::string, int> ports;
  const Json& containers = at(head_group(cluster), {"template", "spec", "containers"});
  if (containers.is_array() && !containers.empty()) {
    for (const auto& p : containers[0].value("ports", Json::array())) {
      const int n = p.value("containerPort", 0);
      const std::string name = p.value("name", "");
      ports[name.empty() ? std::to_string(n) + "-port" : name] = n;
    }
  }
  if (ports.empty()) {
    ports = {{"client", 10001},
             {"gcs-server", 6379},
             {"dashboard", kDashboardPort},
             {"metrics", kDefaultMetricsPort},
             {"serve", kServePort}};
  }
  ports.emplace("metrics", kDefaultMetricsPort);
  return ports;
}

}  // namespace

namespace {

// A user's Service template (headService, serveService) as a Service:
// apiVersion and kind set, metadata and spec objects present.
void as_service(Json& svc) {
  svc["apiVersion"] = "v1";
  svc["kind"] = "Service";
  if (!svc.contains("metadata") || !svc["metadata"].is_object()) {
    svc["metadata"] = Json::object();
  }
  if (!svc.contains("spec") || !svc["spec"].is_object()) {
    svc["spec"] = Json::object();
  }
}

}  // namespace

Json build_head_service(const Json& cluster) {
  const std::string c = cluster_name(cluster);
  const Json& group = head_group(cluster);
  Json selector = {{"ray.io/cluster", c},
                   {"ray.io/node-type", "head"},
                   {"ray.io/identifier", check_label(c + "-head")},
                   {"app.kubernetes.io/name", "kuberay"},
                   {"app.kubernetes.io/created-by", "kuberay-operator"}};
  const Json& app = at(group, {"template", "metadata", "labels", "app.kubernetes.io/name"});
  if (!app.is_null()) {
    selector["app.kubernetes.io/name"] = app;
  }
  Json annotations = Json::object();
  if (const Json& a = at(cluster, {"spec", "headServiceAnnotations"}); a.is_object()) {
    annotations = a;
  }
  Json ports = Json::array();
  for (const auto& [name, port] : service_ports(cluster)) {  // sorted by name
    ports.push_back({{"name", name}, {"port", port}, {"appProtocol", "tcp"}});
  }
  const Json type = at(group, {"serviceType"});
  Json svc;
  if (const Json& custom = at(group, {"headService"}); custom.is_object()) {
    svc = custom;
    as_service(svc);
    svc["spec"]["selector"] = selector;
    for (const auto& [k, v] : annotations.items()) {
      svc["metadata"]["annotations"][k] = v;
    }
    if (!svc["spec"].contains("ports") || !svc["spec"]["ports"].is_array()) {
      svc["spec"]["ports"] = Json::array();
    }
    for (const auto& p : ports) {
      svc["spec"]["ports"].push_back(p);
    }
    for (const auto& [k, v] : selector.items()) {
      svc["metadata"]["labels"][k] = v;
    }
    if (text_of(at(svc, {"metadata", "name"})).empty()) {
      svc["metadata"]["name"] = c + "-head-svc";
    }
    svc["metadata"]["namespace"] = cluster_ns(cluster);
    if (text_of(at(svc, {"spec", "type"})).empty() && !type.is_null()) {
      svc["spec"]["type"] = type;
    }
  } else {
    svc = {{"apiVersion", "v1"},
           {"kind", "Service"},
           {"metadata",
            {{"name", head_service_name(cluster)},
             {"namespace", cluster_ns(cluster)},
             {"labels", selector}}},
           {"spec", {{"selector", selector}, {"ports", ports}}}};
    if (!annotations.empty()) {
      svc["metadata"]["annotations"] = annotations;
    }
    if (!type.is_null()) {
      svc["spec"]["type"] = type;
    }
    if (type.is_null() || type == Json("") || type == Json("ClusterIP")) {
      svc["spec"]["clusterIP"] = "None";
      svc["spec"]["publishNotReadyAddresses"] = true;
    }
  }
  svc["metadata"]["ownerReferences"] = Json::array({owner_reference(cluster)});
  return svc;
}

Result<Json> build_serve_service(const Json& cluster) {
  const std::string c = cluster_name(cluster);
  Json ports = Json::array();
  for (const auto& [name, port] : service_ports(cluster)) {
    if (name == "serve" || starts_with(name, "serve-")) {
      ports.push_back({{"name", name}, {"port", port}});
    }
  }
  if (ports.empty()) {
    ApiError e;
    e.message =
        "Please specify a port named 'serve' (or with the prefix 'serve-', e.g. 'serve-grpc') in "
        "the Ray head container; otherwise, the Kubernetes service for Ray Serve will not be "
        "created.";
    return tl::unexpected(e);
  }
  Json svc = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", c + "-serve-svc"},
                {"namespace", cluster_ns(cluster)},
                {"labels",
                 {{"ray.io/originated-from-cr-name", c},
                  {"ray.io/originated-from-crd", "RayCluster"},
                  {"ray.io/serve", c + "-serve"}}},
                {"ownerReferences", Json::array({owner_reference(cluster)})}}},
              {"spec", {{"selector", {{"ray.io/cluster", c}}}, {"ports", ports}}}};
  if (const Json& type = at(head_group(cluster), {"serviceType"}); !type.is_null()) {
    svc["spec"]["type"] = type;
  }
  return svc;
}

namespace {

// strconv.Quote for the ASCII a command line holds: double quotes, \" and
// \\ escaped, control characters as \n, \t, \r or \xNN.
std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Go maps marshal with their keys sorted.
Json sorted_keys(const Json& v) {
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& e : v) {
      out.push_back(sorted_keys(e));
    }
    return out;
  }
  if (!v.is_object()) {
    return v;
  }
  std::map<std::string, Json> by_key;
  for (auto it = v.begin(); it != v.end(); ++it) {
    by_key[it.key()] = sorted_keys(it.value());
  }
  Json out = Json::object();
  for (auto& [k, e] : by_key) {
    out[k] = std::move(e);
  }
  return out;
}

// encoding/json's compact form of a Go map: keys sorted; <, > and &
// escaped in strings.
std::string go_json(const Json& v) {
  std::string out;
  for (char c : sorted_keys(v).dump()) {
    out += c == '<' ? "\\u003c" : c == '>' ? "\\u003e" : c == '&' ? "\\u0026" : std::string(1, c);
  }
  return out;
}

// fmt.Sprintf("%f", v).
std::string go_f(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

// GetMetadataJson's version check: Masterminds semver, >= 2.6.0.
std::optional<std::string> metadata_version_error(const std::string& ray_version) {
  static const std::regex semver(
      R"(^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$)");
  std::smatch m;
  if (!std::regex_match(ray_version, m, semver)) {
    return "failed to parse Ray version: " + ray_version + ": Invalid Semantic Version";
  }
  const std::array<long, 3> v = {std::stol(m[1].str()), m[2].matched ? std::stol(m[2].str()) : 0,
                                 m[3].matched ? std::stol(m[3].str()) : 0};
  if (v < std::array<long, 3>{2, 6, 0}) {
    return std::string("the Ray version must be at least 2.6.0 to use the metadata field");
  }
  return std::nullopt;
}

// ctrl.SetControllerReference of a ray.io/v1 owner.
Json controller_reference(const Json& owner) {
  return {{"apiVersion", "ray.io/v1"},
          {"kind", text_of(at(owner, {"kind"}))},
          {"name", text_of(at(owner, {"metadata", "name"}))},
          {"uid", text_of(at(owner, {"metadata", "uid"}))},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

ApiError build_error(const std::string& message) {
  ApiError e;
  e.message = message;
  return e;
}

}  // namespace

Result<std::string> job_submit_command(const Json& rayjob) {
  const Json& spec = rayjob["spec"];
  std::string address = text_of(at(rayjob, {"status", "dashboardURL"}));
  if (!starts_with(address, "http://")) {
    address = "http://" + address;
  }
  const std::string id = text_of(at(rayjob, {"status", "jobId"}));
  std::string entrypoint = text_of(at(spec, {"entrypoint"}));
  const auto first = entrypoint.find_first_not_of(" \t\n\r\v\f");
  entrypoint =
      first == std::string::npos
          ? ""
          : entrypoint.substr(first, entrypoint.find_last_not_of(" \t\n\r\v\f") - first + 1);
  std::vector<std::string> cmd = {"if",    "!",   "ray",        "job",       "status", "--address",
                                  address, id,    ">/dev/null", "2>&1",      ";",      "then",
                                  "ray",   "job", "submit",     "--address", address,  "--no-wait"};
  if (const std::string yaml = text_of(at(spec, {"runtimeEnvYAML"})); !yaml.empty()) {
    auto parsed = parse_yaml(yaml);
    if (!parsed) {
      return tl::unexpected(parsed.error());
    }
    cmd.push_back("--runtime-env-json");
    cmd.push_back(go_quote(go_json(*parsed)));
  }
  const Json& metadata = at(spec, {"metadata"});
  if (metadata.is_object() && !metadata.empty() && at(spec, {"rayClusterSpec"}).is_object()) {
    if (auto error = metadata_version_error(text_of(at(spec, {"rayClusterSpec", "rayVersion"})))) {
      return tl::unexpected(build_error(*error));
    }
    cmd.push_back("--metadata-json");
    cmd.push_back(go_quote(go_json(metadata)));
  }
  if (!id.empty()) {
    cmd.push_back("--submission-id");
    cmd.push_back(id);
  }
  for (const auto& [field, flag] : {std::pair{"entrypointNumCpus", "--entrypoint-num-cpus"},
                                    std::pair{"entrypointNumGpus", "--entrypoint-num-gpus"}}) {
    const Json& v = at(spec, {field});
    if (v.is_number() && v.get<double>() > 0) {
      cmd.push_back(flag);
      cmd.push_back(go_f(v.get<double>()));
    }
  }
  if (const std::string r = text_of(at(spec, {"entrypointResources"})); !r.empty()) {
    cmd.push_back("--entrypoint-resources");
    cmd.push_back(go_quote(r));
  }
  for (const std::string& w :
       {std::string("--"), entrypoint, std::string(";"), std::string("fi"), std::string(";"),
        std::string("ray"), std::string("job"), std::string("logs"), std::string("--address"),
        address, std::string("--follow"), id}) {
    cmd.push_back(w);
  }
  std::string line;
  for (const auto& w : cmd) {
    line += (line.empty() ? "" : " ") + w;
  }
  return line;
}

Result<Json> build_submitter_job(const Json& rayjob, const Json& cluster) {
  const Json& spec = rayjob["spec"];
  Json tmpl = at(spec, {"submitterPodTemplate"});
  if (!tmpl.is_object()) {
    const Json& head = at(head_group(cluster), {"template", "spec", "containers"});
    tmpl = {
        {"spec",
         {{"containers",
           Json::array(
               {{{"name", "ray-job-submitter"},
                 {"image", head.is_array() && !head.empty() ? text_of(at(head[0], {"image"})) : ""},
                 {"resources",
                  {{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}},
                   {"requests", {{"cpu", "500m"}, {"memory", "200Mi"}}}}}}})},
          {"restartPolicy", "Never"}}}};
  }
  auto line = job_submit_command(rayjob);
  if (!line) {
    return tl::unexpected(line.error());
  }
  if (!tmpl.contains("spec") || !tmpl["spec"].contains("containers") ||
      !tmpl["spec"]["containers"].is_array() || tmpl["spec"]["containers"].empty()) {
    return tl::unexpected(build_error("the submitter Pod template has no container"));
  }
  Json& c = tmpl["spec"]["containers"][0];
  if (!c.contains("command") || c["command"].empty()) {
    c["command"] = {"/bin/bash", "-ce", "--"};
    c["args"] = Json::array({*line});
  }
  add_env_value(c, "PYTHONUNBUFFERED", "1");
  add_env_value(c, "RAY_DASHBOARD_ADDRESS", text_of(at(rayjob, {"status", "dashboardURL"})));
  add_env_value(c, "RAY_JOB_SUBMISSION_ID", text_of(at(rayjob, {"status", "jobId"})));
  if (auth_enabled(cluster)) {
    token_auth_env(c, cluster);
  }
  if (k8s_auth(cluster) && !has_volume(tmpl["spec"], "ray-token")) {
    if (!tmpl["spec"].contains("volumes")) {
      tmpl["spec"]["volumes"] = Json::array();
    }
    tmpl["spec"]["volumes"].push_back(
        {{"name", "ray-token"},
         {"projected",
          {{"sources", Json::array({{{"serviceAccountToken", {{"path", "token"}}}}})}}}});
  }
  const std::string name = text_of(at(rayjob, {"metadata", "name"}));
  const Json& backoff = at(spec, {"submitterConfig", "backoffLimit"});
  return Json{
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata",
       {{"name", name},
        {"namespace", text_of(at(rayjob, {"metadata", "namespace"}))},
        {"labels",
         {{"ray.io/originated-from-cr-name", name},
          {"ray.io/originated-from-crd", "RayJob"},
          {"app.kubernetes.io/created-by", "kuberay-operator"}}},
        {"ownerReferences", Json::array({{{"apiVersion", "ray.io/v1"},
                                          {"kind", "RayJob"},
                                          {"name", name},
                                          {"uid", text_of(at(rayjob, {"metadata", "uid"}))},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}})}}},
      {"spec",
       {{"backoffLimit", backoff.is_number_integer() ? backoff : Json(2)}, {"template", tmpl}}}};
}

Json build_owner_head_service(const Json& owner, const Json& cluster) {
  Json plain = cluster;  // BuildServiceForHeadPod(cluster, nil, nil): no headServiceAnnotations
  if (plain.contains("spec") && plain["spec"].is_object()) {
    plain["spec"].erase("headServiceAnnotations");
  }
  Json svc = build_head_service(plain);
  const std::string name = text_of(at(owner, {"metadata", "name"}));
  const std::string kind = text_of(at(owner, {"kind"}));
  svc["metadata"]["name"] = name + "-head-svc";
  svc["metadata"]["namespace"] = text_of(at(owner, {"metadata", "namespace"}));
  svc["metadata"]["labels"] = {{"ray.io/originated-from-cr-name", name},
                               {"ray.io/originated-from-crd", kind},
                               {"ray.io/node-type", "head"},
                               {"ray.io/identifier", check_label(name + "-head")}};
  svc["metadata"]["ownerReferences"] = Json::array({controller_reference(owner)});
  return svc;
}

Result<Json> build_rayservice_serve_service(const Json& rayservice, const Json& cluster) {
  const std::string name = text_of(at(rayservice, {"metadata", "name"}));
  const Json labels = {{"ray.io/originated-from-cr-name", name},
                       {"ray.io/originated-from-crd", "RayService"},
                       {"ray.io/serve", name + "-serve"}};
  const Json selector = {{"ray.io/cluster", cluster_name(cluster)}, {"ray.io/serve", "true"}};
  const Json& type = at(rayservice, {"spec", "rayClusterConfig", "headGroupSpec", "serviceType"});
  Json ports = Json::array();
  for (const auto& [port_name, port] : service_ports(cluster)) {
    if (port_name == "serve" || starts_with(port_name, "serve-")) {
      ports.push_back({{"name", port_name}, {"port", port}});
    }
  }
  const Json& custom = at(rayservice, {"spec", "serveService"});
  Json svc;
  if (custom.is_object()) {
    svc = custom;
    as_service(svc);
    svc["spec"]["selector"] = selector;
    if (!ports.empty()) {  // the user's port of the same name wins
      Json merged = Json::array();
      for (const auto& p : ports) {
        Json chosen = p;
        for (const auto& u :
             at(svc, {"spec", "ports"}).is_array() ? svc["spec"]["ports"] : Json::array()) {
          if (u.value("name", "") == p.value("name", "")) {
            chosen = u;
          }
        }
        merged.push_back(chosen);
      }
      svc["spec"]["ports"] = merged;
    }
    for (const auto& [k, v] : labels.items()) {
      svc["metadata"]["labels"][k] = v;
    }
    if (text_of(at(svc, {"metadata", "name"})).empty()) {
      svc["metadata"]["name"] = name + "-serve-svc";
    }
    svc["metadata"]["namespace"] = text_of(at(rayservice, {"metadata", "namespace"}));
    if (text_of(at(svc, {"spec", "type"})).empty() && !type.is_null()) {
      svc["spec"]["type"] = type;
    }
  } else {
    if (ports.empty()) {
      return tl::unexpected(build_error(
          "Please specify a port named 'serve' (or with the prefix 'serve-', e.g. 'serve-grpc') "
          "in the Ray head container; otherwise, the Kubernetes service for Ray Serve will not be "
          "created."));
    }
    svc = {{"apiVersion", "v1"},
           {"kind", "Service"},
           {"metadata",
            {{"name", name + "-serve-svc"},
             {"namespace", text_of(at(rayservice, {"metadata", "namespace"}))},
             {"labels", labels}}},
           {"spec", {{"selector", selector}, {"ports", ports}}}};
    if (!type.is_null()) {
      svc["spec"]["type"] = type;
    }
  }
  svc["metadata"]["ownerReferences"] = Json::array({controller_reference(rayservice)});
  return svc;
}

}  // namespace fakekube::kuberay
