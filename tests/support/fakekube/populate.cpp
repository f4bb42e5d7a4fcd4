// SPDX-License-Identifier: Apache-2.0
#include "populate.hpp"

#include <cstdio>

namespace fakekube {

namespace {

Json ray_container(const std::string& name, bool gpu) {
  Json c = {{"name", name},
            {"image", "rayproject/ray:2.52.0-py311-gpu"},
            {"command", {"/bin/bash", "-lc", "--"}},
            {"args", {"ulimit -n 65536; ray start --block --num-gpus=8 --num-cpus=200"}},
            {"env", Json::array({{{"name", "RAY_CLUSTER_NAME"}, {"value", "x"}},
                                 {{"name", "NCCL_DEBUG"}, {"value", "INFO"}},
                                 {{"name", "NCCL_IB_HCA"}, {"value", "mlx5"}},
                                 {{"name", "RAY_PORT"}, {"value", "6379"}}})},
            {"ports", Json::array({{{"name", "metrics"}, {"containerPort", 8080}}})},
            {"resources",
             {{"limits", {{"cpu", "200"}, {"memory", "1800Gi"}}},
              {"requests", {{"cpu", "200"}, {"memory", "1800Gi"}}}}},
            {"volumeMounts", Json::array({{{"name", "shm"}, {"mountPath", "/dev/shm"}}})}};
  if (gpu) {
    c["resources"]["limits"]["nvidia.com/gpu"] = "8";
    c["resources"]["limits"]["rdma/rdma_shared_device_a"] = "1";
    c["securityContext"] = {{"capabilities", {{"add", {"IPC_LOCK"}}}}};
  }
  return c;
}

}  // namespace

Result<PopulateOptions> parse_populate(const std::string& text) {
  PopulateOptions o;
  int n = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%dx%d/%d%c", &o.clusters, &o.pods_per_cluster, &o.namespaces,
                  &extra) == 3 ||
      ((n = std::sscanf(text.c_str(), "%dx%d%c", &o.clusters, &o.pods_per_cluster, &extra)) == 2)) {
    if (o.clusters > 0 && o.pods_per_cluster > 0 && o.namespaces > 0) {
      return o;
    }
  }
  return tl::unexpected(ApiError{400, "BadRequest",
                                 "--populate takes CLUSTERSxPODS[/NAMESPACES], e.g. 1000x16/50, "
                                 "not \"" +
                                     text + "\"",
                                 Json::object()});
}

