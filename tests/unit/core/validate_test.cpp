// SPDX-License-Identifier: Apache-2.0
// Validation of KubeRay objects: the structural schema (Kubernetes dialect),
// CEL rules, ObjectMeta, the operator's rules and the lints. The mutation
// tests break real KubeRay samples (tests/data/kuberay-v1.6.2) once per rule
// class and check the rule, the path and the line reported.
#include <krayctl/core/validate/validate.hpp>

#include <krayctl/core/schema/schema.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"

#include <filesystem>

using kray::core::Diagnostic;
using kray::core::Json;
using kray::core::Severity;

namespace {

struct Checked {
  std::shared_ptr<kray::core::SourceFile> source;
  std::vector<Diagnostic> diags;

  // The diagnostics of `rule` (all of them when empty), as
  // "line:col rule path: message" strings, for readable failures.
  std::vector<std::string> lines(std::string_view rule = "") const {
    std::vector<std::string> out;
    for (const auto& d : diags) {
      if (rule.empty() || d.rule == rule) {
        out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + " " +
                      d.rule + " " + kray::core::pointer_to_path(d.pointer) + ": " + d.message);
      }
    }
    return out;
  }

  const Diagnostic* find(const std::string& rule, const std::string& path) const {
    for (const auto& d : diags) {
      if (d.rule == rule && kray::core::pointer_to_path(d.pointer) == path) {
        return &d;
      }
    }
    return nullptr;
  }

  // The message of the diagnostic of `rule` at `path`, or "(none)".
  std::string message(const std::string& rule, const std::string& path) const {
    const Diagnostic* d = find(rule, path);
    return d != nullptr ? d->message : "(none)";
  }

  std::size_t errors() const {
    std::size_t n = 0;
    for (const auto& d : diags) {
      n += d.severity == Severity::error ? 1U : 0U;
    }
    return n;
  }
};

Checked validate(const std::string& yaml, kray::core::ValidateOptions options = {}) {
  Checked out;
  out.source = std::make_shared<kray::core::SourceFile>();
  out.source->name = "test.yaml";
  out.source->text = yaml;
  auto docs = kray::core::parse_documents(out.source);
  REQUIRE(docs);
  for (const auto& doc : *docs) {
    kray::core::validate_object(doc, "", options, out.diags);
  }
  kray::core::sort_diagnostics(out.diags);
  return out;
}

const std::string k_samples = "tests/data/kuberay-v1.6.2/samples/";

std::string sample(const std::string& name) {
  return kray::test::read_source_file(k_samples + name);
}

// `s` with the first `from` replaced by `to` (which must occur).
std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// A minimal valid RayCluster, for rule tests to extend.
const std::string k_cluster = R"(apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
  annotations: {krayctl.io/disable-lints: no-gcs-ft}
spec:
  rayVersion: "2.55.1"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.55.1
)";

}  // namespace

TEST_CASE("validate: every KubeRay sample, zero errors", "[validate]") {
  std::size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(kray::test::source_dir() + "/" + k_samples)) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    const Checked c = validate(sample(name));
    CHECK(c.lines(kray::core::k_rule_schema).empty());
    CHECK(c.errors() == 0);
    ++files;
  }
  CHECK(files == 58);
}

TEST_CASE("validate: a valid minimal cluster has no problems", "[validate]") {
  const Checked c = validate(k_cluster);
  CHECK(c.lines().empty());
}

// One mutation of a real sample: replace `from` (which must occur) with
// `to`; then `rule` must be reported at `path`, on a line that contains
// `marker`, with `message` in its text.
struct Mutation {
  const char* name;
  const char* file;
  const char* from;
  const char* to;
  const char* rule;
  const char* path;
  const char* marker;
  const char* message;
};

