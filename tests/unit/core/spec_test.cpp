// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/spec/spec.hpp>
#include <krayctl/core/yaml/document.hpp>

#include "../../support/catch.hpp"

using kray::core::Json;

namespace {

kray::core::SpecResult parse(const std::string& yaml) {
  auto docs = kray::core::parse_documents(
      std::make_shared<kray::core::SourceFile>(kray::core::SourceFile{"s.yaml", yaml}));
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  return kray::core::parse_spec(docs->front());
}

// Each diagnostic as "line:col: message (path)".
std::vector<std::string> errors(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& d : parse(yaml).diagnostics) {
    out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
                  d.message + " (" + kray::core::pointer_to_path(d.pointer) + ")");
  }
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("core::parse_spec defaults", "[spec]") {
  SECTION("a minimal spec is a RayCluster with one worker") {
    auto r = parse("name: demo\nworkers: [{name: w}]\n");
    REQUIRE(r.spec);
    CHECK(r.spec->kind == kray::core::WorkloadKind::ray_cluster);
    CHECK(r.spec->ray_version == "2.55.1");
    CHECK(r.spec->image == "rayproject/ray:2.55.1");
    REQUIRE(r.spec->workers.size() == 1);
    CHECK(r.spec->workers[0].replicas == 1);
    CHECK(r.spec->workers[0].min == 1);
    CHECK(r.spec->workers[0].max == 1);
  }
  SECTION("replicas defaults to min; max to the larger of the two") {
    auto r = parse(
        "name: d\nworkers: [{name: a, min: 4, max: 16}, {name: b, replicas: 3}, {name: c, max: "
        "5}]\n");
    REQUIRE(r.spec);
    CHECK(r.spec->workers[0].replicas == 4);
    CHECK(r.spec->workers[1].min == 3);
    CHECK(r.spec->workers[1].max == 3);
    CHECK(r.spec->workers[2].min == 1);
    CHECK(r.spec->workers[2].replicas == 1);
    CHECK(r.spec->workers[2].max == 5);
  }
  SECTION("the image follows the version, python and nvidia GPUs") {
    auto r =
        parse("name: d\nray: {version: '2.46.0', python: '3.10'}\nworkers: [{name: g, gpus: 1}]\n");
    REQUIRE(r.spec);
    CHECK(r.spec->image == "rayproject/ray:2.46.0-py310-gpu");
    auto amd = parse("name: d\nworkers: [{name: g, gpus: 1, gpuResource: amd.com/gpu}]\n");
    REQUIRE(amd.spec);
    CHECK(amd.spec->image == "rayproject/ray:2.55.1");
  }
  SECTION("the version follows a given image's tag") {
    auto r = parse("name: d\nray: {image: 'rayproject/ray-ml:2.46.0-gpu'}\n");
    REQUIRE(r.spec);
    CHECK(r.spec->ray_version == "2.46.0");
  }
  SECTION("the autoscaler version follows the Ray version") {
    CHECK(parse("name: d\nautoscaler: {}\n").spec->autoscaler->version == "v2");
    CHECK(parse("name: d\nray: {version: '2.9.3'}\nautoscaler: {}\n").spec->autoscaler->version ==
          "v1");
  }
  SECTION("defaults are merged into each group; the group wins") {
    auto r = parse(
        "name: d\n"
        "defaults: {cpu: 2, env: {A: '1', B: '2'}, nodeSelector: {pool: ray}}\n"
        "head: {cpu: 4}\n"
        "workers: [{name: w, env: {B: '3'}, nodeSelector: {zone: a}}]\n");
    REQUIRE(r.spec);
    CHECK(r.spec->head.cpu->text == "4");
    const auto& w = r.spec->workers[0].pod;
    CHECK(w.cpu->text == "2");
    REQUIRE(w.env.size() == 2);
    CHECK(w.env[1].name == "B");
    CHECK(*w.env[1].value == "3");
    CHECK(w.node_selector == std::map<std::string, std::string>{{"pool", "ray"}, {"zone", "a"}});
  }
  SECTION("env and rayStartParams numbers keep their YAML text") {
    auto r = parse("name: d\nhead: {env: {OMP: 08}, rayStartParams: {num-cpus: 0}}\n");
    REQUIRE(r.spec);
    CHECK(*r.spec->head.env[0].value == "08");
    CHECK(r.spec->head.ray_start_params.at("num-cpus") == "0");
  }
  SECTION("RayJob defaults") {
    auto r = parse("kind: RayJob\nname: j\njob: {entrypoint: python x.py}\n");
    REQUIRE(r.spec);
    CHECK(r.spec->job->shutdown_after_finish);
    CHECK(r.spec->job->submission_mode == "K8sJobMode");
  }
}

