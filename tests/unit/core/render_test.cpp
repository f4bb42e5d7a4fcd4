// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/spec/render.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/merge.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"

using kray::core::Json;

namespace {

std::vector<kray::core::Document> docs_of(const std::string& name, const std::string& text) {
  auto docs = kray::core::parse_documents(
      std::make_shared<kray::core::SourceFile>(kray::core::SourceFile{name, text}));
  REQUIRE(docs);
  return std::move(*docs);
}

Json render_text(const std::string& yaml, const kray::core::Templates* templates = nullptr) {
  auto docs = docs_of("s.yaml", yaml);
  REQUIRE(docs.size() == 1);
  auto parsed = kray::core::parse_spec(docs.front());
  INFO((parsed.diagnostics.empty() ? std::string() : parsed.diagnostics.front().message));
  REQUIRE(parsed.spec);
  auto builtin = kray::core::builtin_templates();
  REQUIRE(builtin);
  return kray::core::render(*parsed.spec, templates != nullptr ? *templates : *builtin);
}

// Returns "" when every key and value of `want` is in `got` (lists of
// named items matched by name, other lists by index), else the first
// difference as a path.
std::string missing(const Json& want, const Json& got, const std::string& path = "") {
  if (want.is_object()) {
    if (!got.is_object()) {
      return path + " is not a mapping";
    }
    for (auto it = want.begin(); it != want.end(); ++it) {
      if (!got.contains(it.key())) {
        return path + "." + it.key() + " is missing";
      }
      if (auto m = missing(it.value(), got[it.key()], path + "." + it.key()); !m.empty()) {
        return m;
      }
    }
    return "";
  }
  if (want.is_array()) {
    if (!got.is_array()) {
      return path + " is not a list";
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
      const Json* match = nullptr;
      for (const char* key : {"name", "groupName"}) {
        if (match == nullptr && want[i].is_object() && want[i].contains(key)) {
          for (const auto& g : got) {
            if (g.is_object() && g.value(key, Json()) == want[i][key]) {
              match = &g;
            }
          }
        }
      }
      if (match == nullptr && i < got.size() && !want[i].is_object()) {
        match = &got[i];
      }
      if (match == nullptr) {
        return path + "[" + std::to_string(i) + "] has no match";
      }
      if (auto m = missing(want[i], *match, path + "[" + std::to_string(i) + "]"); !m.empty()) {
        return m;
      }
    }
    return "";
  }
  return want == got ? "" : path + ": want " + want.dump() + ", got " + got.dump();
}

const Json& worker_container(const Json& cluster_spec, std::size_t group = 0) {
  return cluster_spec["workerGroupSpecs"][group]["template"]["spec"]["containers"][0];
}

}  // namespace

TEST_CASE("core::render reproduces the seed's manifests", "[render]") {
  // The examples must render to manifests containing every field and value
  // of the seed's own (tests/data/seed: the source document's two manifests).
  for (const auto& [example, seed] :
       {std::pair{"examples/rl-train.yaml", "tests/data/seed/rayjob-rl-train.yaml"},
        std::pair{"examples/qwen3-serve.yaml", "tests/data/seed/rayservice-qwen3-serve.yaml"}}) {
    INFO(example);
    Json rendered = render_text(kray::test::read_source_file(example));
    auto want = docs_of(seed, kray::test::read_source_file(seed));
    REQUIRE(want.size() == 1);
    CHECK(missing(want.front().root, rendered) == "");
  }
}

TEST_CASE("core::render the check itself finds differences", "[render]") {
  // The containment check above must be able to fail.
  Json rendered = render_text(kray::test::read_source_file("examples/rl-train.yaml"));
  Json want = Json::parse(
      R"({"spec":{"rayClusterSpec":{"workerGroupSpecs":[{"groupName":"gpu-workers","maxReplicas":17}]}}})");
  CHECK(missing(want, rendered) != "");
}

