// SPDX-License-Identifier: Apache-2.0
// KubeRay v1.6.2's sample RayCluster, shared by the tests of what the
// simulated operator builds (kuberay_build_test.cpp) and of how the
// simulated kubelet reads the containers it builds (ray_start_test.cpp).
#pragma once

#include "../../support/catch.hpp"
#include "../../support/fakekube/yaml_json.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace testing {

inline fakekube::Json yaml(const std::string& text) {
  auto parsed = fakekube::parse_yaml(text);
  REQUIRE(parsed);
  return *parsed;
}

// The fields of KubeRay v1.6.2's ray-operator/config/samples/ray-cluster.sample.yaml.
inline const char* const kSample = R"(
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: raycluster-kuberay
  namespace: default
  uid: 7d5c3c1e-0000-4000-8000-000000000001
spec:
  rayVersion: '2.52.0'
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.52.0
          resources:
            limits: {cpu: "1", memory: "5Gi"}
            requests: {cpu: "1", memory: "5Gi"}
          ports:
          - {containerPort: 6379, name: gcs-server}
          - {containerPort: 8265, name: dashboard}
          - {containerPort: 10001, name: client}
  workerGroupSpecs:
  - replicas: 1
    minReplicas: 1
    maxReplicas: 5
    groupName: workergroup
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.52.0
          resources:
            limits: {cpu: "1", memory: "1Gi"}
            requests: {cpu: "1", memory: "1Gi"}
)";

// The RayCluster specs in KubeRay v1.6.2's samples
// (tests/data/kuberay-v1.6.2/samples): each RayCluster, and each RayJob's
// and RayService's cluster as its controller would create it (a RayService's
// labelled ray.io/originated-from-crd).
struct SampleCluster {
  std::string where;  // "file kind"
  fakekube::Json cluster;
};
inline std::vector<SampleCluster> sample_clusters() {
  namespace fs = std::filesystem;
  using fakekube::Json;
  std::vector<SampleCluster> out;
  const fs::path dir = fs::path(KRAYCTL_SOURCE_DIR) / "tests/data/kuberay-v1.6.2/samples";
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    // One document at a time: the samples hold several.
    std::size_t start = 0;
    while (start < all.size()) {
      const std::size_t end = all.find("\n---", start);
      const std::string doc = all.substr(start, end == std::string::npos ? end : end - start);
      start = end == std::string::npos ? all.size() : end + 4;
      auto parsed = fakekube::parse_yaml(doc);
      if (!parsed || !parsed->is_object()) {
        continue;
      }
      const std::string kind = parsed->value("kind", "");
      Json cluster;
      if (kind == "RayCluster") {
        cluster = *parsed;
      } else if (kind == "RayJob" && (*parsed)["spec"].contains("rayClusterSpec")) {
        cluster = {{"metadata", (*parsed)["metadata"]},
                   {"spec", (*parsed)["spec"]["rayClusterSpec"]}};
      } else if (kind == "RayService") {
        cluster = {{"metadata", (*parsed)["metadata"]},
                   {"spec", (*parsed)["spec"]["rayClusterConfig"]}};
        cluster["metadata"]["labels"]["ray.io/originated-from-crd"] = "RayService";
      } else {
        continue;
      }
      out.push_back({entry.path().filename().string() + " " + kind, cluster});
    }
  }
  return out;
}

}  // namespace testing