TEST_CASE("core::parse_spec reports every problem with its location", "[spec]") {
  CHECK(errors("name: d\nworkers:\n  - name: w\n    gpu: 8\n") ==
        Lines{"4:5: unknown key 'gpu'; did you mean 'gpus'? (workers[0].gpu)"});
  CHECK(errors("name: d\nworkers:\n  - name: w\n    min: 5\n    max: 2\n") ==
        Lines{"4:10: min (5) is greater than max (2) (workers[0].min)"});
  CHECK(errors("name: d\nworkers:\n  - {name: w, min: 1, max: 2, replicas: 3}\n") ==
        Lines{"3:41: replicas (3) must be between min (1) and max (2) (workers[0].replicas)"});
  CHECK(errors("name: d\nworkers:\n  - {name: w, gpus: 1.5}\n") ==
        Lines{"3:21: expected an integer, got number '1.5' (workers[0].gpus)"});
  CHECK(errors("name: d\nworkers:\n  - {name: w, gpus: -1}\n") ==
        Lines{"3:21: must be >= 0, got -1 (workers[0].gpus)"});
  CHECK(errors("name: d\nhead: {memory: 8Gb}\n") ==
        Lines{"2:16: invalid quantity '8Gb': unknown suffix 'Gb'; did you mean '8Gi' (binary, "
              "1024-based) or '8G' (decimal)? (head.memory)"});
  CHECK(errors("name: d\nhead: {cpu: -1}\n") ==
        Lines{"2:13: quantity '-1' must not be negative (head.cpu)"});
  CHECK(errors("name: d\nautoscaler: {idleTimeout: 60x}\n") ==
        Lines{"2:27: invalid duration '60x': expected seconds (60) or a duration such as 60s, 5m, "
              "1h30m (autoscaler.idleTimeout)"});
  CHECK(
      errors("name: My_Cluster\n") ==
      Lines{"1:7: 'My_Cluster' must be a DNS-1035 label: lower-case letters, digits and '-', "
            "starting with a letter and ending with a letter or digit (try 'my-cluster') (name)"});
  CHECK(errors("kind: RayJob\nname: a-very-long-rayjob-name-that-is-fine-for-a-cluster\njob: "
               "{entrypoint: x}\n") ==
        Lines{"2:7: RayJob name must be no more than 47 characters (KubeRay derives longer names "
              "from it), got 50 (name)"});
  CHECK(errors("name: d\nworkers: [{name: a}, {name: a}]\n") ==
        Lines{"2:29: duplicate worker group name 'a' (first used at line 2) (workers[1].name)"});
  CHECK(errors("kind: RayJob\nname: j\n") ==
        Lines{"1:7: a RayJob needs a job section with an entrypoint (kind)"});
  CHECK(errors("kind: RayJob\nname: j\njob: {shutdownAfterFinish: false, ttl: 10m}\n") ==
        Lines{"3:1: missing required key 'entrypoint' (job)",
              "3:40: ttl needs shutdownAfterFinish: true (KubeRay refuses ttlSecondsAfterFinished "
              "without shutdownAfterJobFinishes) (job.ttl)"});
  CHECK(errors("workers: []\n") == Lines{"1:1: missing required key 'name' ((document))"});
  CHECK(errors("name: d\nkind: RayJobs\n") ==
        Lines{"2:7: must be one of 'RayCluster', 'RayJob', 'RayService', got 'RayJobs'; did you "
              "mean 'RayJob'? (kind)"});
  CHECK(errors("name: d\nhead: {env: {FLAG: on}}\n") ==
        Lines{"2:20: expected a string, a number or a mapping, got boolean (YAML reads the "
              "unquoted 'on' as boolean; write \"on\" to keep it a string) (head.env.FLAG)"});
  SECTION("numbers beyond int64 are reported, not converted") {
    CHECK(errors("name: d\nworkers: [{name: w, max: 13333333333333333333333333333333}]\n") ==
          Lines{"2:26: must be <= 2147483647, got 1.3333333333333334e+31 (workers[0].max)"});
    CHECK(errors("name: d\nautoscaler: {idleTimeout: 99999999999999999999h}\n") ==
          Lines{"2:27: duration '99999999999999999999h' is too long (autoscaler.idleTimeout)"});
  }
  SECTION("several problems come out together, in file order") {
    CHECK(errors("name: d\nhead: {cpuu: 1}\nworkers: [{name: w, min: 3, max: 1}]\n").size() == 2);
  }
  SECTION("kind-specific sections") {
    CHECK(errors("name: d\njob: {entrypoint: x}\n") ==
          Lines{"2:1: job is only for kind RayJob (job)"});
    CHECK(errors("kind: RayService\nname: s\nserve: {}\n") ==
          Lines{"3:1: serve needs config or configFile (serve)"});
    CHECK(errors("kind: RayService\nname: s\nserve: {config: 'a: [1'}\n").size() == 1);
  }
  SECTION("idleTimeout per group needs autoscaler v2") {
    CHECK(errors("name: d\nautoscaler: {version: v1}\nworkers: [{name: w, idleTimeout: 30s}]\n") ==
          Lines{"3:34: a worker group idleTimeout needs the autoscaler with version v2 "
                "(workers[0].idleTimeout)"});
  }
  SECTION("a volume needs exactly one source") {
    CHECK(errors("name: d\nhead: {volumes: [{name: v, mountPath: /v}]}\n") ==
          Lines{"2:18: volume 'v' needs exactly one source (emptyDir, persistentVolumeClaim, "
                "configMap, secret, hostPath, nfs, csi) (head.volumes[0])"});
  }
  SECTION("the same NCCL variable in env and nccl") {
    CHECK(errors("name: d\nhead: {env: {NCCL_IB_HCA: x}, nccl: {ibHca: mlx5}}\n") ==
          Lines{"2:14: NCCL_IB_HCA is set both here and by nccl; keep one (head.env.NCCL_IB_HCA)"});
  }
}

TEST_CASE("core::spec_schema worker groups accept every pod setting", "[spec]") {
  // workerGroup repeats podSettings' keys (draft-07 cannot extend a closed
  // schema): this keeps the two lists from drifting apart.
  const Json& schema = kray::core::spec_schema();
  const Json& pod = schema["definitions"]["podSettings"]["properties"];
  const Json& group = schema["definitions"]["workerGroup"]["properties"];
  for (auto it = pod.begin(); it != pod.end(); ++it) {
    INFO(it.key());
    CHECK(group.contains(it.key()));
  }
}