const Mutation k_mutations[] = {
    {"wrong type", "ray-cluster.autoscaler.yaml", "idleTimeoutSeconds: 60",
     "idleTimeoutSeconds: sixty", "schema", "spec.autoscalerOptions.idleTimeoutSeconds", "sixty",
     "expected an integer, got string 'sixty'"},
    {"unknown field", "ray-cluster.autoscaler.yaml", "  enableInTreeAutoscaling: true",
     "  enableInTreeAutoscaler: true", "schema", "spec.enableInTreeAutoscaler",
     "enableInTreeAutoscaler", "did you mean 'enableInTreeAutoscaling'?"},
    {"unknown field deep in the pod template", "ray-cluster.autoscaler.yaml",
     "          - mountPath: /home/ray/samples", "          - mountPth: /home/ray/samples",
     "schema", "spec.headGroupSpec.template.spec.containers[0].volumeMounts[0].mountPth",
     "mountPth", "did you mean 'mountPath'?"},
    {"min > max", "ray-cluster.autoscaler.yaml", "  - replicas: 0\n    minReplicas: 0",
     "  - replicas: 0\n    minReplicas: 12", "kuberay", "spec.workerGroupSpecs[0].minReplicas",
     "minReplicas: 12", "minReplicas 12 greater than maxReplicas 10"},
    {"negative replicas", "ray-cluster.autoscaler.yaml", "  - replicas: 0\n    minReplicas: 0",
     "  - replicas: 0\n    minReplicas: -1", "kuberay", "spec.workerGroupSpecs[0].minReplicas",
     "minReplicas: -1", "negative minReplicas -1"},
    {"invalid name", "ray-cluster.autoscaler.yaml", "  name: raycluster-autoscaler",
     "  name: 9-autoscaler", "kuberay", "metadata.name", "9-autoscaler", "DNS-1035"},
    {"name not a DNS subdomain", "ray-cluster.autoscaler.yaml", "  name: raycluster-autoscaler",
     "  name: Raycluster_Autoscaler", "metadata", "metadata.name", "Raycluster_Autoscaler",
     "DNS-1123 subdomain"},
    {"over-long name", "ray-cluster.autoscaler.yaml", "  name: raycluster-autoscaler",
     "  name: raycluster-autoscaler-with-a-name-that-is-far-too-long", "kuberay", "metadata.name",
     "far-too-long", "no more than 53 characters"},
    {"missing head", "ray-cluster.autoscaler.yaml", "  headGroupSpec:", "  headGroupSpecs:",
     "schema", "spec", "spec:", "missing required key 'headGroupSpec'"},
    {"head without containers", "ray-cluster.autoscaler.yaml",
     "        containers:\n        # The Ray head container\n        - name: ray-head",
     "        containers: []\n        initContainers:\n        - name: ray-head", "kuberay",
     "spec.headGroupSpec.template.spec.containers", "containers: []",
     "headGroupSpec should have at least one container"},
    {"bad quantity", "ray-cluster.autoscaler.yaml", "              memory: \"5Gi\"",
     "              memory: \"5GG\"", "schema",
     "spec.headGroupSpec.template.spec.containers[0].resources.limits.memory", "5GG",
     "is not a Kubernetes quantity"},
    {"enum", "ray-cluster.autoscaler.yaml", "upscalingMode: Default", "upscalingMode: Defualt",
     "schema", "spec.autoscalerOptions.upscalingMode", "Defualt", "did you mean 'Default'?"},
    {"list-map key repeated", "ray-cluster.autoscaler.yaml", "          - containerPort: 10001",
     "          - containerPort: 8265", "schema",
     "spec.headGroupSpec.template.spec.containers[0].ports[2]", "containerPort: 8265",
     "duplicate entry with containerPort=8265, protocol=TCP"},
    {"CEL managedBy", "ray-cluster.autoscaler.yaml", "  enableInTreeAutoscaling: true",
     "  enableInTreeAutoscaling: true\n  managedBy: someone/else", "cel", "spec.managedBy",
     "someone/else", "managedBy field value must be either"},
    {"CEL deletionStrategy", "ray-job.sample.yaml",
     "  entrypoint: python /home/ray/samples/sample_code.py",
     "  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n"
     "  entrypoint: python /home/ray/samples/sample_code.py",
     "cel", "spec.deletionStrategy", "deletionStrategy:", "requires either BOTH onSuccess"},
    {"RayJob: backoffLimit with InteractiveMode", "ray-job.sample.yaml",
     "  entrypoint: python /home/ray/samples/sample_code.py",
     "  submissionMode: InteractiveMode\n  backoffLimit: 2\n"
     "  entrypoint: python /home/ray/samples/sample_code.py",
     "kuberay", "spec.backoffLimit", "backoffLimit: 2", "incompatible with InteractiveMode"},
    {"RayJob: TTL without shutdown", "ray-job.sample.yaml",
     "  entrypoint: python /home/ray/samples/sample_code.py",
     "  ttlSecondsAfterFinished: 60\n  entrypoint: python /home/ray/samples/sample_code.py",
     "kuberay", "spec.ttlSecondsAfterFinished", "ttlSecondsAfterFinished: 60",
     "cannot have ttlSecondsAfterFinished"},
    {"RayJob: runtimeEnvYAML not a mapping", "ray-job.sample.yaml", "  runtimeEnvYAML: |\n",
     "  runtimeEnvYAML: |\n    - just a list\n  unused: |\n", "kuberay", "spec.runtimeEnvYAML",
     "runtimeEnvYAML", "must be a YAML mapping"},
    {"RayService: unknown upgrade strategy", "ray-service.sample.yaml", "spec:\n",
     "spec:\n  upgradeStrategy: {type: NewClusterr}\n", "kuberay", "spec.upgradeStrategy.type",
     "NewClusterr", "did you mean 'NewCluster'?"},
    {"RayService: negative deletion delay", "ray-service.sample.yaml", "spec:\n",
     "spec:\n  rayClusterDeletionDelaySeconds: -5\n", "schema",
     "spec.rayClusterDeletionDelaySeconds", "-5", "must be >= 0"},
    {"RayService: name too long", "ray-service.sample.yaml", "  name: rayservice-sample",
     "  name: rayservice-sample-that-is-forty-eight-characters-long", "kuberay", "metadata.name",
     "forty-eight", "no more than 47 characters"},
};

TEST_CASE("validate: mutations of real samples are reported where they are", "[validate]") {
  for (const auto& m : k_mutations) {
    DYNAMIC_SECTION(m.name) {
      std::string text = sample(m.file);
      const auto at = text.find(m.from);
      REQUIRE(at != std::string::npos);
      text.replace(at, std::string(m.from).size(), m.to);
      const Checked c = validate(text);
      INFO(Catch::Detail::stringify(c.lines()));
      const Diagnostic* d = c.find(m.rule, m.path);
      REQUIRE(d != nullptr);
      CHECK(d->message.find(m.message) != std::string::npos);
      CHECK(d->severity == Severity::error);
      CHECK(d->where.file == "test.yaml");
      CHECK(d->where.column > 0);
      CHECK(std::string(c.source->line_text(d->where.line)).find(m.marker) != std::string::npos);
      // The unmutated sample has no such problem: the mutation caused it.
      CHECK(validate(sample(m.file)).find(m.rule, m.path) == nullptr);
    }
  }
}

