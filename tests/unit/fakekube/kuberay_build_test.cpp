// SPDX-License-Identifier: Apache-2.0
// The simulated operator's Pods and Services against what KubeRay v1.6.2
// builds (ray-operator/controllers/ray/common/pod.go and service.go at tag
// v1.6.2): the `ray start` strings character for character, injected env,
// ports, probes, the wait-gcs-ready init container, /dev/shm.
#include "../../support/fakekube/kuberay_build.hpp"
#include "../../support/fakekube/yaml_json.hpp"

#include "../../support/catch.hpp"
#include "kuberay_sample.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using fakekube::Json;
namespace kuberay = fakekube::kuberay;

namespace {

using testing::kSample;
using testing::yaml;

std::vector<std::string> env_names(const Json& container) {
  std::vector<std::string> names;
  for (const auto& e : container.value("env", Json::array())) {
    names.push_back(e.value("name", ""));
  }
  return names;
}

std::string env_value(const Json& container, const std::string& name) {
  for (const auto& e : container.value("env", Json::array())) {
    if (e.value("name", "") == name) {
      return e.contains("value") ? e["value"].get<std::string>() : e["valueFrom"].dump();
    }
  }
  return "<absent>";
}

const std::string kHeadStart =
    "ray start --head  --block  --dashboard-agent-listen-port=52365  --dashboard-host=0.0.0.0  "
    "--memory=5368709120  --metrics-export-port=8080  --num-cpus=1 ";
const std::string kWorkerStart =
    "ray start  --address=raycluster-kuberay-head-svc.default.svc.cluster.local:6379  --block  "
    "--dashboard-agent-listen-port=52365  --memory=1073741824  --metrics-export-port=8080  "
    "--num-cpus=1 ";

}  // namespace

TEST_CASE("kuberay_build: the sample's head Pod carries KubeRay's command, env, ports, probes",
          "[fakekube]") {
  const Json cluster = yaml(kSample);
  const Json pod = kuberay::build_head_pod(cluster);
  CHECK(pod["metadata"]["generateName"] == "raycluster-kuberay-head-");
  CHECK(pod["metadata"]["namespace"] == "default");
  CHECK(pod["metadata"]["labels"] == Json{{"ray.io/is-ray-node", "yes"},
                                          {"ray.io/cluster", "raycluster-kuberay"},
                                          {"ray.io/node-type", "head"},
                                          {"ray.io/group", "headgroup"},
                                          {"ray.io/identifier", "raycluster-kuberay-head"},
                                          {"app.kubernetes.io/name", "kuberay"},
                                          {"app.kubernetes.io/created-by", "kuberay-operator"}});
  CHECK(pod["metadata"]["annotations"]["ray.io/ft-enabled"] == "false");
  CHECK(pod["metadata"]["annotations"]["ray.io/kuberay-version"] == "v1.6.2");
  CHECK(pod["metadata"]["annotations"]["ray.io/upgrade-strategy-recreate-hash"]
            .get<std::string>()
            .size() == 32);
  CHECK(pod["metadata"]["ownerReferences"][0]["kind"] == "RayCluster");
  CHECK(pod["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] == true);
  CHECK_FALSE(pod["spec"].contains("restartPolicy"));  // the operator leaves it to the API server

  const Json& ray = pod["spec"]["containers"][0];
  CHECK(ray["command"] == Json::array({"/bin/bash", "-c", "--"}));
  CHECK(ray["args"] == Json::array({"ulimit -n 65536; " + kHeadStart}));
  CHECK(env_value(ray, "KUBERAY_GEN_RAY_START_CMD") == kHeadStart);
  CHECK(kuberay::ray_start_command(cluster, nullptr) == kHeadStart);
  CHECK(env_names(ray) == std::vector<std::string>{
                              "RAY_CLUSTER_NAME", "RAY_CLUSTER_NAMESPACE", "RAY_CLOUD_INSTANCE_ID",
                              "RAY_NODE_TYPE_NAME", "KUBERAY_GEN_RAY_START_CMD", "RAY_PORT",
                              "RAY_ADDRESS", "RAY_USAGE_STATS_KUBERAY_IN_USE",
                              "RAY_USAGE_STATS_EXTRA_TAGS", "RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE"});
  CHECK(env_value(ray, "RAY_ADDRESS") == "127.0.0.1:6379");
  CHECK(env_value(ray, "RAY_USAGE_STATS_EXTRA_TAGS") ==
        "kuberay_version=v1.6.2;kuberay_crd=RayCluster");
  CHECK(env_value(ray, "RAY_CLUSTER_NAME") ==
        R"({"fieldRef":{"fieldPath":"metadata.labels['ray.io/cluster']"}})");
  CHECK(ray["ports"].back() == Json{{"name", "metrics"}, {"containerPort", 8080}});
  CHECK(ray["ports"].size() == 4);

  const std::string check =
      "wget --tries 1 -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success "
      "&& wget --tries 1 -T 10 -q -O- http://localhost:8265/api/gcs_healthz | grep success";
  CHECK(ray["livenessProbe"] == Json{{"initialDelaySeconds", 30},
                                     {"timeoutSeconds", 5},
                                     {"periodSeconds", 5},
                                     {"successThreshold", 1},
                                     {"failureThreshold", 120},
                                     {"exec", {{"command", {"bash", "-c", check}}}}});
  CHECK(ray["readinessProbe"]["initialDelaySeconds"] == 10);
  CHECK(ray["readinessProbe"]["failureThreshold"] == 10);
  CHECK(ray["readinessProbe"]["exec"]["command"][2] == check);

  CHECK(pod["spec"]["volumes"] ==
        Json::array({{{"name", "shared-mem"},
                      {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "5Gi"}}}}}));
  CHECK(ray["volumeMounts"] == Json::array({{{"mountPath", "/dev/shm"}, {"name", "shared-mem"}}}));
  CHECK_FALSE(pod["spec"].contains("initContainers"));
}

