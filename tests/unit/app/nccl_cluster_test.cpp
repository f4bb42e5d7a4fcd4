// SPDX-License-Identifier: Apache-2.0
// `nccl-check --cluster NAME --group G` against the simulated cluster
// (scheduler, kubelet and Job controller; no operator): the check Job is
// built from the group's own template, its Pod's log is a scripted node
// bundle, and the Job is deleted afterwards. Also: the bundle script run
// by a real /bin/sh here, parsed back.
#include <krayctl/app/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_bundle.hpp>
#include <krayctl/core/nccl/nccl_node.hpp>

#include "../../support/catch.hpp"

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include "../../support/fakekube/server.hpp"
#include "../../support/fakekube/sim.hpp"
#include "../../support/fakes.hpp"

#include <cstdio>

using kray::ErrorCode;
using kray::core::Json;

namespace {

// What the check Pod of a healthy 8-GPU, 8 x NDR node prints; `shm` is its
// /dev/shm size option.
std::vector<std::string> bundle(const std::string& shm = "16g") {
  std::vector<std::string> l = {"=== krayctl begin 1"};
  for (int i = 0; i < 8; ++i) {
    l.push_back("=== krayctl node /dev/nvidia" + std::to_string(i));
    l.push_back("=== krayctl node /dev/infiniband/uverbs" + std::to_string(i));
  }
  l.push_back("=== krayctl file /proc/driver/nvidia/gpus/0000:18:00.0/information");
  l.push_back("Model:           NVIDIA H100 80GB HBM3");
  for (int i = 0; i < 8; ++i) {
    const std::string p = "/sys/class/infiniband/mlx5_" + std::to_string(i) + "/ports/1/";
    for (const auto& [f, v] :
         std::vector<std::pair<std::string, std::string>>{{"state", "4: ACTIVE"},
                                                          {"phys_state", "5: LinkUp"},
                                                          {"rate", "400 Gb/sec (4X NDR)"},
                                                          {"link_layer", "InfiniBand"}}) {
      l.push_back("=== krayctl file " + p + f);
      l.push_back(v);
    }
  }
  l.push_back("=== krayctl file /sys/module/nvidia_peermem/version");
  l.push_back("550.90.07");
  l.push_back("=== krayctl file /proc/mounts");
  l.push_back("tmpfs /dev/shm tmpfs rw,nosuid,nodev,size=" + shm + " 0 0");
  l.push_back("=== krayctl file /proc/self/limits");
  l.push_back("Max locked memory         unlimited            unlimited            bytes");
  l.push_back("=== krayctl file /proc/self/status");
  l.push_back("CapEff:\t00000000a80465fb");
  l.push_back("=== krayctl node /sys/class/net/eth0/operstate");
  l.push_back("=== krayctl env");
  l.push_back("NCCL_IB_HCA==mlx5_0,mlx5_1,mlx5_2,mlx5_3,mlx5_4,mlx5_5,mlx5_6,mlx5_7");
  l.push_back("=== krayctl end");
  return l;
}

Json worker_group(const std::string& name, const std::string& image, const std::string& rdma) {
  Json resources = {{"nvidia.com/gpu", "8"},
                    {"rdma/rdma_shared_device_a", rdma},
                    {"cpu", "8"},
                    {"memory", "64Gi"}};
  return {{"groupName", name},
          {"replicas", 0},
          {"minReplicas", 0},
          {"maxReplicas", 2},
          {"rayStartParams", Json::object()},
          {"template",
           {{"metadata",
             {{"labels", {{"team", "ml"}, {"ray.io/group", name}}},
              {"annotations", {{"k8s.v1.cni.cncf.io/networks", "rdma-net"}}}}},
            {"spec",
             {{"initContainers", {{{"name", "wait-gcs"}, {"image", "busybox"}}}},
              {"containers",
               {{{"name", "ray-worker"},
                 {"image", image},
                 {"args", {"ray start --block"}},
                 {"readinessProbe", {{"exec", {{"command", {"true"}}}}}},
                 {"resources", {{"limits", resources}, {"requests", resources}}},
                 {"securityContext", {{"capabilities", {{"add", {"IPC_LOCK"}}}}}},
                 {"env", {{{"name", "NCCL_IB_HCA"}, {"value", "mlx5"}}}}}}}}}}}};
}

struct Cluster {
  fakekube::ApiServer server;
  fakekube::Simulation sim;
  kray::test::FakeDeps d;

  static fakekube::ServerOptions options() {
    fakekube::ServerOptions o;
    o.nodes = "2x8gpu";
    o.speed = 20;
    return o;
  }
  static fakekube::SimOptions sim_options() {
    fakekube::SimOptions o;
    o.operator_ = false;  // the RayCluster is data here; its Pods are not needed
    return o;
  }