TEST_CASE("validate: API server semantics", "[validate]") {
  SECTION("defaults apply before required: maxReplicas may be left out") {
    const Checked c = validate(k_cluster +
                               "  workerGroupSpecs:\n"
                               "    - groupName: w\n"
                               "      template: {spec: {containers: [{name: w, image: "
                               "'rayproject/ray:2.55.1'}]}}\n");
    CHECK(c.lines() == std::vector<std::string>{});
  }
  SECTION("null values are dropped, then required fields are missing") {
    const Checked c = validate(k_cluster +
                               "  workerGroupSpecs:\n"
                               "    - groupName: null\n"
                               "      template: {spec: {containers: [{name: w, image: "
                               "'rayproject/ray:2.55.1'}]}}\n");
    CHECK(c.message("schema", "spec.workerGroupSpecs[0]") == "missing required key 'groupName'");
  }
  SECTION("int-or-string takes both, and nothing else") {
    const Checked good = validate(k_cluster +
                                  "          - name: side\n"
                                  "            image: busybox:1.36\n"
                                  "            resources: {limits: {cpu: 2, memory: 1Gi}}\n");
    CHECK(good.errors() == 0);
    const Checked bad = validate(k_cluster +
                                 "          - name: side\n"
                                 "            image: busybox:1.36\n"
                                 "            resources: {limits: {cpu: true}}\n");
    CHECK(
        bad.find("schema", "spec.headGroupSpec.template.spec.containers[1].resources.limits.cpu") !=
        nullptr);
  }
  SECTION("duplicate container names (x-kubernetes-list-type: map)") {
    const Checked c = validate(k_cluster +
                               "          - name: ray-head\n"
                               "            image: busybox:1.36\n");
    CHECK(c.message("schema", "spec.headGroupSpec.template.spec.containers[1]") ==
          "duplicate entry with name=ray-head (also item 0)");
  }
  SECTION("an int32 field beyond int32") {
    const Checked c = validate(k_cluster +
                               "  workerGroupSpecs:\n"
                               "    - groupName: w\n"
                               "      maxReplicas: 3000000000\n"
                               "      template: {spec: {containers: [{name: w, image: "
                               "'rayproject/ray:2.55.1'}]}}\n");
    CHECK(c.message("schema", "spec.workerGroupSpecs[0].maxReplicas").find("int32") !=
          std::string::npos);
  }
  SECTION("format: date-time (RFC 3339)") {
    auto with_time = [](const std::string& t) {
      return k_cluster.substr(0, k_cluster.find("    rayStartParams")) +
             "    headService: {status: {conditions: [{type: A, status: 'True', reason: R, "
             "message: m, lastTransitionTime: '" +
             t + "'}]}}\n" + k_cluster.substr(k_cluster.find("    rayStartParams"));
    };
    for (const char* ok : {"2026-11-26T08:00:00Z", "2026-11-26T08:00:00.123+01:00"}) {
      INFO(ok);
      CHECK(validate(with_time(ok)).lines("schema").empty());
    }
    for (const char* bad : {"2026-11-26 08:00:00", "yesterday", "2026-11-26T08:00:00"}) {
      INFO(bad);
      CHECK(validate(with_time(bad)).lines("schema").size() == 1);
    }
  }
  SECTION("ObjectMeta: unknown fields, label values, namespace") {
    const Checked c = validate(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: demo\n  namespce: x\n"
        "  namespace: Team_A\n  labels: {app: 'has space'}\nspec: {headGroupSpec: {template: "
        "{spec: {containers: [{name: h, image: 'rayproject/ray:2.55.1'}]}}}}\n");
    CHECK(c.find("metadata", "metadata.namespce") != nullptr);
    CHECK(c.find("metadata", "metadata.namespace") != nullptr);
    CHECK(c.find("metadata", "metadata.labels.app") != nullptr);
  }
  SECTION("status is not validated (the API server ignores it on writes)") {
    const Checked c = validate(k_cluster + "status: {anything: [1, 2]}\n");
    CHECK(c.lines() == std::vector<std::string>{});
  }
}

