// SPDX-License-Identifier: Apache-2.0
// KubeRay v1.6.2's sample RayCluster, shared by the tests of what the
// simulated operator builds (kuberay_build_test.cpp) and of how the
// simulated kubelet reads the containers it builds (ray_start_test.cpp).
#pragma once

#include "../../support/catch.hpp"
#include "../../support/fakekube/yaml_json.hpp"

#include <string>

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

}  // namespace testing