TEST_CASE("kuberay_build: the sample's worker Pod joins the head Service and waits for the GCS",
          "[fakekube]") {
  const Json cluster = yaml(kSample);
  const Json& group = cluster["spec"]["workerGroupSpecs"][0];
  const Json pod = kuberay::build_worker_pod(cluster, group, 0);
  CHECK(pod["metadata"]["generateName"] == "raycluster-kuberay-workergroup-worker-");
  CHECK(pod["metadata"]["labels"]["ray.io/group"] == "workergroup");
  CHECK(pod["metadata"]["labels"]["ray.io/identifier"] == "raycluster-kuberay-worker");
  CHECK(pod["metadata"]["labels"]["ray.io/worker-group-replica-index"] == "0");
  CHECK_FALSE(pod["metadata"]["annotations"].contains("ray.io/ft-enabled"));

  const Json& ray = pod["spec"]["containers"][0];
  CHECK(ray["args"] == Json::array({"ulimit -n 65536; " + kWorkerStart}));
  CHECK(kuberay::ray_start_command(cluster, &group) == kWorkerStart);
  const std::string fqdn = "raycluster-kuberay-head-svc.default.svc.cluster.local";
  CHECK(env_names(ray).front() == "FQ_RAY_IP");
  CHECK(env_value(ray, "FQ_RAY_IP") == fqdn);
  CHECK(env_value(ray, "RAY_IP") == "raycluster-kuberay-head-svc");
  CHECK(env_value(ray, "RAY_ADDRESS") == fqdn + ":6379");
  CHECK(env_value(ray, "RAY_USAGE_STATS_EXTRA_TAGS") == "<absent>");
  const std::string raylet =
      "wget --tries 1 -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success";
  CHECK(ray["readinessProbe"]["exec"]["command"][2] == raylet);
  CHECK(ray["readinessProbe"]["timeoutSeconds"] == 2);

  REQUIRE(pod["spec"]["initContainers"].size() == 1);
  const Json& init = pod["spec"]["initContainers"][0];
  CHECK(init["name"] == "wait-gcs-ready");
  CHECK(init["image"] == "rayproject/ray:2.52.0");
  CHECK(init["command"] == Json::array({"/bin/bash", "-c", "--"}));
  const std::string script = init["args"][0];
  CHECK(script.rfind("\n\t\t\t\t\tSECONDS=0\n\t\t\t\t\twhile true; do\n", 0) == 0);
  CHECK(script.find("if ray health-check --address " + fqdn + ":6379 > /dev/null 2>&1; then") !=
        std::string::npos);
  CHECK(init["resources"]["limits"] == Json{{"cpu", "200m"}, {"memory", "256Mi"}});
  CHECK(env_names(init) == std::vector<std::string>{"FQ_RAY_IP", "RAY_IP"});
}