TEST_CASE("core::render pods", "[render]") {
  SECTION("GPU and RDMA: requests equal limits, IPC_LOCK, /dev/shm in memory") {
    Json m = render_text(
        "name: d\nworkers: [{name: g, gpus: 8, rdma: {resource: rdma/ib, count: 2}, cpu: 4}]\n");
    const Json& c = worker_container(m["spec"]);
    CHECK(c["resources"]["limits"] == c["resources"]["requests"]);
    CHECK(c["resources"]["limits"]["nvidia.com/gpu"] == "8");
    CHECK(c["resources"]["limits"]["rdma/ib"] == "2");
    CHECK(c["securityContext"]["capabilities"]["add"] == Json::array({"IPC_LOCK"}));
    CHECK(c["volumeMounts"][0] == Json::parse(R"({"name":"shared-mem","mountPath":"/dev/shm"})"));
    CHECK(m["spec"]["workerGroupSpecs"][0]["template"]["spec"]["volumes"][0]["emptyDir"] ==
          Json::parse(R"({"medium":"Memory"})"));
  }
  SECTION("CPU pods get no /dev/shm volume and no IPC_LOCK unless asked") {
    Json m = render_text("name: d\nworkers: [{name: c, cpu: 1}, {name: s, shm: 2Gi}]\n");
    CHECK_FALSE(worker_container(m["spec"], 0).contains("volumeMounts"));
    CHECK_FALSE(worker_container(m["spec"], 0).contains("securityContext"));
    CHECK(m["spec"]["workerGroupSpecs"][1]["template"]["spec"]["volumes"][0]["emptyDir"]
           ["sizeLimit"] == "2Gi");
  }
  SECTION("shm: false turns the GPU default off") {
    Json m = render_text("name: d\nworkers: [{name: g, gpus: 1, shm: false}]\n");
    CHECK_FALSE(worker_container(m["spec"]).contains("volumeMounts"));
  }
  SECTION("another GPU resource name") {
    Json m = render_text("name: d\nworkers: [{name: g, gpus: 2, gpuResource: amd.com/gpu}]\n");
    CHECK(worker_container(m["spec"])["resources"]["limits"]["amd.com/gpu"] == "2");
  }
  SECTION("NCCL knobs become env after the user's env") {
    Json m = render_text(
        "name: d\nworkers: [{name: g, env: {A: x}, nccl: {ibDisable: true, netGdrLevel: 5, env: "
        "{NCCL_ALGO: Ring}}}]\n");
    CHECK(worker_container(m["spec"])["env"] ==
          Json::parse(
              R"([{"name":"A","value":"x"},{"name":"NCCL_NET_GDR_LEVEL","value":"5"},)"
              R"({"name":"NCCL_IB_DISABLE","value":"1"},{"name":"NCCL_ALGO","value":"Ring"}])"));
  }
  SECTION("secret env") {
    Json m =
        render_text("name: d\nhead: {env: {HF_TOKEN: {secretKeyRef: {name: hf, key: token}}}}\n");
    CHECK(m["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["env"][0] ==
          Json::parse(
              R"({"name":"HF_TOKEN","valueFrom":{"secretKeyRef":{"name":"hf","key":"token"}}})"));
  }
}

TEST_CASE("core::render objects", "[render]") {
  SECTION("conventional key order and sorted labels") {
    Json m = render_text("name: d\nnamespace: ns\nlabels: {z: '1', a: '2'}\nqueue: q\n");
    std::vector<std::string> keys;
    for (auto it = m.begin(); it != m.end(); ++it) {
      keys.push_back(it.key());
    }
    CHECK(keys == std::vector<std::string>{"apiVersion", "kind", "metadata", "spec"});
    CHECK(
        m["metadata"]["labels"].dump() ==
        R"({"a":"2","app.kubernetes.io/managed-by":"krayctl","kueue.x-k8s.io/queue-name":"q","z":"1"})");
  }
  SECTION("RayService heads get the serve port") {
    Json m = render_text("kind: RayService\nname: s\nserve: {config: {applications: []}}\n");
    const Json& ports = m["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]
                         ["containers"][0]["ports"];
    CHECK(ports.back() == Json::parse(R"({"name":"serve","containerPort":8000})"));
    CHECK(m["spec"]["serveConfigV2"] == "applications: []\n");
  }
  SECTION("RayJob fields") {
    Json m = render_text(
        "kind: RayJob\nname: j\njob: {entrypoint: python a.py, runtimeEnv: {pip: [x]}, ttl: 5m, "
        "activeDeadline: 1h, backoffLimit: 2}\n");
    CHECK(m["spec"]["runtimeEnvYAML"] == "pip:\n  - x\n");
    CHECK(m["spec"]["ttlSecondsAfterFinished"] == 300);
    CHECK(m["spec"]["activeDeadlineSeconds"] == 3600);
    CHECK(m["spec"]["backoffLimit"] == 2);
  }
  SECTION("batch schedulers") {
    Json m = render_text("name: d\nscheduler: {name: volcano, queue: q1, gang: true}\n");
    CHECK(m["metadata"]["labels"]["volcano.sh/queue-name"] == "q1");
    CHECK(m["metadata"]["labels"]["ray.io/gang-scheduling-enabled"] == "true");
    CHECK(m["spec"]["headGroupSpec"]["template"]["spec"]["schedulerName"] == "volcano");
  }
  SECTION("the patch merges by name and removes with null") {
    Json m = render_text(
        "name: d\nworkers: [{name: g}]\npatch:\n  spec:\n    workerGroupSpecs:\n"
        "      - groupName: g\n        template:\n          spec:\n            containers:\n"
        "              - name: ray-worker\n                imagePullPolicy: Always\n"
        "    headGroupSpec:\n      rayStartParams: null\n");
    CHECK(worker_container(m["spec"])["imagePullPolicy"] == "Always");
    CHECK(worker_container(m["spec"])["image"] == "rayproject/ray:2.55.1");
    CHECK_FALSE(m["spec"]["headGroupSpec"].contains("rayStartParams"));
  }
}

TEST_CASE("core::render templates", "[render]") {
  auto templates = kray::core::load_templates(
      {{"workergroup.yaml",
        "template:\n  metadata:\n    labels: {org: x}\n  spec:\n    containers:\n"
        "      - name: ray\n        imagePullPolicy: Always\n      - name: sidecar\n"
        "        image: busybox\n"}},
      "org");
  REQUIRE(templates);
  Json m = render_text("name: d\nworkers: [{name: g, podLabels: {team: a}}]\n", &*templates);
  const Json& spec = m["spec"]["workerGroupSpecs"][0]["template"];
  SECTION("the Ray container takes the template's first container name and stays first") {
    CHECK(spec["spec"]["containers"][0]["name"] == "ray");
    CHECK(spec["spec"]["containers"][0]["imagePullPolicy"] == "Always");
    CHECK(spec["spec"]["containers"][1]["name"] == "sidecar");
  }
  SECTION("template maps merge with the spec's") {
    CHECK(spec["metadata"]["labels"] == Json::parse(R"({"org":"x","team":"a"})"));
  }
  SECTION("a broken template is reported with its file") {
    auto bad = kray::core::load_templates({{"rayjob.yaml", "a: [\n"}}, "org");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where->file == "org/rayjob.yaml");
  }
}

TEST_CASE("core::merge_into", "[render]") {
  using kray::core::MergeMode;
  Json base = Json::parse(R"({"a":1,"list":[{"name":"x","v":1}],"plain":[1,2]})");
  SECTION("fill keeps base values and adds missing ones") {
    Json b = base;
    kray::core::merge_into(
        b,
        Json::parse(R"({"a":2,"b":3,"list":[{"name":"x","v":9,"w":1},{"name":"y"}],"plain":[3]})"),
        MergeMode::fill);
    CHECK(b.dump() ==
          R"({"a":1,"list":[{"name":"x","v":1,"w":1},{"name":"y"}],"plain":[1,2],"b":3})");
  }
  SECTION("overlay replaces values and plain lists, and null removes") {
    Json b = base;
    kray::core::merge_into(b, Json::parse(R"({"a":null,"list":[{"name":"x","v":9}],"plain":[3]})"),
                           MergeMode::overlay);
    CHECK(b.dump() == R"({"list":[{"name":"x","v":9}],"plain":[3]})");
  }
}
