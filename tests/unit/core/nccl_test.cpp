// SPDX-License-Identifier: Apache-2.0
// NCCL log and nccl-tests parsing and the nccl-check verdicts, on log lines
// quoted verbatim in public issues (NVIDIA/nccl, NVIDIA/nccl-tests, and
// PyTorch, Ray, vLLM, OneFlow ones) and on whole-log fixtures
// (tests/data/nccl/, sources in its README).
#include <krayctl/core/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_log.hpp>
#include <krayctl/core/nccl/nccl_node.hpp>
#include <krayctl/core/nccl/nccl_spec.hpp>

#include "../../support/catch.hpp"

#include <fstream>
#include <map>
#include <sstream>

using namespace kray::core;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KRAYCTL_SOURCE_DIR) + "/tests/data/nccl/" + name);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

NcclReport check(const std::string& text, std::optional<double> min_busbw = std::nullopt) {
  NcclCheckInput in;
  in.source = "test.log";
  in.log = parse_nccl_log(text);
  in.tests = parse_nccl_tests(text);
  in.min_busbw = min_busbw;
  return evaluate_nccl(in);
}

const CheckResult* find(const NcclReport& r, const std::string& id) {
  for (const auto& c : r.checks) {
    if (c.id == id) {
      return &c;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("nccl log: every verbatim line of the reference is read as NCCL's", "[nccl]") {
  // One per wording: prefixes of hosts, Ray, timestamps, WARN file:line,
  // reporters' stripped prefixes.
  const std::vector<std::string> lines = {
      "dgxh100-4:460770:460770 [0] NCCL INFO cudaDriverVersion 12000",
      "dgxh100-4:460770:460770 [0] NCCL INFO Bootstrap : Using enp220s0np0:11.1.128.136<0>",
      "NCCL INFO NCCL version 2.24.3+cuda12.2",
      "NCCL INFO Bootstrap: Using eth0:10.7.147.73<0>",
      "hostname-test:984:984 [4] NCCL INFO NCCL_SOCKET_IFNAME set by environment to bond0",
      "user:5183:5236 [4] NCCL INFO NCCL_IB_HCA set to mlx5_2:1,mlx5_0:1",
      "dgxh100-4:460770:460770 [0] NCCL INFO NET/Plugin : dlerror=libnccl-net.so: cannot open "
      "shared object file: No such file or directory No plugin found (libnccl-net.so), using "
      "internal implementation",
      "NCCL INFO NET/Plugin: Loaded net plugin NCCL RDMA Plugin v8 (v8)",
      "dgxh100-4:460770:460842 [0] NCCL INFO NET/IB : Using [0]mlx5_10:1/RoCE [1]mlx5_11:1/RoCE "
      "[RO]; OOB enp220s0np0:11.1.128.136<0>",
      "master_node:20:289 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB ; OOB ib0:192.168.11.1<0>",
      "NCCL INFO NET/IB : Using [0]ibp0:1/IB/SHARP [1]ibp1:1/IB/SHARP [RO]; OOB "
      "eth0:10.7.147.73<0>",
      "h100-4:739790:739878 [4] NCCL INFO Using network IBext_v6",
      "zkti:702444:702444 [0] NCCL INFO NET/IB : No device found.",
      "v100-gpu-1:14926:14926 [0] misc/ibvwrap.cc:63 NCCL WARN Failed to open libibverbs.so[.1]",
      "learn01:2228637:2230195 [3] NCCL INFO NET/IB : GPU Direct RDMA Disabled for HCA 0 'mlx5_0'",
      "NCCL INFO GPU Direct RDMA Disabled for GPU ca000 / HCA 0 (distance 7 > 4)",
      "H20-GPU-06:4015539:4015652 [0] NCCL INFO Channel 07/0 : 0[0] -> 2[0] [receive] via "
      "NET/IB/3/GDRDMA",
      "hostname-test:987:1260 [7] NCCL INFO Channel 03/0 : 47[7] -> 39[7] [receive] via "
      "NET/IBext_v8/2",
      "como:60725:60750 [2] NCCL INFO Channel 00 : 2[a000] -> 3[b000] via P2P/direct pointer",
      "gpu2-ru7:2144:2556 [2] NCCL INFO Ring 00 : 2[3d000] -> 3[3e000] via direct shared memory",
      "algo-1:18062:18131 [5] NCCL INFO NVLS multicast support is not available on dev 5",
      "swat1-04:2017630:2017671 [2] NCCL INFO Init timings: rank 2 nranks 16 total 1.08 (kernels "
      "0.51, bootstrap 0.22, allgathers 0.01, topo 0.28, graphs 0.04, connections 0.02, rest "
      "0.01)",
      "misc/ibvwrap.cc:187 NCCL WARN Call to ibv_modify_qp failed with error Network is "
      "unreachable",
      "NCCL WARN NET/IB : Got completion from peer xxx.xxx.xxx.xxx<55921> with status=12 "
      "opcode=1 len=0 vendor err 129 (Send) localGid ::ffff:29.87.4.221 "
      "remoteGids::ffff:29.87.88.182",
      "[2026-04-22 21:34:20] mt-l-x86iavx512-45-172-t4-4-csmpw-runner-g4sfw-workflow:202016:202235"
      " [0] misc/shmutils.cc:88 NCCL WARN Error: failed to extend /dev/shm/nccl-WU88OE to 9637892 "
      "bytes, error: No space left on device (28)",
      "include/shm.h:28 NCCL WARN Call to posix_fallocate failed: No space left on device",
      "NCCL version 2.19.3+cuda12.3",
  };
  for (const auto& l : lines) {
    INFO(l);
    CHECK(parse_nccl_log(l).nccl_lines == 1);
  }
  // Wrappers' prefixes (synthetic): mpirun --tag-output, a kubectl
  // --timestamps prefix.
  CHECK(parse_nccl_log("[1,0]<stdout>:node-0:4242:4260 [0] NCCL INFO Using network IB").network ==
        "IB");
  CHECK(parse_nccl_log("2026-11-26T10:00:00.000000000Z node-0:4242:4260 [0] NCCL INFO Using "
                       "network Socket")
            .network == "Socket");
  // Not NCCL's: words that merely mention it.
  CHECK(parse_nccl_log("downloading NCCL INFOrmation").nccl_lines == 0);
  CHECK(parse_nccl_log("pip install nvidia-nccl-cu12").nccl_lines == 0);
}

TEST_CASE("nccl log: facts from the wordings of several versions", "[nccl]") {
  NcclLogFacts f = parse_nccl_log(fixture("ib-gdr-healthy.log"));
  CHECK(f.version == "2.23.4");
  CHECK(f.cuda == "12.6");
  CHECK(f.driver == 12060);
  CHECK(f.network == "IB");
  REQUIRE(f.ib_devices.size() == 8);
  CHECK(f.ib_devices[7].name == "mlx5_7");
  CHECK(f.ib_devices[7].port == 1);
  CHECK(f.ib_devices[7].link == "IB");
  CHECK(f.gdr_by_hca.at("mlx5_0"));
  CHECK(f.channels.at(Transport::net_ib) == 2);
  CHECK(f.net_channels_gdr == 2);
  CHECK(f.channels.at(Transport::p2p) == 1);
  CHECK(f.nvls_channels == 8);
  CHECK(f.init_start == 1);
  CHECK(f.init_complete == 1);
  CHECK(f.init_seconds == Approx(1.08));
  CHECK(f.dmabuf);

  f = parse_nccl_log(fixture("socket-fallback.log"));
  CHECK(f.version == "2.19.3");  // the bare pre-2.23 line
  CHECK(f.network == "Socket");
  CHECK(f.ib_no_device);
  CHECK(f.socket_interfaces == std::vector<std::string>{"eno1", "veth2ea2288", "vethae2223a"});
  CHECK(f.channels.at(Transport::net_socket) == 2);

  f = parse_nccl_log(fixture("ib-disabled.log"));
  CHECK(f.env.at("NCCL_IB_DISABLE") == "1");  // "to 1." as NCCL prints integers
  CHECK(f.env.at("NCCL_SOCKET_IFNAME") == "bond0");
  f = parse_nccl_log(fixture("memlock.log"));
  CHECK(f.env.at("NCCL_IB_HCA") == "mlx5_2:1,mlx5_0:1");

  CHECK(classify_transport("NET/IB/3/GDRDMA") == Transport::net_ib);
  CHECK(classify_transport("NET/IBext_v8/2") == Transport::net_plugin);
  CHECK(classify_transport("NET/Socket/0") == Transport::net_socket);
  CHECK(classify_transport("P2P/CUMEM/read") == Transport::p2p);
  CHECK(classify_transport("SHM/direct/direct") == Transport::shm);
  CHECK(classify_transport("direct shared memory") == Transport::shm);
}

TEST_CASE("nccl-tests output: new and old tables, footers", "[nccl]") {
  auto t = parse_nccl_tests(fixture("ib-gdr-healthy.log"));
  REQUIRE(t);
  CHECK(t->program == "all_reduce_perf");
  CHECK(t->threads == 1);
  CHECK(t->gpus_per_thread == 1);
  CHECK(t->ranks == 2);
  REQUIRE(t->rows.size() == 4);
  CHECK(t->rows[3].size == 8589934592.0);
  CHECK(t->rows[3].oop_busbw == Approx(88.16));
  CHECK(t->rows[3].ip_busbw == Approx(88.18));
  CHECK(t->rows[3].oop_wrong == "0");
  CHECK(t->avg_busbw == Approx(87.7937));
  CHECK(t->out_of_bounds == 0);
  CHECK_FALSE(t->failed_marker);

  t = parse_nccl_tests(fixture("old-format-tests.txt"));
  REQUIRE(t);
  CHECK(t->old_format);
  REQUIRE(t->rows.size() == 2);
  CHECK(t->rows[0].ip_wrong == "4e-07");
  CHECK(t->gpus_per_thread == 8);

  t = parse_nccl_tests(fixture("wrong-results.txt"));
  REQUIRE(t);
  CHECK(t->rows[0].ip_wrong == "12");
  CHECK(t->out_of_bounds == 12);
  CHECK(t->failed_marker);

  CHECK_FALSE(parse_nccl_tests(fixture("socket-fallback.log")));
}

TEST_CASE("nccl-check verdicts on whole logs", "[nccl]") {
  struct Case {
    const char* file;
    const char* id;
    CheckStatus status;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"socket-fallback.log", "network", CheckStatus::fail,
       "NCCL used NET/Socket (TCP): no RDMA device visible in the pod"},
      {"ibverbs-missing.log", "network", CheckStatus::fail, "the image lacks rdma-core"},
      {"ib-disabled.log", "network", CheckStatus::fail, "NCCL_IB_DISABLE=1 is set"},
      {"ib-disabled.log", "env", CheckStatus::warn, "NCCL_IB_DISABLE=1"},
      {"roce-no-gdr.log", "network", CheckStatus::pass, "NET/IB on mlx5_0..1 (RoCE)"},
      {"roce-no-gdr.log", "gdr", CheckStatus::fail, "3 of 3 NET channels without /GDRDMA"},
      {"ib-gdr-healthy.log", "network", CheckStatus::pass, "NET/IB on mlx5_0..7"},
      {"ib-gdr-healthy.log", "gdr", CheckStatus::pass, "GPUDirect RDMA on all 2 NET channels"},
      {"ib-gdr-healthy.log", "init", CheckStatus::pass, "the slowest in 1.08 s"},
      {"ib-gdr-healthy.log", "correctness", CheckStatus::pass, "all_reduce_perf: no wrong"},
      {"ib-gdr-healthy.log", "busbw", CheckStatus::info, "busbw 88.2 GB/s at 8 GiB"},
      {"shm-too-small.log", "shm", CheckStatus::fail, "/dev/shm is too small"},
      {"shm-too-small.log", "errors", CheckStatus::fail, "NCCL error in:"},
      {"shm-too-small.log", "init", CheckStatus::fail, "never completed"},
      {"shm-timestamped.log", "shm", CheckStatus::fail, "nccl-WU88OE"},
      {"memlock.log", "memlock", CheckStatus::fail, "ibv_reg_mr_iova2"},
      {"ray-single-node.log", "network", CheckStatus::info, "one node"},
      {"wrong-results.txt", "correctness", CheckStatus::fail, "12 out-of-bounds values"},
      {"old-format-tests.txt", "correctness", CheckStatus::pass, "no wrong results"},
  };
  for (const auto& c : cases) {
    INFO(c.file << " " << c.id);
    const NcclReport r = check(fixture(c.file));
    const CheckResult* got = find(r, c.id);
    REQUIRE(got != nullptr);
    CHECK(got->status == c.status);
    CHECK_THAT(got->message, Catch::Contains(c.says));
    if (c.status == CheckStatus::fail) {
      CHECK_FALSE(got->fix.empty());
      CHECK(r.failed());
      CHECK(r.summary.rfind("FAIL: ", 0) == 0);
    }
  }
  const NcclReport healthy = check(fixture("ib-gdr-healthy.log"), 80.0);
  CHECK_FALSE(healthy.failed());
  CHECK(healthy.summary ==
        "OK: NET/IB on mlx5_0..7 with GDRDMA, busbw 88.2 GB/s at 8 GiB (average over the sweep "
        "87.8 GB/s), at least 80.0 GB/s");
  const NcclReport slow = check(fixture("ib-gdr-healthy.log"), 150.0);
  CHECK(slow.failed());
  CHECK(find(slow, "busbw")->status == CheckStatus::fail);
  const NcclReport socket = check(fixture("socket-fallback.log"));
  CHECK(socket.summary.rfind("FAIL: NCCL used NET/Socket (TCP): no RDMA device visible in the "
                             "pod (line 4: \"NET/IB : No device found.\"); request the RDMA",
                             0) == 0);
  CHECK(find(socket, "gdr") == nullptr);  // not a GDR problem: no RDMA at all
  // The second shm warning is the same cause: no separate "warnings" check.
  CHECK(find(check(fixture("shm-too-small.log")), "warnings") == nullptr);
  const NcclReport empty = check("hello\nworld\n");
  CHECK(find(empty, "nccl-log")->status == CheckStatus::fail);
}

// Issue 12, item 20: a communicator that was never made is not "OK with
// warnings". The lines are in the forms of logs published in NCCL's issue
// threads (a duplicate GPU, a missing network plugin), host names made up.
TEST_CASE("nccl-check: a failed init fails, naming the warning before the traces", "[nccl]") {
  const std::string duplicate_gpu =
      "node-0:212:212 [1] NCCL INFO NCCL version 2.21.5+cuda12.4\n"
      "node-0:212:212 [1] NCCL INFO Bootstrap : Using eth0:10.0.0.5<0>\n"
      "node-0:212:212 [1] init.cc:871 NCCL WARN Duplicate GPU detected : rank 1 and rank 0 both "
      "on CUDA device 1a000\n"
      "node-0:212:212 [1] NCCL INFO init.cc:1501 -> 5\n"
      "node-0:212:212 [1] NCCL INFO init.cc:1746 -> 5\n"
      "node-0:212:212 [1] NCCL INFO init.cc:1784 -> 5\n";
  auto r = check(duplicate_gpu);
  REQUIRE(r.failed());
  const CheckResult* e = find(r, "errors");
  REQUIRE(e != nullptr);
  CHECK(e->status == CheckStatus::fail);
  CHECK(e->message.find("\"init.cc:1501 -> 5\" (ncclInvalidUsage), 3 traces") != std::string::npos);
  CHECK(e->message.find("the cause NCCL gave just before: line 3: \"Duplicate GPU detected") !=
        std::string::npos);
  CHECK(r.summary.rfind("FAIL: NCCL failed", 0) == 0);

  const std::string plugin =
      "node-0:7:7 [0] NCCL INFO NCCL version 2.23.4+cuda12.6\n"
      "node-0:7:7 [0] NCCL INFO NCCL_NET set by environment to AWS Libfabric\n"
      "node-0:7:7 [0] NCCL INFO NET/Plugin: Plugin load returned 2 : libnccl-net.so: cannot open "
      "shared object file: No such file or directory : when loading libnccl-net.so\n"
      "node-0:7:7 [0] NCCL INFO NET/Plugin: Using internal network plugin.\n"
      "node-0:7:7 [0] net.cc:621 NCCL WARN Error: network AWS Libfabric not found.\n"
      "node-0:7:7 [0] NCCL INFO init.cc:1401 -> 2\n";
  r = check(plugin);
  REQUIRE(r.failed());
  const CheckResult* p = find(r, "net-plugin");
  REQUIRE(p != nullptr);
  CHECK(p->message.find("NCCL_NET=AWS Libfabric asks for a network plugin that did not load "
                        "(line 3:") != std::string::npos);
  e = find(r, "errors");
  REQUIRE(e != nullptr);
  CHECK(e->message.find("the likely cause: the network plugin did not load") != std::string::npos);

  // A framework's error line, with no trace.
  r = check(
      "node-0:1:1 [0] NCCL INFO NCCL version 2.18.1+cuda12.1\n"
      "torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1275, "
      "unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.18.1\n");
  CHECK(r.failed());
  // No trace, no error: a warning stays a warning.
  r = check(
      "node-0:1:1 [0] NCCL INFO NCCL version 2.18.1+cuda12.1\n"
      "node-0:1:1 [0] misc/nvmlwrap.cc:183 NCCL WARN nvmlDeviceGetNvLinkRemoteDeviceType() "
      "failed: Not Supported\n");
  CHECK_FALSE(r.failed());
}

// Issue 12, item 21: tables and the version line behind wrappers' prefixes.
TEST_CASE("nccl-tests tables behind mpirun, Ray and kubectl prefixes", "[nccl]") {
  const std::string table =
      "#       size         count      type   redop    root     time   algbw   busbw #wrong     "
      "time   algbw   busbw #wrong\n"
      "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            "
      "(us)  (GB/s)  (GB/s)\n"
      "  4294967296    1073741824     float     sum      -1  23851  180.08  337.64      0  23790  "
      "180.54  338.51      0\n"
      "  8589934592    2147483648     float     sum      -1  47521  180.76  338.93      0  47480  "
      "180.92  339.22      0\n"
      "# Out of bounds values : 0 OK\n"
      "# Avg bus bandwidth    : 338.57 \n";
  for (const std::string prefix :
       {"[1,0]<stdout>:", "2026-11-26T10:00:00.123456789Z ",
        "(RayTrainWorker pid=4242, ip=10.0.0.7) ", "\x1b[36m(pid=4242)\x1b[0m ",
        "2026-11-26T10:00:00Z [1,0]<stdout>:"}) {
    INFO(prefix);
    std::string prefixed;
    std::istringstream in(table);
    for (std::string line; std::getline(in, line);) {
      prefixed += prefix + line + "\n";
    }
    auto t = parse_nccl_tests(prefixed);
    REQUIRE(t);
    CHECK(t->rows.size() == 2);
    REQUIRE(t->avg_busbw);
    CHECK(*t->avg_busbw == Approx(338.57));
    CHECK(t->out_of_bounds == 0L);
    auto f = parse_nccl_log(prefix + "NCCL version 2.21.5+cuda12.4\n");
    CHECK(f.version == "2.21.5");
    CHECK(f.cuda == "12.4");
  }
}

TEST_CASE("nccl-check: device ranges and the JSON report", "[nccl]") {
  CHECK(name_range({"mlx5_0", "mlx5_1", "mlx5_2"}) == "mlx5_0..2");
  CHECK(name_range({"mlx5_0", "mlx5_2"}) == "mlx5_0,mlx5_2");
  CHECK(name_range({"ibp0", "mlx5_1"}) == "ibp0,mlx5_1");
  CHECK(name_range({"rxe0"}) == "rxe0");
  const Json j = to_json(check(fixture("memlock.log")));
  CHECK(j["ok"] == false);
  bool found = false;
  for (const auto& c : j["checks"]) {
    if (c["id"] == "memlock") {
      found = true;
      CHECK(c["status"] == "fail");
      CHECK(c["line"] == 5);
      CHECK(c.contains("fix"));
    }
  }
  CHECK(found);
}

TEST_CASE("nccl-check --spec: a group's Pod template, by the lints' rules", "[nccl]") {
  const Json base = Json::parse(R"({
    "apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": {"name": "train"},
    "spec": {"rayClusterSpec": {
      "headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head", "image": "r"}]}}},
      "workerGroupSpecs": [{"groupName": "gpu", "template": {"spec": {
        "containers": [{"name": "ray-worker", "image": "r",
          "resources": {"limits": {"nvidia.com/gpu": 8, "rdma/rdma_shared_device_a": 1},
                        "requests": {"nvidia.com/gpu": 8, "rdma/rdma_shared_device_a": 1}},
          "securityContext": {"capabilities": {"add": ["IPC_LOCK"]}},
          "env": [{"name": "NCCL_IB_HCA", "value": "=mlx5_0,mlx5_1"}],
          "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}]}],
        "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}]}}}]}}})");
  auto run = [](const Json& m, const std::string& group = "gpu") {
    NcclReport r;
    auto done = evaluate_group(m, group, "job.yaml", r);
    REQUIRE(done);
    summarize(r);
    return r;
  };
  const NcclReport ok = run(base);
  CHECK_FALSE(ok.failed());
  CHECK(ok.summary == "OK: worker group gpu: 8 GPUs, requests rdma/rdma_shared_device_a: 1");
  CHECK(find(ok, "shm")->message == "/dev/shm: a memory-backed emptyDir of 16Gi");

  Json m = base;
  Json& c = m["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0];
  c["securityContext"] = Json::object();
  CHECK(find(run(m), "ipc-lock")->status == CheckStatus::fail);
  m = base;
  m["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["volumes"][0]["emptyDir"]
   ["sizeLimit"] = "64Mi";
  CHECK_THAT(find(run(m), "shm")->message, Catch::Contains("of 64Mi: too small"));
  m = base;
  m["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
   ["resources"] = Json::object();
  NcclReport none = run(m);
  CHECK(find(none, "rdma-resource")->status == CheckStatus::fail);
  CHECK(find(none, "gpus")->status == CheckStatus::fail);
  m = base;
  m["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["env"] =
      Json::parse(R"([{"name": "NCCL_IB_DISABLE", "value": "1"}])");
  NcclReport tcp = run(m);
  CHECK(find(tcp, "nccl-env")->status == CheckStatus::fail);
  CHECK_THAT(find(tcp, "nccl-env")->message, Catch::Contains("NCCL_IB_DISABLE=1 forces TCP"));
  m = base;
  m["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0].erase(
      "env");
  CHECK(find(run(m), "nccl-env")->status == CheckStatus::warn);  // as rdma-without-nccl-env
  // No /dev/shm of its own: the operator adds one (issue 12, item 25).
  m = base;
  {
    Json& pod = m["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"];
    pod.erase("volumes");
    pod["containers"][0].erase("volumeMounts");
  }
  CHECK(find(run(m), "shm")->status == CheckStatus::pass);
  CHECK_THAT(find(run(m), "shm")->message, Catch::Contains("the KubeRay operator adds"));
  // A RayService replica on one GPU needs no fabric; a RayJob's does
  // (issue 12, item 23). Without --group, the one GPU group is found.
  Json serve = base;
  serve["kind"] = "RayService";
  serve["spec"] = {{"rayClusterConfig", base["spec"]["rayClusterSpec"]}};
  Json& sc =
      serve["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0];
  sc["resources"] = {{"limits", {{"nvidia.com/gpu", 1}}}, {"requests", {{"nvidia.com/gpu", 1}}}};
  CHECK(find(run(serve), "rdma-resource")->status == CheckStatus::info);
  Json one_gpu_job = base;
  one_gpu_job["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
             ["resources"] = sc["resources"];
  CHECK(find(run(one_gpu_job), "rdma-resource")->status == CheckStatus::fail);
  CHECK(kray::core::only_gpu_group(base, "job.yaml") == std::string("gpu"));
  Json two = base;
  two["spec"]["rayClusterSpec"]["workerGroupSpecs"].push_back(
      base["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]);
  two["spec"]["rayClusterSpec"]["workerGroupSpecs"][1]["groupName"] = "gpu2";
  auto ambiguous = kray::core::only_gpu_group(two, "job.yaml");
  REQUIRE_FALSE(ambiguous);
  CHECK_THAT(ambiguous.error().message,
             Catch::Contains("several groups ask for GPUs") && Catch::Contains("gpu, gpu2"));

  NcclReport r;
  auto missing = evaluate_group(base, "cpu", "job.yaml", r);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "job.yaml: train has no group \"cpu\" (its groups: head, gpu)");
  Json selector = Json::parse(
      R"({"kind": "RayJob", "metadata": {"name": "j"}, "spec": {"clusterSelector": {"a": "b"}}})");
  auto elsewhere = evaluate_group(selector, "gpu", "job.yaml", r);
  REQUIRE_FALSE(elsewhere);
  CHECK_THAT(elsewhere.error().message, Catch::Contains("clusterSelector"));
}

TEST_CASE("link rates as sysfs prints them", "[nccl]") {
  auto r = parse_link_rate("400 Gb/sec (4X NDR)");
  REQUIRE(r);
  CHECK(r->gbps == 400);
  CHECK(r->label == "NDR 400G");
  r = parse_link_rate("100 Gb/sec (4X EDR)");
  REQUIRE(r);
  CHECK(r->label == "EDR 100G");
  r = parse_link_rate("25 Gb/sec (1X EDR)");
  REQUIRE(r);
  CHECK(r->gbps == 25);
  CHECK_FALSE(parse_link_rate(""));
  CHECK_FALSE(parse_link_rate("fast"));
}