TEST_CASE("kuberay_build: the head Service exposes the head container's ports, headless",
          "[fakekube]") {
  const Json svc = kuberay::build_head_service(yaml(kSample));
  CHECK(svc["metadata"]["name"] == "raycluster-kuberay-head-svc");
  CHECK(svc["spec"]["clusterIP"] == "None");
  CHECK(svc["spec"]["publishNotReadyAddresses"] == true);
  CHECK_FALSE(svc["spec"].contains("type"));
  std::vector<std::string> names;
  for (const auto& p : svc["spec"]["ports"]) {
    names.push_back(p["name"]);
    CHECK(p["appProtocol"] == "tcp");
    CHECK_FALSE(p.contains("targetPort"));  // the API server defaults it to `port`
  }
  CHECK(names == std::vector<std::string>{"client", "dashboard", "gcs-server", "metrics"});
  CHECK(svc["spec"]["selector"]["ray.io/identifier"] == "raycluster-kuberay-head");

  Json typed = yaml(kSample);
  typed["spec"]["headGroupSpec"]["serviceType"] = "NodePort";
  const Json node_port = kuberay::build_head_service(typed);
  CHECK(node_port["spec"]["type"] == "NodePort");
  CHECK_FALSE(node_port["spec"].contains("clusterIP"));

  // No serve port: no serve Service, in the operator's words.
  auto serve = kuberay::build_serve_service(yaml(kSample));
  REQUIRE_FALSE(serve);
  CHECK(serve.error().message.rfind("Please specify a port named 'serve'", 0) == 0);
}

TEST_CASE("kuberay_build: resources become ray start flags as generateRayStartCommand reads them",
          "[fakekube]") {
  Json cluster = yaml(kSample);
  Json& worker = cluster["spec"]["workerGroupSpecs"][0];
  SECTION("GPUs from the limits, CPU rounded up from the request") {
    worker["template"]["spec"]["containers"][0]["resources"] = {
        {"limits", {{"nvidia.com/gpu", 8}, {"memory", "64Gi"}}}, {"requests", {{"cpu", "1500m"}}}};
    const std::string start = kuberay::ray_start_command(cluster, &worker);
    CHECK(start.find(" --num-gpus=8 ") != std::string::npos);
    CHECK(start.find(" --num-cpus=2 ") != std::string::npos);
    CHECK(start.find(" --memory=68719476736 ") != std::string::npos);
  }
  SECTION("a TPU limit is a custom resource") {
    worker["template"]["spec"]["containers"][0]["resources"] = {
        {"limits", {{"google.com/tpu", "4"}}}};
    CHECK(kuberay::ray_start_command(cluster, &worker).find(R"( --resources='{"TPU":4}' )") !=
          std::string::npos);
  }
  SECTION("the group's top-level resources and labels override") {
    worker["resources"] = {{"CPU", "500m"}, {"accel", "0.5"}};
    worker["labels"] = {{"zone", "b"}, {"arch", "x86"}};
    const std::string start = kuberay::ray_start_command(cluster, &worker);
    CHECK(start.find(" --num-cpus=1 ") != std::string::npos);
    CHECK(start.find(R"( --resources='{"accel":0.5}' )") != std::string::npos);
    CHECK(start.find(" --labels=arch=x86,zone=b ") != std::string::npos);
  }
  SECTION("a user's block=false is overridden and booleans are bare flags") {
    worker["rayStartParams"] = {
        {"block", "false"}, {"log-color", "true"}, {"disable-usage-stats", "true"}};
    const std::string start = kuberay::ray_start_command(cluster, &worker);
    CHECK(start.find(" --block ") != std::string::npos);
    CHECK(start.find(" --log-color=true ") != std::string::npos);
    CHECK(start.find(" --disable-usage-stats ") != std::string::npos);
  }
}