TEST_CASE("validate: operator rules", "[validate]") {
  auto with_groups = [](const std::string& groups) {
    return k_cluster + "  workerGroupSpecs:\n" + groups;
  };
  const std::string group =
      "      template: {spec: {containers: [{name: w, image: 'rayproject/ray:2.55.1'}]}}\n";
  SECTION("worker group names must be unique (webhook)") {
    const Checked c =
        validate(with_groups("    - groupName: w\n" + group + "    - groupName: w\n" + group));
    REQUIRE(c.find("kuberay", "spec.workerGroupSpecs[1].groupName") != nullptr);
  }
  SECTION("resources in rayStartParams and resources both") {
    const Checked c =
        validate(with_groups("    - groupName: w\n      rayStartParams: {num-cpus: '2'}\n"
                             "      resources: {CPU: '2'}\n" +
                             group));
    CHECK(c.find("kuberay", "spec.workerGroupSpecs[0].resources") != nullptr);
  }
  SECTION("idleTimeoutSeconds needs autoscaler v2") {
    const Checked c =
        validate(with_groups("    - groupName: w\n      idleTimeoutSeconds: 30\n" + group));
    CHECK(c.find("kuberay", "spec.workerGroupSpecs[0].idleTimeoutSeconds") != nullptr);
  }
  SECTION("autoscaler v2 refuses restartPolicy Always") {
    std::string y = k_cluster;
    y.replace(y.find("  headGroupSpec:"), 0,
              "  enableInTreeAutoscaling: true\n  autoscalerOptions: {version: v2}\n");
    y.replace(y.find("        containers:"), 0, "        restartPolicy: Always\n");
    const Checked c = validate(y);
    CHECK(c.find("kuberay", "spec.headGroupSpec.template.spec.restartPolicy") != nullptr);
  }
  SECTION("token auth needs Ray 2.52") {
    std::string y = k_cluster;
    y.replace(y.find("\"2.55.1\""), 8, "\"2.46.0\"");
    y += "  authOptions: {mode: token}\n";
    const Checked c = validate(y);
    CHECK(c.find("kuberay", "spec.rayVersion") != nullptr);
  }
  SECTION("GCS FT with RAY_REDIS_ADDRESS in the head env") {
    std::string y = k_cluster;
    y += "            env: [{name: RAY_REDIS_ADDRESS, value: 'redis:6379'}]\n";
    y += "  gcsFaultToleranceOptions: {redisAddress: 'redis:6379'}\n";
    const Checked c = validate(y);
    CHECK(c.find("kuberay", "spec.headGroupSpec.template.spec.containers[0].env[0]") != nullptr);
  }
  SECTION("a RayJob needs a cluster spec or a selector") {
    const Checked c = validate(
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec: {entrypoint: x}\n");
    CHECK(c.find("kuberay", "spec") != nullptr);
  }
  SECTION("deletion rules: duplicates and decreasing TTLs") {
    const Checked c = validate(
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec:\n"
        "  clusterSelector: {ray.io/cluster: c}\n  deletionStrategy:\n    deletionRules:\n"
        "      - {policy: DeleteSelf, condition: {jobStatus: FAILED, ttlSeconds: 10}}\n"
        "      - {policy: DeleteSelf, condition: {jobStatus: FAILED, ttlSeconds: 20}}\n"
        "      - {policy: DeleteCluster, condition: {jobStatus: SUCCEEDED, ttlSeconds: 30}}\n"
        "      - {policy: DeleteSelf, condition: {jobStatus: SUCCEEDED, ttlSeconds: 5}}\n"
        "      - {policy: DeleteWorkers, condition: {jobStatus: SUCCEEDED, ttlSeconds: 40}}\n");
    INFO(Catch::Detail::stringify(c.lines()));
    CHECK(c.find("kuberay", "spec.deletionStrategy.deletionRules[1]") != nullptr);
    CHECK(c.find("kuberay", "spec.deletionStrategy.deletionRules[2].policy") != nullptr);
    CHECK(c.find("kuberay", "spec.deletionStrategy.deletionRules[3].condition.ttlSeconds") !=
          nullptr);
    // Neighbours only, as the operator compares: DeleteCluster < DeleteWorkers
    // and DeleteSelf < DeleteCluster, not DeleteSelf < DeleteWorkers as well.
    CHECK(c.lines("kuberay").size() == 5);
  }
  SECTION("RayService: headService name; RayJob and RayService: no K8s token auth") {
    std::string y = sample("ray-service.sample.yaml");
    y.replace(y.find("    headGroupSpec:\n"), 18,
              "    authOptions: {mode: token, enableK8sTokenAuth: true}\n    headGroupSpec:\n"
              "      headService: {metadata: {name: custom}}\n");
    const Checked c = validate(y);
    INFO(Catch::Detail::stringify(c.lines()));
    CHECK(c.find("kuberay", "spec.rayClusterConfig.headGroupSpec.headService.metadata.name") !=
          nullptr);
    CHECK(c.find("kuberay", "spec.rayClusterConfig.authOptions.enableK8sTokenAuth") != nullptr);
    std::string j = sample("ray-job.sample.yaml");
    j.replace(j.find("    headGroupSpec:\n"), 18,
              "    authOptions: {mode: token, enableK8sTokenAuth: true}\n    headGroupSpec:\n");
    CHECK(validate(j).find("kuberay", "spec.rayClusterSpec.authOptions.enableK8sTokenAuth") !=
          nullptr);
  }
  SECTION("RayService initializing-timeout annotation") {
    std::string y = sample("ray-service.sample.yaml");
    y.replace(y.find("  name: rayservice-sample"), 25,
              "  name: rayservice-sample\n  annotations: {ray.io/initializing-timeout: soon}");
    const Checked c = validate(y);
    CHECK(c.find("kuberay", "metadata.annotations[\"ray.io/initializing-timeout\"]") != nullptr);
  }
  SECTION("RayCronJob schedule") {
    std::string y = sample("ray-cronjob.sample.yaml");
    const auto at = y.find("schedule:");
    REQUIRE(at != std::string::npos);
    y.replace(at, y.find('\n', at) - at, "schedule: \"61 * * * *\"");
    const Checked c = validate(y);
    CHECK(c.message("kuberay", "spec.schedule").find("minute") != std::string::npos);
    // robfig/cron: day of week 0-6; descriptors; @every needs a unit.
    const std::string line = y.substr(at, y.find('\n', at) - at);
    auto with = [&](const std::string& schedule) {
      std::string z = y;
      z.replace(at, line.size(), "schedule: \"" + schedule + "\"");
      return validate(z).find("kuberay", "spec.schedule") == nullptr;
    };
    CHECK(with("*/5 0-23 1,15 JAN-DEC MON-FRI"));
    CHECK(with("@daily"));
    CHECK(with("@every 1h30m"));
    CHECK_FALSE(with("0 0 * * 7"));
    CHECK_FALSE(with("@every 600"));
    CHECK_FALSE(with("* * * *"));
  }
  SECTION("an object without spec, a template without containers") {
    CHECK(validate("apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\n")
              .find("kuberay", "(document)") != nullptr);
    std::string y = k_cluster;
    y = y.substr(0, y.find("      spec:\n")) + "      metadata: {labels: {a: b}}\n";
    const Checked c = validate(y);
    CHECK(c.find("kuberay", "spec.headGroupSpec.template.spec.containers") != nullptr);
  }
  SECTION("initializing-timeout takes any positive Go duration or seconds") {
    for (const char* ok : {"300ms", "1.5h", "600", "+5", "1h30m"}) {
      std::string y = sample("ray-service.sample.yaml");
      y.replace(y.find("  name: rayservice-sample"), 25,
                std::string("  name: rayservice-sample\n  annotations: "
                            "{ray.io/initializing-timeout: '") +
                    ok + "'}");
      INFO(ok);
      CHECK(validate(y).lines("kuberay").empty());
    }
  }
  SECTION("feature gates: incremental upgrade rules only with the gate on") {
    std::string y = sample("ray-service.sample.yaml");
    y.replace(y.find("spec:\n"), 6,
              "spec:\n  upgradeStrategy: {type: NewClusterWithIncrementalUpgrade}\n");
    CHECK(validate(y).find("kuberay", "spec.upgradeStrategy") == nullptr);
    kray::core::ValidateOptions on;
    on.gates.ray_service_incremental_upgrade = true;
    CHECK(validate(y, on).find("kuberay", "spec.upgradeStrategy") != nullptr);
  }
}

// Cases found by comparing with the KubeRay v1.6.2 source: krayctl must not
// refuse what the operator and the API server accept.
TEST_CASE("validate: no false errors where KubeRay is lenient", "[validate]") {
  SECTION("RAY_enable_autoscaler_v2 is compared exactly: 'True' does not enable v2") {
    std::string y =
        k_cluster + "            env: [{name: RAY_enable_autoscaler_v2, value: 'True'}]\n";
    CHECK(validate(y).lines("kuberay").empty());
  }
  SECTION("ray.io/ft-enabled is case-insensitive") {
    std::string y =
        replaced(k_cluster, "{krayctl.io/disable-lints: no-gcs-ft}", "{ray.io/ft-enabled: 'True'}");
    y += "            env: [{name: RAY_REDIS_ADDRESS, value: 'redis:6379'}]\n";
    CHECK(validate(y).lines("kuberay").empty());
  }
  SECTION("an empty clusterSelector is no selector") {
    std::string y = replaced(sample("ray-job.sample.yaml"), "  rayClusterSpec:\n",
                             "  clusterSelector: {}\n  rayClusterSpec:\n");
    CHECK(validate(y).lines("kuberay").empty());
  }
  SECTION("a RayCronJob template is checked without the RayCronJob's annotations") {
    std::string y = replaced(sample("ray-cronjob.sample.yaml"), "  name: raycronjob-sample",
                             "  name: raycronjob-sample\n  annotations: "
                             "{ray.io/external-storage-namespace: ns}");
    y = replaced(y, "    rayClusterSpec:\n",
                 "    rayClusterSpec:\n      gcsFaultToleranceOptions: {redisAddress: 'r:6379'}\n");
    CHECK(validate(y).lines("kuberay").empty());
  }
  SECTION("an empty headService name, annotation keys in capitals, ' 2.55.1'") {
    std::string y = sample("ray-service.sample.yaml");
    y = replaced(y, "    headGroupSpec:\n",
                 "    headGroupSpec:\n      headService: {metadata: {name: ''}}\n");
    y = replaced(y, "  name: rayservice-sample",
                 "  name: rayservice-sample\n  annotations: {Example.COM/owner: me}");
    CHECK(validate(y).errors() == 0);
    std::string t =
        replaced(k_cluster, "\"2.55.1\"", "\" 2.55.1\"") + "  authOptions: {mode: token}\n";
    CHECK(validate(t).lines("kuberay").empty());
  }
  SECTION("initializing-timeout: any int64 of seconds") {
    std::string y = replaced(sample("ray-service.sample.yaml"), "  name: rayservice-sample",
                             "  name: rayservice-sample\n  annotations: "
                             "{ray.io/initializing-timeout: '123456789012'}");
    CHECK(validate(y).lines("kuberay").empty());
  }
  SECTION("cron: fields split on any whitespace, Atoi numbers") {
    std::string y = sample("ray-cronjob.sample.yaml");
    const auto at = y.find("schedule:");
    REQUIRE(at != std::string::npos);
    y.replace(at, y.find('\n', at) - at, "schedule: \"+5\\t005 * * *\"");
    CHECK(validate(y).lines("kuberay").empty());
  }
  SECTION("status is discarded by the API server: status rules are off by default") {
    const std::string y = k_cluster +
                          "status:\n  conditions:\n    - {type: RayClusterSuspending, status: "
                          "'True'}\n    - {type: RayClusterSuspended, status: 'True'}\n";
    CHECK(validate(y).lines("kuberay").empty());
    kray::core::ValidateOptions read_back;
    read_back.check_status = true;
    CHECK(validate(y, read_back).find("kuberay", "status.conditions") != nullptr);
  }
  SECTION("null and empty metadata fields are unset, as Go decodes them") {
    const std::string y =
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: demo\n  namespace: ''\n"
        "  labels:\n  annotations: {a: null, krayctl.io/disable-lints: no-gcs-ft}\n"
        "spec: {headGroupSpec: {template: {spec: {containers: [{name: h, image: "
        "'rayproject/ray:2.55.1'}]}}}}\n";
    CHECK(validate(y).lines() == std::vector<std::string>{});
  }
  SECTION("cron: empty list parts are dropped, as strings.FieldsFunc does") {
    std::string y = sample("ray-cronjob.sample.yaml");
    const auto at = y.find("schedule:");
    REQUIRE(at != std::string::npos);
    y.replace(at, y.find('\n', at) - at, "schedule: \"0,,30 * * * *\"");
    CHECK(validate(y).lines("kuberay").empty());
  }
  SECTION("a huge duration is an invalid one, not a crash") {
    std::string y = replaced(sample("ray-service.sample.yaml"), "  name: rayservice-sample",
                             "  name: rayservice-sample\n  annotations: "
                             "{ray.io/initializing-timeout: '1" +
                                 std::string(400, '0') + "s'}");
    CHECK(validate(y).lines("kuberay").size() == 1);
  }
  SECTION("a dashboard port on the head Service counts") {
    std::string ports = replaced(k_cluster, "            image: rayproject/ray:2.55.1\n",
                                 "            image: rayproject/ray:2.55.1\n"
                                 "            ports: [{containerPort: 6379, name: gcs}]\n");
    CHECK(validate(ports).lines("head-no-dashboard-port").size() == 1);
    ports = replaced(ports, "    rayStartParams: {}\n",
                     "    rayStartParams: {}\n    headService: {spec: {ports: [{name: dashboard, "
                     "port: 8265}]}}\n");
    CHECK(validate(ports).lines("head-no-dashboard-port").empty());
  }
}

TEST_CASE("validate: every CEL rule of the shipped CRDs is known", "[validate]") {
  using kray::core::RayKind;
  std::size_t rules = 0;
  std::function<void(const kray::core::SchemaJson&)> walk =
      [&](const kray::core::SchemaJson& node) {
        if (node.is_object()) {
          if (auto it = node.find("x-kubernetes-validations"); it != node.end()) {
            for (const auto& r : *it) {
              INFO(r.dump());
              CHECK(kray::core::is_known_cel_rule(r.at("rule").get<std::string>()));
              ++rules;
            }
          }
        }
        if (node.is_structured()) {
          for (const auto& child : node) {
            walk(child);
          }
        }
      };
  for (auto kind :
       {RayKind::ray_cluster, RayKind::ray_job, RayKind::ray_service, RayKind::ray_cron_job}) {
    walk(kray::core::crd_schema(kind));
  }
  CHECK(rules > 10);
  CHECK_FALSE(kray::core::is_known_cel_rule("self.size() > 1"));
}

// Per lint: a manifest that must trigger it, and manifests that must not
// (issue 12, items 16, 25, 26: a lint fires where an expert reviewer would
// agree, and is silent on the patterns real projects use). The catalog
// cannot grow without a test, nor without a page in docs/lints/.
struct LintCase {
  const char* id;
  std::string yaml;
  std::vector<std::string> silent = {};
};

std::string cluster_with(const std::string& head_container_extra,
                         const std::string& spec_extra = "",
                         const std::string& image = "rayproject/ray:2.55.1") {
  return "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: demo\n"
         "  annotations: {krayctl.io/disable-lints: no-gcs-ft}\nspec:\n"
         "  rayVersion: \"2.55.1\"\n" +
         spec_extra +
         "  headGroupSpec:\n    template:\n      spec:\n        containers:\n"
         "          - name: ray-head\n            image: " +
         image + "\n" + head_container_extra;
}

const std::string k_gpu_group =
    "  workerGroupSpecs:\n    - groupName: gpu\n      template:\n        spec:\n"
    "          containers:\n            - name: w\n              image: rayproject/ray:2.55.1\n"
    "              resources: {limits: {nvidia.com/gpu: 8}}\n";

// A worker group running `image`, for the image lints.
std::string worker_image(const std::string& image) {
  return "  workerGroupSpecs:\n    - groupName: w\n      template: {spec: {containers: [{name: "
         "w, image: '" +
         image + "'}]}}\n";
}

// A GPU worker group whose Ray container mounts `volume` at /dev/shm
// (memory limit `memory`).
std::string gpu_shm(const std::string& volume, const std::string& memory = "64Gi") {
  return "  workerGroupSpecs:\n    - groupName: gpu\n      template:\n        spec:\n"
         "          containers:\n            - name: w\n              image: "
         "rayproject/ray:2.55.1\n"
         "              resources: {limits: {nvidia.com/gpu: 8, memory: " +
         memory +
         "}}\n              volumeMounts: [{name: shm, mountPath: /dev/shm}]\n"
         "          volumes: [{name: shm, " +
         volume + "}]\n";
}

std::string job_with(const std::string& spec_extra) {
  return "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec:\n"
         "  shutdownAfterJobFinishes: true\n" +
         spec_extra +
         "  rayClusterSpec:\n    rayVersion: \"2.55.1\"\n    headGroupSpec:\n      template:\n"
         "        spec:\n          containers: [{name: h, image: 'rayproject/ray:2.55.1'}]\n";
}

std::string autoscaled_group(const std::string& group_extra, const std::string& resources) {
  return cluster_with("", "  enableInTreeAutoscaling: true\n") +
         "  workerGroupSpecs:\n    - groupName: w\n" + group_extra +
         "      template: {spec: {containers: [{name: w, image: 'rayproject/ray:2.55.1'" +
         resources + "}]}}\n";
}

const std::string k_service =
    "apiVersion: ray.io/v1\nkind: RayService\nmetadata: {name: s}\nspec:\n"
    "  rayClusterConfig:\n    rayVersion: \"2.55.1\"\n    headGroupSpec:\n      template:\n"
    "        spec:\n          containers: [{name: h, image: 'rayproject/ray:2.55.1'}]\n";

std::vector<LintCase> lint_cases() {
  const std::string no_ft_silenced = "{krayctl.io/disable-lints: no-gcs-ft}";
  return {
      {"autoscaler-v2-old-ray",
       replaced(cluster_with("",
                             "  enableInTreeAutoscaling: true\n  autoscalerOptions: {version: "
                             "v2}\n"),
                "\"2.55.1\"", "\"2.9.0\"")},
      {"autoscaler-v2-restart-policy",
       cluster_with("            env: [{name: RAY_enable_autoscaler_v2, value: '1'}]\n"
                    "        restartPolicy: Always\n",
                    "  enableInTreeAutoscaling: true\n"),
       {cluster_with("            env: [{name: RAY_enable_autoscaler_v2, value: '1'}]\n"
                     "        restartPolicy: Never\n",
                     "  enableInTreeAutoscaling: true\n")}},
      {"autoscaling-no-limits",
       autoscaled_group("", ""),
       // Ray's autoscaler falls back to requests, and to rayStartParams.
       {autoscaled_group("", ", resources: {requests: {cpu: 4, memory: 16Gi}}"),
        autoscaled_group("      rayStartParams: {num-cpus: '4', memory: '1000000000'}\n", "")}},
      {"deprecated-v1alpha1",
       replaced(replaced(cluster_with(""), "ray.io/v1", "ray.io/v1alpha1"),
                "    template:", "    rayStartParams: {}\n    template:"),
       {cluster_with("")}},
      {"entrypoint-resources", job_with("  entrypointResources: '[1, 2]'\n")},
      {"gpu-without-shm",
       cluster_with("") + gpu_shm("emptyDir: {}"),
       // The v1.6.2 operator adds a memory /dev/shm to a Ray container
       // that mounts none; a memory one of a useful size is fine.
       {cluster_with("") + k_gpu_group,
        cluster_with("") + gpu_shm("emptyDir: {medium: Memory, sizeLimit: 16Gi}")}},
      {"head-no-dashboard-port",
       cluster_with("            ports: [{containerPort: 6379, name: gcs}]\n")},
      {"image-invalid-reference",
       cluster_with("", "", "$VLLM_IMAGE"),
       {cluster_with("", "", "registry.example.com:5000/team/ray-custom:2.55.1")}},
      {"image-mismatch",
       cluster_with("", "", "rayproject/ray:2.55.1-py311") +
           worker_image("rayproject/ray:2.55.1-py310-gpu"),
       // Ray's docs: a CPU head with GPU workers of the same Ray and Python.
       {cluster_with("") + worker_image("rayproject/ray:2.55.1-gpu"),
        cluster_with("", "", "rayproject/ray:2.55.1-py311") +
            worker_image("rayproject/ray:2.55.1-py311-gpu"),
        cluster_with("", "", "rayproject/ray:2.55.1-py310") +
            worker_image("rayproject/ray:2.55.1-py310-cu128"),
        cluster_with("", "", "myorg/app:1.0") + worker_image("myorg/app:1.1-gpu")}},
      {"image-tag-latest",
       cluster_with("", "", "rayproject/ray:latest"),
       {cluster_with("", "", "<the image you built>")}},  // that one is no reference at all
      {"job-metadata-ray-version",
       replaced(job_with("  metadata: {owner: me}\n"), "\"2.55.1\"", "\"2.5.0\"")},
      {"kueue-autoscaling",
       replaced(cluster_with("", "  enableInTreeAutoscaling: true\n"), "  annotations",
                "  labels: {kueue.x-k8s.io/queue-name: q}\n  annotations"),
       {replaced(cluster_with("", "  enableInTreeAutoscaling: true\n"), no_ft_silenced,
                 "{krayctl.io/disable-lints: no-gcs-ft, kueue.x-k8s.io/elastic-job: 'true'}\n"
                 "  labels: {kueue.x-k8s.io/queue-name: q}")}},
      {"nccl-ib-without-rdma",
       cluster_with("            env: [{name: NCCL_IB_HCA, value: mlx5}]\n"
                    "            resources: {limits: {nvidia.com/gpu: 1}}\n"),
       // A CPU-only head sharing the workers' env runs no NCCL.
       {cluster_with("            env: [{name: NCCL_IB_HCA, value: mlx5}]\n")}},
      {"no-gcs-ft",
       k_service,
       // Ray recommends GCS FT for Serve only: not for a RayCluster, GPU or
       // not; a RayJob's cluster is short-lived.
       {replaced(cluster_with("") + k_gpu_group, "no-gcs-ft", "plasma-directory"),
        replaced(cluster_with(""), "no-gcs-ft", "plasma-directory"),
        replaced(job_with(""), "rayVersion", "workerGroupSpecs: []\n    rayVersion"),
        replaced(k_service, "    headGroupSpec",
                 "    gcsFaultToleranceOptions: {redisAddress: 'redis:6379'}\n    headGroupSpec")}},
      {"num-gpus-mismatch",
       cluster_with("") + k_gpu_group + "      rayStartParams: {num-gpus: '4'}\n"},
      {"plasma-directory", replaced(cluster_with(""), "    template:",
                                    "    rayStartParams: {plasma-directory: /tmp}\n    template:")},
      {"quoted-entrypoint", job_with("  entrypoint: '\"python train.py\"'\n")},
      {"ray-version-mismatch",
       cluster_with("", "", "rayproject/ray:2.46.0-py311"),
       // An application's own tag says nothing about Ray.
       {cluster_with("", "", "dogbooth:0.0.1-gpu"), cluster_with("", "", "myorg/serve:2.1.0"),
        cluster_with("", "", "registry.example.com/ml/ray-preproc:1.3.0")}},
      {"raycronjob-name", replaced(sample("ray-cronjob.sample.yaml"), "  name: raycronjob-sample",
                                   "  name: raycronjob-sample-with-a-name-that-is-too-long")},
      {"rayjob-no-shutdown",
       replaced(job_with(""), "  shutdownAfterJobFinishes: true\n", ""),
       // Written false: kept on purpose.
       {replaced(job_with(""), "shutdownAfterJobFinishes: true", "shutdownAfterJobFinishes: false"),
        // With a TTL it is the operator's error (reported as kuberay), not this.
        replaced(job_with(""), "  shutdownAfterJobFinishes: true\n",
                 "  ttlSecondsAfterFinished: 60\n")}},
      {"rdma-without-ipc-lock",
       cluster_with("            env: [{name: NCCL_IB_HCA, value: mlx5}]\n"
                    "            resources: {limits: {rdma/rdma_shared_device_a: 1}}\n")},
      {"rdma-without-nccl-env",
       cluster_with("            resources: {limits: {rdma/rdma_shared_device_a: 1}}\n"
                    "            securityContext: {capabilities: {add: [IPC_LOCK]}}\n")},
      {"replicas-not-min",
       autoscaled_group("      replicas: 1\n      minReplicas: 2\n      maxReplicas: 4\n",
                        ", resources: {limits: {cpu: 1, memory: 1Gi}}"),
       // Above the minimum and within the maximum: a warm start, on purpose.
       {autoscaled_group("      replicas: 3\n      minReplicas: 1\n      maxReplicas: 4\n",
                         ", resources: {limits: {cpu: 1, memory: 1Gi}}")}},
      {"resource-requests-limits",
       cluster_with("            resources: {requests: {nvidia.com/gpu: 1}}\n"
                    "            volumeMounts: [{name: shm, mountPath: /dev/shm}]\n"
                    "        volumes: [{name: shm, emptyDir: {medium: Memory}}]\n")},
      {"serve-port-missing",
       "apiVersion: ray.io/v1\nkind: RayService\nmetadata: {name: s}\nspec:\n"
       "  rayClusterConfig:\n    rayVersion: \"2.55.1\"\n    gcsFaultToleranceOptions: "
       "{redisAddress: 'r:6379'}\n    headGroupSpec:\n      template:\n        spec:\n"
       "          containers: [{name: h, image: 'rayproject/ray:2.55.1', ports: "
       "[{containerPort: 8265, name: dashboard}]}]\n"},
      {"shm-over-memory",
       cluster_with("") + gpu_shm("emptyDir: {medium: Memory, sizeLimit: 64Gi}", "32Gi"),
       {cluster_with("") + gpu_shm("emptyDir: {medium: Memory, sizeLimit: 16Gi}", "32Gi")}},
      {"submitter-restart-policy",
       job_with("  submitterPodTemplate: {spec: {restartPolicy: Always, containers: [{name: s, "
                "image: 'rayproject/ray:2.55.1'}]}}\n")},
  };
}

TEST_CASE("validate: every lint fires on its example, and only it can be silenced", "[validate]") {
  const auto cases = lint_cases();
  for (const auto& lint : kray::core::lint_catalog()) {
    const std::string id(lint.id);
    DYNAMIC_SECTION(id) {
      const auto it =
          std::find_if(cases.begin(), cases.end(), [&](const LintCase& c) { return c.id == id; });
      REQUIRE(it != cases.end());
      const Checked c = validate(it->yaml);
      INFO(it->yaml);
      INFO(Catch::Detail::stringify(c.lines()));
      CHECK(c.lines(id).size() >= 1);
      CHECK(c.lines(kray::core::k_rule_schema).empty());  // the example itself is valid
      for (const auto& d : c.diags) {
        if (d.rule == id) {
          CHECK(d.severity == lint.severity);
          CHECK(d.where.line > 0);
        }
      }
      kray::core::ValidateOptions off;
      off.disabled_lints.insert(id);
      CHECK(validate(it->yaml, off).lines(id).empty());
      for (const auto& quiet : it->silent) {
        INFO("must stay silent on:\n" << quiet);
        const Checked q = validate(quiet);
        INFO(Catch::Detail::stringify(q.lines()));
        CHECK(q.lines(id).empty());
        CHECK(q.lines(kray::core::k_rule_schema).empty());
      }
      // Its documentation page exists.
      CHECK(std::filesystem::exists(kray::test::source_dir() + "/docs/lints/" + id + ".md"));
    }
  }
  CHECK(cases.size() == kray::core::lint_catalog().size());  // one case per lint, no more
}

TEST_CASE("validate: the silencing annotation", "[validate]") {
  std::string y = cluster_with("", "", "rayproject/ray:latest");
  CHECK(validate(y).lines("image-tag-latest").size() == 1);
  y.replace(y.find("no-gcs-ft"), 9, "'no-gcs-ft, image-tag-latest'");
  CHECK(validate(y).lines("image-tag-latest").empty());
  y.replace(y.find("image-tag-latest"), 16, "image-tag-lastest");
  const Checked c = validate(y);
  REQUIRE(c.lines("krayctl").size() == 1);
  CHECK(c.lines("krayctl")[0].find("did you mean 'image-tag-latest'?") != std::string::npos);
}

// Issue 12, item 24: the v1.6.2 CRDs still serve ray.io/v1alpha1 for
// RayCluster, RayJob and RayService: such objects are validated against
// their own version's schema and the operator's rules, not skipped.
TEST_CASE("validate: ray.io/v1alpha1 objects are checked against their own schema", "[validate]") {
  const std::string service =
      "apiVersion: ray.io/v1alpha1\nkind: RayService\nmetadata: {name: s}\nspec:\n"
      "  serveConfig: {importPath: fruit.deployment_graph}\n"
      "  rayClusterConfig:\n    headGroupSpec:\n      rayStartParams: {}\n      template:\n"
      "        spec:\n          containers: [{name: h, image: 'rayproject/ray:2.9.0'}]\n";
  Checked c = validate(service);
  INFO(Catch::Detail::stringify(c.lines()));
  REQUIRE(c.lines(kray::core::k_rule_schema).size() == 1);
  CHECK(c.lines(kray::core::k_rule_schema)[0].find("unknown field 'serveConfig'; did you mean "
                                                   "'serveConfigV2'?") != std::string::npos);
  CHECK(c.lines("deprecated-v1alpha1").size() == 1);
  const std::string cluster =
      "apiVersion: ray.io/v1alpha1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n"
      "  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n        containers:\n"
      "          - name: h\n            image: 'rayproject/ray:2.9.0'\n"
      "            resources: {requests: {nvidia.com/gpu: 2}, limits: {nvidia.com/gpu: 3}}\n";
  c = validate(cluster);
  INFO(Catch::Detail::stringify(c.lines()));
  CHECK(c.lines("resource-requests-limits").size() == 1);
  CHECK(c.lines(kray::core::k_rule_schema).empty());
  // RayCronJob has no v1alpha1: not KubeRay's, as kubectl would say.
  CHECK_FALSE(kray::core::ray_kind_of(
      nlohmann::json{{"apiVersion", "ray.io/v1alpha1"}, {"kind", "RayCronJob"}}));
}