  Cluster() : server(options()), sim(server, sim_options()) {
    server.start();
    d.fs.with_file("/k/config", server.kubeconfig("admin"));
    fakekube::Behavior healthy;
    healthy.kind = fakekube::Behavior::Kind::exit;
    healthy.run_seconds = 1;
    healthy.logs = bundle();
    sim.add_image_rule("example/ray-gpu", healthy);
    fakekube::Behavior small = healthy;
    small.logs = bundle("65536k");
    sim.add_image_rule("example/ray-small-shm", small);
    sim.start();
    Json rc = {
        {"apiVersion", "ray.io/v1"},
        {"kind", "RayCluster"},
        {"metadata", {{"name", "train"}, {"namespace", "default"}}},
        {"spec",
         {{"headGroupSpec",
           {{"rayStartParams", Json::object()},
            {"template",
             {{"spec",
               {{"containers", {{{"name", "ray-head"}, {"image", "example/ray-gpu:1"}}}}}}}}}},
          {"workerGroupSpecs",
           {worker_group("gpu", "example/ray-gpu:1", "1"),
            worker_group("too-big", "example/ray-gpu:1", "5000"),
            worker_group("small-shm", "example/ray-small-shm:1", "1")}}}}};
    REQUIRE(server.create("ray.io/v1", "rayclusters", "default", rc));
  }
  ~Cluster() { sim.stop(); }

  kray::Result<void> check(const std::string& group, bool keep = false) {
    d.console.out_text.clear();
    d.console.err_text.clear();
    kray::app::NcclCheckOptions o;
    o.save = "/out/" + group + ".log";
    o.cluster = "train";
    o.group = group;
    o.keep = keep;
    o.timeout = std::chrono::seconds(20);
    o.kubeconfig.kubeconfig = "/k/config";
    return kray::app::run_nccl_check(o, d.deps);
  }
};

}  // namespace

TEST_CASE("nccl-check --cluster: a Job from the group's template, judged, then deleted",
          "[nccl][cluster][http]") {
  Cluster c;
  auto r = c.check("gpu", true);
  INFO(c.d.console.out_text << c.d.console.err_text);
  REQUIRE(r);
  CHECK_THAT(c.d.console.out_text,
             Catch::Contains("OK: 8 GPUs (NVIDIA H100 80GB HBM3), 8 ports ACTIVE, LinkUp, 400 "
                             "Gb/sec (4X NDR), InfiniBand, GPUDirect RDMA via nvidia_peermem"));
  CHECK_THAT(c.d.console.out_text, Catch::Contains("nccl-check raycluster/train group gpu (job "
                                                   "krayctl-nccl-check-"));
  // --save: the Pod's log as it came.
  CHECK(c.d.fs.files.at("/out/gpu.log").rfind("=== krayctl begin 1\n", 0) == 0);
  // --keep: the Job is there to look at; it is the group's template.
  const auto jobs = c.server.list("batch/v1", "jobs", "default");
  REQUIRE(jobs.size() == 1);
  const Json& job = jobs[0];
  CHECK(job["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "krayctl");
  CHECK(job["spec"]["backoffLimit"] == 0);
  const Json& tmpl = job["spec"]["template"];
  CHECK(tmpl["metadata"]["labels"]["team"] == "ml");
  CHECK_FALSE(tmpl["metadata"]["labels"].contains("ray.io/group"));  // not a cluster member
  CHECK(tmpl["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"] == "rdma-net");
  CHECK(tmpl["spec"]["restartPolicy"] == "Never");
  CHECK_FALSE(tmpl["spec"].contains("initContainers"));
  REQUIRE(tmpl["spec"]["containers"].size() == 1);
  const Json& container = tmpl["spec"]["containers"][0];
  CHECK(container["name"] == "nccl-check");
  CHECK(container["image"] == "example/ray-gpu:1");
  CHECK(container["command"][0] == "/bin/sh");
  CHECK_FALSE(container.contains("args"));
  CHECK_FALSE(container.contains("readinessProbe"));
  CHECK(container["resources"]["limits"]["rdma/rdma_shared_device_a"] == "1");
  CHECK(container["securityContext"]["capabilities"]["add"][0] == "IPC_LOCK");
  CHECK(container["env"][0]["value"] == "mlx5");

  // Without --keep, what krayctl created it deletes.
  REQUIRE(c.server.remove("batch/v1", "jobs", "default", job["metadata"]["name"]));
  REQUIRE(c.check("gpu"));
  CHECK_THAT(c.d.console.err_text, Catch::Contains(" deleted\n"));
  for (const auto& j : c.server.list("batch/v1", "jobs", "default")) {
    CHECK(j["metadata"].contains("deletionTimestamp"));
  }
}

TEST_CASE("nccl-check --cluster: what the group's Pods would meet", "[nccl][cluster][http]") {
  Cluster c;
  SECTION("a node problem: /dev/shm of 64 MiB") {
    auto r = c.check("small-shm");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::check_failed);
    CHECK_THAT(c.d.console.out_text, Catch::Contains("FAIL  shm"));
    CHECK_THAT(c.d.console.out_text, Catch::Contains("/dev/shm is 64 MiB"));
  }
  SECTION("a Pod that cannot be scheduled: the scheduler's words") {
    auto r = c.check("too-big");
    REQUIRE_FALSE(r);
    CHECK_THAT(c.d.console.out_text, Catch::Contains("FAIL  pod"));
    CHECK_THAT(c.d.console.out_text, Catch::Contains("Insufficient rdma/rdma_shared_device_a"));
    CHECK(c.server.list("batch/v1", "jobs", "default").size() <= 1);
  }
  SECTION("a group that is not there, a cluster that is not there") {
    auto r = c.check("cpu");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::usage);
    CHECK_THAT(r.error().message, Catch::Contains("its groups: head, gpu, too-big, small-shm"));
    CHECK(c.server.list("batch/v1", "jobs", "default").empty());  // nothing created
    kray::app::NcclCheckOptions o;
    o.cluster = "nope";
    o.group = "gpu";
    o.kubeconfig.kubeconfig = "/k/config";
    auto missing = kray::app::run_nccl_check(o, c.d.deps);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::not_found);
  }
}