TEST_CASE("kuberay_build: a user command runs before ray start, one with ray start is left alone",
          "[fakekube]") {
  Json cluster = yaml(kSample);
  Json& head = cluster["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0];
  head["command"] = Json::array({"echo"});
  head["args"] = Json::array({"hello"});
  Json pod = kuberay::build_head_pod(cluster);
  CHECK(pod["spec"]["containers"][0]["args"][0] ==
        " echo  hello  && ulimit -n 65536; " + kHeadStart);

  head["command"] = Json::array({"/bin/bash", "-c", "ray start --head --block"});
  head.erase("args");
  pod = kuberay::build_head_pod(cluster);
  CHECK(pod["spec"]["containers"][0]["command"][2] == "ray start --head --block");
  CHECK_FALSE(pod["spec"]["containers"][0].contains("args"));
  CHECK(env_value(pod["spec"]["containers"][0], "KUBERAY_GEN_RAY_START_CMD") == kHeadStart);
}

TEST_CASE("kuberay_build: autoscaling adds the sidecar, no-monitor and the shared log volume",
          "[fakekube]") {
  Json cluster = yaml(kSample);
  cluster["spec"]["enableInTreeAutoscaling"] = true;
  cluster["spec"]["autoscalerOptions"] = {{"version", "v2"}};
  const Json pod = kuberay::build_head_pod(cluster);
  REQUIRE(pod["spec"]["containers"].size() == 2);
  const Json& autoscaler = pod["spec"]["containers"][1];
  CHECK(autoscaler["name"] == "autoscaler");
  CHECK(autoscaler["args"][0] ==
        "ray kuberay-autoscaler --cluster-name $(RAY_CLUSTER_NAME) --cluster-namespace "
        "$(RAY_CLUSTER_NAMESPACE)");
  CHECK(pod["spec"]["serviceAccountName"] == "raycluster-kuberay");
  CHECK(pod["spec"]["restartPolicy"] == "Never");
  CHECK(kuberay::ray_start_command(cluster, nullptr).find(" --no-monitor ") != std::string::npos);
  CHECK(env_names(pod["spec"]["containers"][0]).front() == "RAY_enable_autoscaler_v2");
  CHECK(autoscaler["volumeMounts"][0]["mountPath"] == "/tmp/ray");
  const Json worker = kuberay::build_worker_pod(cluster, cluster["spec"]["workerGroupSpecs"][0], 0);
  CHECK(worker["spec"]["restartPolicy"] == "Never");
}

TEST_CASE("kuberay_build: Ray 2.53 and later get the HTTP health check", "[fakekube]") {
  Json cluster = yaml(kSample);
  cluster["spec"]["rayVersion"] = "2.53.0";
  const Json pod = kuberay::build_head_pod(cluster);
  CHECK(pod["spec"]["containers"][0]["readinessProbe"]["httpGet"] ==
        Json{{"path", "/api/healthz"}, {"port", 52365}});
  CHECK_FALSE(pod["spec"]["containers"][0]["readinessProbe"].contains("exec"));
}

TEST_CASE("kuberay_build: every RayCluster in KubeRay's samples builds Pods that run ray start",
          "[fakekube]") {
  int clusters = 0;
  for (const auto& [where, cluster] : testing::sample_clusters()) {
    INFO(where);
    ++clusters;
    const Json head = kuberay::build_head_pod(cluster);
    const std::string head_start = kuberay::ray_start_command(cluster, nullptr);
    CHECK(head_start.rfind("ray start --head ", 0) == 0);
    CHECK(head_start.find(" --block ") != std::string::npos);
    CHECK(head["spec"]["containers"][0]["env"].size() >= 10);
    for (const auto& g : cluster["spec"].value("workerGroupSpecs", Json::array())) {
      const std::string s = kuberay::ray_start_command(cluster, &g);
      CHECK(s.rfind("ray start ", 0) == 0);
      CHECK(s.find(" --address=") != std::string::npos);
      CHECK(kuberay::build_worker_pod(cluster, g, 0)["spec"]["initContainers"].back()["name"] ==
            "wait-gcs-ready");
    }
    CHECK(kuberay::build_head_service(cluster)["spec"]["ports"].size() >= 1);
  }
  CHECK(clusters >= 50);
}

TEST_CASE("kuberay_build: the submitter Job runs BuildJobSubmitCommand's line",
          "[fakekube][kuberay_build]") {
  const Json cluster = yaml(kSample);
  Json rayjob = yaml(R"(
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: train
  namespace: default
  uid: 7d5c3c1e-0000-4000-8000-000000000009
spec:
  entrypoint: "  python train.py --epochs 2 "
  runtimeEnvYAML: |
    pip:
    - requests
    env_vars:
      A: "b c"
  metadata:
    team: ml
  entrypointNumCpus: 1.5
  entrypointNumGpus: 8
  entrypointResources: '{"TPU": 1}'
  rayClusterSpec:
    rayVersion: '2.52.0'
status:
  dashboardURL: train-abcde-head-svc.default.svc.cluster.local:8265
  jobId: train-xyz12
)");
  const std::string a = "http://train-abcde-head-svc.default.svc.cluster.local:8265";
  auto line = kuberay::job_submit_command(rayjob);
  REQUIRE(line);
  CHECK(*line == "if ! ray job status --address " + a +
                     " train-xyz12 >/dev/null 2>&1 ; then ray job submit --address " + a +
                     " --no-wait --runtime-env-json "
                     R"("{\"env_vars\":{\"A\":\"b c\"},\"pip\":[\"requests\"]}")"
                     " --metadata-json "
                     R"("{\"team\":\"ml\"}")"
                     " --submission-id train-xyz12 --entrypoint-num-cpus 1.500000"
                     " --entrypoint-num-gpus 8.000000 --entrypoint-resources "
                     R"("{\"TPU\": 1}")"
                     " -- python train.py --epochs 2 ; fi ; ray job logs --address " +
                     a + " --follow train-xyz12");

  auto job = kuberay::build_submitter_job(rayjob, cluster);
  REQUIRE(job);
  CHECK((*job)["metadata"]["name"] == "train");
  CHECK((*job)["metadata"]["labels"] == Json{{"ray.io/originated-from-cr-name", "train"},
                                             {"ray.io/originated-from-crd", "RayJob"},
                                             {"app.kubernetes.io/created-by", "kuberay-operator"}});
  CHECK((*job)["metadata"]["ownerReferences"][0]["kind"] == "RayJob");
  CHECK((*job)["metadata"]["ownerReferences"][0]["uid"] == "7d5c3c1e-0000-4000-8000-000000000009");
  CHECK((*job)["spec"]["backoffLimit"] == 2);
  const Json& pod = (*job)["spec"]["template"]["spec"];
  CHECK(pod["restartPolicy"] == "Never");
  const Json& c = pod["containers"][0];
  CHECK(c["name"] == "ray-job-submitter");
  CHECK(c["image"] ==
        cluster["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"]);
  CHECK(c["resources"] == Json{{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}},
                               {"requests", {{"cpu", "500m"}, {"memory", "200Mi"}}}});
  CHECK(c["command"] == Json::array({"/bin/bash", "-ce", "--"}));
  CHECK(c["args"] == Json::array({*line}));
  CHECK(c["env"] == Json::array({{{"name", "PYTHONUNBUFFERED"}, {"value", "1"}},
                                 {{"name", "RAY_DASHBOARD_ADDRESS"},
                                  {"value", "train-abcde-head-svc.default.svc.cluster.local:8265"}},
                                 {{"name", "RAY_JOB_SUBMISSION_ID"}, {"value", "train-xyz12"}}}));

  // A submitterPodTemplate with its own command keeps it; the env is added.
  rayjob["spec"]["submitterConfig"] = {{"backoffLimit", 0}};
  rayjob["spec"]["submitterPodTemplate"] = yaml(R"(
spec:
  restartPolicy: Never
  containers:
  - name: mine
    image: curlimages/curl
    command: [sh, -c, 'echo $RAY_JOB_SUBMISSION_ID']
)");
  job = kuberay::build_submitter_job(rayjob, cluster);
  REQUIRE(job);
  CHECK((*job)["spec"]["backoffLimit"] == 0);
  const Json& mine = (*job)["spec"]["template"]["spec"]["containers"][0];
  CHECK(mine["command"] == Json::array({"sh", "-c", "echo $RAY_JOB_SUBMISSION_ID"}));
  CHECK_FALSE(mine.contains("args"));
  CHECK(mine["env"].size() == 3);

  // Metadata needs Ray 2.6.0 (GetMetadataJson); without metadata no flag.
  rayjob["spec"]["rayClusterSpec"]["rayVersion"] = "2.5.0";
  auto old = kuberay::job_submit_command(rayjob);
  REQUIRE_FALSE(old);
  CHECK(old.error().message == "the Ray version must be at least 2.6.0 to use the metadata field");
  rayjob["spec"].erase("metadata");
  rayjob["spec"].erase("runtimeEnvYAML");
  rayjob["spec"].erase("entrypointResources");
  rayjob["spec"]["entrypointNumCpus"] = 0;
  rayjob["spec"]["entrypointNumGpus"] = 0;
  line = kuberay::job_submit_command(rayjob);
  REQUIRE(line);
  CHECK(*line == "if ! ray job status --address " + a +
                     " train-xyz12 >/dev/null 2>&1 ; then ray job submit --address " + a +
                     " --no-wait --submission-id train-xyz12 -- python train.py --epochs 2 ; fi ; "
                     "ray job logs --address " +
                     a + " --follow train-xyz12");
}