Result<int> populate(ApiServer& server, const PopulateOptions& o) {
  int created = 0;
  auto make = [&](const std::string& api, const std::string& resource, const std::string& ns,
                  Json object, bool with_status) -> Result<Json> {
    const Json status = object.value("status", Json());
    auto r = server.create(api, resource, ns, std::move(object));
    if (!r) {
      return r;
    }
    ++created;
    if (with_status) {
      Json copy = *r;
      copy["status"] = status;
      return server.update_status(api, resource, ns, copy);
    }
    return r;
  };
  for (int n = 0; n < o.namespaces; ++n) {
    const std::string ns = "team-" + std::to_string(n);
    auto r =
        make("v1", "namespaces", "",
             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}, false);
    if (!r) {
      return tl::unexpected(r.error());
    }
  }
  const std::string now = server.clock().rfc3339();
  int ip = 0;
  for (int c = 0; c < o.clusters; ++c) {
    const std::string ns = "team-" + std::to_string(c % o.namespaces);
    const std::string name = "rc-" + std::to_string(c);
    const int workers = o.pods_per_cluster - 1;
    Json cluster = {
        {"apiVersion", "ray.io/v1"},
        {"kind", "RayCluster"},
        {"metadata", {{"name", name}, {"labels", {{"app.kubernetes.io/managed-by", "krayctl"}}}}},
        {"spec",
         {{"rayVersion", "2.52.0"},
          {"headGroupSpec",
           {{"rayStartParams", Json::object()},
            {"template",
             {{"spec", {{"containers", Json::array({ray_container("ray-head", false)})}}}}}}},
          {"workerGroupSpecs",
           Json::array(
               {{{"groupName", "gpu"},
                 {"replicas", workers},
                 {"minReplicas", 0},
                 {"maxReplicas", workers},
                 {"rayStartParams", Json::object()},
                 {"template",
                  {{"spec",
                    {{"containers", Json::array({ray_container("ray-worker", true)})}}}}}}})}}},
        {"status",
         {{"state", "ready"},
          {"desiredWorkerReplicas", workers},
          {"readyWorkerReplicas", workers},
          {"availableWorkerReplicas", workers},
          {"desiredGPU", std::to_string(8 * workers)},
          {"conditions", Json::array({{{"type", "HeadPodReady"},
                                       {"status", "True"},
                                       {"reason", "HeadPodRunningAndReady"},
                                       {"lastTransitionTime", now}},
                                      {{"type", "RayClusterProvisioned"},
                                       {"status", "True"},
                                       {"reason", "AllPodRunningAndReadyFirstTime"},
                                       {"lastTransitionTime", now}}})}}}};
    auto rc = make("ray.io/v1", "rayclusters", ns, cluster, true);
    if (!rc) {
      return tl::unexpected(rc.error());
    }
    const Json owner = {{"apiVersion", "ray.io/v1"},
                        {"kind", "RayCluster"},
                        {"name", name},
                        {"uid", (*rc)["metadata"]["uid"]},
                        {"controller", true}};
    auto svc = make("v1", "services", ns,
                    {{"apiVersion", "v1"},
                     {"kind", "Service"},
                     {"metadata", {{"name", name + "-head-svc"}, {"ownerReferences", {owner}}}},
                     {"spec",
                      {{"clusterIP", "None"},
                       {"selector", {{"ray.io/cluster", name}, {"ray.io/node-type", "head"}}},
                       {"ports", Json::array({{{"name", "dashboard"}, {"port", 8265}}})}}}},
                    false);
    if (!svc) {
      return tl::unexpected(svc.error());
    }
    for (int p = 0; p < o.pods_per_cluster; ++p) {
      const bool head = p == 0;
      ++ip;
      Json pod = {
          {"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", head ? name + "-head-" + std::to_string(c)
                          : name + "-gpu-worker-" + std::to_string(p)},
            {"labels",
             {{"ray.io/cluster", name},
              {"ray.io/node-type", head ? "head" : "worker"},
              {"ray.io/group", head ? "headgroup" : "gpu"},
              {"ray.io/is-ray-node", "yes"},
              {"app.kubernetes.io/created-by", "kuberay-operator"}}},
            {"ownerReferences", {owner}}}},
          {"spec",
           {{"nodeName", "gpu-node-" + std::to_string(ip % 500)},
            {"restartPolicy", "Always"},
            {"containers", Json::array({ray_container(head ? "ray-head" : "ray-worker", !head)})},
            {"volumes", Json::array({{{"name", "shm"}, {"emptyDir", {{"medium", "Memory"}}}}})}}},
          {"status",
           {{"phase", "Running"},
            {"podIP", "10." + std::to_string(ip / 65536 % 256) + "." +
                          std::to_string(ip / 256 % 256) + "." + std::to_string(ip % 256)},
            {"conditions",
             Json::array(
                 {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}},
                  {{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", now}}})},
            {"containerStatuses",
             Json::array({{{"name", head ? "ray-head" : "ray-worker"},
                           {"ready", true},
                           {"restartCount", 0},
                           {"state", {{"running", {{"startedAt", now}}}}}}})}}}};
      auto made = make("v1", "pods", ns, pod, true);
      if (!made) {
        return tl::unexpected(made.error());
      }
    }
  }
  return created;
}

}  // namespace fakekube