TEST_CASE("the node bundle script runs under /bin/sh and parses back", "[nccl]") {
  const std::string script = kray::core::node_bundle_script("", 1, true);
  FILE* p = popen(("/bin/sh -c '" +
                   [&] {
                     std::string quoted;
                     for (char ch : script) {
                       quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
                     }
                     return quoted;
                   }() +
                   "'")
                      .c_str(),
                  "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) {
    out.append(buf, n);
  }
  CHECK(pclose(p) == 0);
  const auto b = kray::core::parse_node_bundle(out);
  CHECK(b.begun);
  CHECK(b.complete);
  CHECK(b.files.count("/proc/mounts") == 1);
  CHECK(b.files.count("/proc/self/limits") == 1);
  CHECK(b.files.at("/proc/self/limits").find("Max locked memory") != std::string::npos);
  CHECK_FALSE(b.run_output);
  const std::string with_run = kray::core::node_bundle_script("/opt/nt/all_reduce_perf", 8, true);
  CHECK_THAT(with_run, Catch::Contains("NCCL_P2P_DISABLE=1"));
  CHECK_THAT(with_run, Catch::Contains("t='/opt/nt/all_reduce_perf'"));
  CHECK_THAT(with_run, Catch::Contains("\"$t\" -b 1G -e 8G -f 2 -g 8"));
  {
    // A build directory (what --nccl-tests usually names), with a quote in
    // its path: the script finds all_reduce_perf in it.
    char dir_template[] = "/tmp/krayctl-nt-XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    const std::string dir = std::string(dir_template) + "/it's";
    REQUIRE(std::system(("mkdir -p \"" + dir + "\"").c_str()) == 0);
    {
      std::FILE* f = std::fopen((dir + "/all_reduce_perf").c_str(), "w");
      REQUIRE(f != nullptr);
      std::fputs("#!/bin/sh\necho \"ran with $*\"\n", f);
      std::fclose(f);
    }
    REQUIRE(std::system(("chmod +x \"" + dir + "/all_reduce_perf\"").c_str()) == 0);
    const std::string s2 = kray::core::node_bundle_script(dir, 2, false);
    std::string q;
    for (char ch : s2) {
      q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    }
    FILE* p2 = popen(("/bin/sh -c '" + q + "'").c_str(), "r");
    REQUIRE(p2 != nullptr);
    std::string out2;
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p2)) > 0;) {
      out2.append(buf, n);
    }
    pclose(p2);
    (void)std::system(("rm -rf " + std::string(dir_template)).c_str());
    const auto ran = kray::core::parse_node_bundle(out2);
    REQUIRE(ran.run_output);
    CHECK(*ran.run_output == "ran with -b 1G -e 8G -f 2 -g 2\n");
    CHECK(ran.run_exit == 0);
  }
  const auto parsed = kray::core::parse_node_bundle(
      "=== krayctl begin 1\n=== krayctl run\nline 1\n=== krayctl exit 3\n=== krayctl end\n");
  REQUIRE(parsed.run_output);
  CHECK(*parsed.run_output == "line 1\n");
  CHECK(parsed.run_exit == 3);
}