TEST_CASE("kuberay_build: a RayService's head and serve Services", "[fakekube][kuberay_build]") {
  Json cluster = yaml(kSample);
  cluster["metadata"]["name"] = "llm-abcde";
  cluster["spec"]["headServiceAnnotations"] = {{"team", "ml"}};
  const Json rs = yaml(R"(
apiVersion: ray.io/v1
kind: RayService
metadata: {name: llm, namespace: default, uid: 7d5c3c1e-0000-4000-8000-000000000010}
spec:
  rayClusterConfig: {headGroupSpec: {serviceType: ClusterIP}}
)");
  const Json head = kuberay::build_owner_head_service(rs, cluster);
  CHECK(head["metadata"]["name"] == "llm-head-svc");
  CHECK(head["metadata"]["labels"] == Json{{"ray.io/originated-from-cr-name", "llm"},
                                           {"ray.io/originated-from-crd", "RayService"},
                                           {"ray.io/node-type", "head"},
                                           {"ray.io/identifier", "llm-head"}});
  CHECK_FALSE(head["metadata"].contains("annotations"));  // BuildServiceForHeadPod(.., nil, nil)
  CHECK(head["spec"]["selector"]["ray.io/cluster"] == "llm-abcde");
  CHECK(head["metadata"]["ownerReferences"][0]["kind"] == "RayService");
  CHECK(head["metadata"]["ownerReferences"][0]["uid"] == "7d5c3c1e-0000-4000-8000-000000000010");

  // The sample's head has no serve port: no serve Service without serveService.
  auto none = kuberay::build_rayservice_serve_service(rs, cluster);
  REQUIRE_FALSE(none);
  CHECK(none.error().message.rfind("Please specify a port named 'serve'", 0) == 0);
  cluster["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"].push_back(
      {{"name", "serve"}, {"containerPort", 8000}});
  auto serve = kuberay::build_rayservice_serve_service(rs, cluster);
  REQUIRE(serve);
  CHECK((*serve)["metadata"]["name"] == "llm-serve-svc");
  CHECK((*serve)["metadata"]["labels"]["ray.io/serve"] == "llm-serve");
  CHECK((*serve)["spec"]["selector"] ==
        Json{{"ray.io/cluster", "llm-abcde"}, {"ray.io/serve", "true"}});
  CHECK((*serve)["spec"]["ports"] == Json::array({{{"name", "serve"}, {"port", 8000}}}));
  CHECK((*serve)["spec"]["type"] == "ClusterIP");
}
