// SPDX-License-Identifier: Apache-2.0
// `nccl-check` on a node: fixture trees in memory (a healthy 8-GPU,
// 8 x NDR node, then one thing broken at a time) read through the same
// FileSystem seam as the real /dev, /sys and /proc.
#include <krayctl/app/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_node.hpp>

#include <krayctl/io/file_system.hpp>

#include "../../support/catch.hpp"
#include "../../support/fakes.hpp"
#include "../../support/temp_dir.hpp"

using kray::ErrorCode;
using kray::core::Json;

namespace {

struct Node {
  kray::test::FakeDeps d;
  const std::string root = "/node";

  void file(const std::string& path, const std::string& text = "") {
    d.fs.with_file(root + path, text);
  }
  void remove_under(const std::string& prefix) {
    for (auto it = d.fs.files.begin(); it != d.fs.files.end();) {
      it = it->first.rfind(root + prefix, 0) == 0 ? d.fs.files.erase(it) : std::next(it);
    }
  }
  void port(const std::string& dev,
            const std::string& state,
            const std::string& phys,
            const std::string& rate = "400 Gb/sec (4X NDR)",
            const std::string& layer = "InfiniBand") {
    const std::string p = "/sys/class/infiniband/" + dev + "/ports/1/";
    file(p + "state", state + "\n");
    file(p + "phys_state", phys + "\n");
    file(p + "rate", rate + "\n");
    file(p + "link_layer", layer + "\n");
  }

  // 8 H100s, `hcas` NDR HCAs with their uverbs, nvidia_peermem, a 16 GiB
  // /dev/shm, unlimited memlock with IPC_LOCK, eth0 and lo.
  explicit Node(int hcas = 8) {
    for (int i = 0; i < 8; ++i) {
      file("/dev/nvidia" + std::to_string(i));
      file("/proc/driver/nvidia/gpus/0000:" + std::to_string(18 + i) + ":00.0/information",
           "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 17\n");
    }
    file("/dev/nvidiactl");
    file("/proc/driver/nvidia/version",
         "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.90.07  Fri May 31 09:35:42 UTC "
         "2024\n");
    for (int i = 0; i < hcas; ++i) {
      port("mlx5_" + std::to_string(i), "4: ACTIVE", "5: LinkUp");
      file("/dev/infiniband/uverbs" + std::to_string(i));
    }
    file("/dev/infiniband/rdma_cm");
    file("/sys/module/nvidia_peermem/version", "550.90.07\n");
    file("/proc/mounts",
         "overlay / overlay rw,relatime 0 0\n"
         "tmpfs /dev/shm tmpfs rw,nosuid,nodev,size=16777216k,inode64 0 0\n");
    file("/proc/meminfo", "MemTotal:       2113336780 kB\n");
    file("/proc/self/limits",
         "Limit                     Soft Limit           Hard Limit           Units     \n"
         "Max locked memory         unlimited            unlimited            bytes     \n");
    file("/proc/self/status", "Name:\tkrayctl\nCapEff:\t00000000a80465fb\n");  // bit 14 set
    file("/sys/class/net/eth0/operstate", "up\n");
    file("/sys/class/net/lo/operstate", "unknown\n");
  }

  kray::core::NcclReport run(std::optional<int> gpus = std::nullopt) {
    d.console.out_text.clear();
    kray::app::NcclCheckOptions o;
    o.root = root;
    o.gpus = gpus;
    o.output = "json";
    auto r = kray::app::run_nccl_check(o, d.deps);
    const Json j = Json::parse(d.console.out_text);
    kray::core::NcclReport report;
    report.summary = j["summary"];
    for (const auto& c : j["checks"]) {
      const std::string s = c["status"];
      report.checks.push_back({c["id"],
                               s == "pass"   ? kray::core::CheckStatus::pass
                               : s == "info" ? kray::core::CheckStatus::info
                               : s == "warn" ? kray::core::CheckStatus::warn
                                             : kray::core::CheckStatus::fail,
                               c["message"], c.value("fix", ""), 0});
    }
    CHECK(static_cast<bool>(r) == !report.failed());
    if (!r) {
      CHECK(r.error().code == ErrorCode::check_failed);
    }
    return report;
  }
};

const kray::core::CheckResult& get(const kray::core::NcclReport& r, const std::string& id) {
  for (const auto& c : r.checks) {
    if (c.id == id) {
      return c;
    }
  }
  FAIL("no check " << id);
  throw std::logic_error("unreachable");
}

bool has(const kray::core::NcclReport& r, const std::string& id) {
  for (const auto& c : r.checks) {
    if (c.id == id) {
      return true;
    }
  }
  return false;
}

using kray::core::CheckStatus;

}  // namespace

TEST_CASE("nccl-check node: a healthy 8 x NDR node passes every check", "[nccl][node]") {
  Node n;
  const auto r = n.run(8);
  for (const auto& c : r.checks) {
    INFO(c.id << ": " << c.message);
    CHECK(c.status == CheckStatus::pass);
  }
  CHECK(r.summary ==
        "OK: 8 GPUs (NVIDIA H100 80GB HBM3), 8 ports ACTIVE, LinkUp, 400 Gb/sec (4X NDR), "
        "InfiniBand, GPUDirect RDMA via nvidia_peermem (/sys/module/nvidia_peermem/version)");
  CHECK(get(r, "rdma-devices").message == "8 RDMA devices (mlx5_0..7), 8 uverbs");
  CHECK(get(r, "shm").message == "/dev/shm is 16.0 GiB");
  CHECK(get(r, "memlock").message == "locked memory: unlimited");
}

TEST_CASE("nccl-check node: one fault at a time", "[nccl][node]") {
  SECTION("RoCE") {
    Node n(2);
    n.port("mlx5_0", "4: ACTIVE", "5: LinkUp", "200 Gb/sec (4X HDR)", "Ethernet");
    n.port("mlx5_1", "4: ACTIVE", "5: LinkUp", "200 Gb/sec (4X HDR)", "Ethernet");
    const auto r = n.run();
    CHECK(get(r, "rdma-ports").message == "2 ports ACTIVE, LinkUp, 200 Gb/sec (4X HDR), RoCE");
    CHECK_FALSE(r.failed());
  }
  SECTION("no RDMA device in the pod") {
    Node n;
    n.remove_under("/sys/class/infiniband");
    n.remove_under("/dev/infiniband");
    const auto r = n.run();
    CHECK(get(r, "rdma-devices").status == CheckStatus::fail);
    CHECK_THAT(get(r, "rdma-devices").fix, Catch::Contains("IPC_LOCK"));
    CHECK_FALSE(has(r, "gdr-support"));  // nothing to say without a device
    CHECK_FALSE(has(r, "memlock"));
  }
  SECTION("devices on the node, none mounted") {
    Node n;
    n.remove_under("/dev/infiniband");
    const auto r = n.run();
    CHECK_THAT(get(r, "rdma-devices").message,
               Catch::Contains("none is mounted into the pod (no /dev/infiniband/uverbs*)"));
  }
  SECTION("a port down, unless NCCL_IB_HCA leaves it out") {
    Node n;
    n.port("mlx5_3", "1: DOWN", "3: Disabled");
    auto r = n.run();
    CHECK(get(r, "rdma-ports").status == CheckStatus::fail);
    CHECK_THAT(get(r, "rdma-ports").message,
               Catch::Contains("mlx5_3 port 1 is 1: DOWN (3: Disabled)"));
    n.d.env.vars["NCCL_IB_HCA"] = "^=mlx5_3";
    r = n.run();
    CHECK(get(r, "rdma-ports").status == CheckStatus::pass);
    CHECK_THAT(get(r, "rdma-ports").message, Catch::StartsWith("7 ports ACTIVE"));
  }
  SECTION("a port still polling, one at a lower rate") {
    Node n(2);
    n.port("mlx5_1", "2: INIT", "2: Polling");
    CHECK_THAT(get(n.run(), "rdma-ports").message,
               Catch::Contains("mlx5_1 port 1 is 2: INIT (2: Polling)"));
    n.port("mlx5_1", "4: ACTIVE", "5: LinkUp", "200 Gb/sec (4X HDR)");
    const auto r = n.run();
    CHECK(get(r, "rdma-ports").status == CheckStatus::warn);
    CHECK_THAT(get(r, "rdma-ports").message, Catch::Contains("mlx5_1 at 200 Gb/sec (4X HDR)"));
  }
  SECTION("no peermem: a failure, unless the open kernel module allows DMA-BUF") {
    Node n;
    n.remove_under("/sys/module/nvidia_peermem");
    auto r = n.run();
    CHECK(get(r, "gdr-support").status == CheckStatus::fail);
    n.file("/proc/modules", "nvidia_peermem 16384 0 - Live 0x0000000000000000\nnvidia 1 2\n");
    CHECK(get(n.run(), "gdr-support").message ==
          "GPUDirect RDMA via nvidia_peermem (/proc/modules)");
    n.file("/proc/modules", "nvidia 1 2\n");
    n.file("/proc/driver/nvidia/version",
           "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.90.07  Release Build\n");
    r = n.run();
    CHECK(get(r, "gdr-support").status == CheckStatus::pass);
    CHECK_THAT(get(r, "gdr-support").message, Catch::Contains("DMA-BUF"));
  }
  SECTION("a 64 MiB /dev/shm") {
    Node n;
    n.file("/proc/mounts", "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n");
    const auto r = n.run();
    CHECK(get(r, "shm").status == CheckStatus::fail);
    CHECK_THAT(get(r, "shm").message, Catch::StartsWith("/dev/shm is 64 MiB"));
    CHECK_THAT(get(r, "shm").fix, Catch::Contains("emptyDir {medium: Memory"));
  }
  SECTION("memlock limited, without IPC_LOCK") {
    Node n;
    n.file("/proc/self/limits",
           "Max locked memory         8388608              8388608              bytes\n");
    n.file("/proc/self/status", "CapEff:\t00000000a80425fb\n");  // bit 14 clear
    const auto r = n.run();
    CHECK(get(r, "memlock").status == CheckStatus::fail);
    CHECK_THAT(get(r, "memlock").message,
               Catch::StartsWith(
                   "locked memory is limited to 8 MiB and IPC_LOCK is not effective (CapEff)"));
  }
  // Issue 12, item 24a: judged as the kernel judges, lists read as NCCL reads them.
  SECTION("memlock limited, with IPC_LOCK effective: the kernel ignores the limit") {
    Node n;
    for (const char* limit : {"8388608", "65536"}) {
      n.file("/proc/self/limits", std::string("Max locked memory         ") + limit +
                                      "              " + limit + "              bytes\n");
      const auto r = n.run();
      INFO(limit);
      CHECK(get(r, "memlock").status == CheckStatus::pass);
      CHECK_THAT(get(r, "memlock").message, Catch::Contains("but IPC_LOCK is effective"));
      CHECK_THAT(get(r, "memlock").message, !Catch::Contains("add the IPC_LOCK"));
    }
  }
  SECTION("an exclusion list naming what is absent is harmless") {
    Node n;
    n.d.env.vars["NCCL_IB_HCA"] = "^mlx5_8,mlx5_9";
    n.d.env.vars["NCCL_SOCKET_IFNAME"] = "^docker0,lo";
    const auto r = n.run();
    CHECK(get(r, "nccl-env").status == CheckStatus::pass);
  }
  SECTION("spaces after commas are kept, as NCCL keeps them") {
    Node n;
    n.d.env.vars["NCCL_IB_HCA"] = "=mlx5_0, mlx5_1, mlx5_2";
    const auto r = n.run();
    CHECK(get(r, "nccl-env").status == CheckStatus::fail);
    CHECK_THAT(get(r, "nccl-env").message,
               Catch::Contains("NCCL_IB_HCA names ' mlx5_1', which matches nothing here") &&
                   Catch::Contains("NCCL keeps the spaces"));
    CHECK_THAT(get(r, "rdma-ports").message, Catch::StartsWith("1 port ACTIVE"));
  }
  SECTION("a port qualifier selects that port alone") {
    Node n(1);
    const std::string p = "/sys/class/infiniband/mlx5_0/ports/2/";
    n.file(p + "state", "1: DOWN\n");
    n.file(p + "phys_state", "2: Polling\n");
    n.file(p + "rate", "400 Gb/sec (4X NDR)\n");
    n.file(p + "link_layer", "InfiniBand\n");
    CHECK(get(n.run(), "rdma-ports").status == CheckStatus::fail);  // both ports used
    n.d.env.vars["NCCL_IB_HCA"] = "mlx5_0:1";
    CHECK(get(n.run(), "rdma-ports").status == CheckStatus::pass);
  }
  SECTION("CUDA_VISIBLE_DEVICES set empty hides every GPU; an empty rate is said") {
    Node n(1);
    n.d.env.vars["CUDA_VISIBLE_DEVICES"] = "";
    n.port("mlx5_0", "4: ACTIVE", "5: LinkUp", "");
    const auto r = n.run();
    CHECK(get(r, "cuda-visible").status == CheckStatus::fail);
    CHECK_THAT(get(r, "rdma-ports").message, Catch::Contains("an unknown rate (empty rate file)"));
  }
  SECTION("fewer GPUs than requested") {
    Node n;
    n.remove_under("/dev/nvidia7");
    const auto r = n.run(8);
    CHECK(get(r, "gpus").status == CheckStatus::fail);
    CHECK_THAT(get(r, "gpus").message, Catch::StartsWith("7 GPUs visible, 8 requested"));
    CHECK(get(n.run(), "gpus").status == CheckStatus::pass);  // nothing requested: 7 is fine
  }
  SECTION("NCCL_IB_HCA naming a device or port that is not there") {
    Node n;
    n.d.env.vars["NCCL_IB_HCA"] = "mlx5_9";
    auto r = n.run();
    CHECK(get(r, "nccl-env").status == CheckStatus::fail);
    CHECK_THAT(get(r, "nccl-env").message,
               Catch::Contains("NCCL_IB_HCA names mlx5_9, which matches nothing here (mlx5_0..7)"));
    n.d.env.vars["NCCL_IB_HCA"] = "=mlx5_0:2";
    CHECK_THAT(get(n.run(), "nccl-env").message,
               Catch::Contains("asks for mlx5_0 port 2, which it does not have"));
    n.d.env.vars["NCCL_IB_HCA"] = "^mlx5";
    CHECK_THAT(get(n.run(), "nccl-env").message, Catch::Contains("leaves no device to use"));
  }
  SECTION("the prefix pitfall: mlx5_1 also selects mlx5_10 and mlx5_11") {
    Node n(12);
    n.d.env.vars["NCCL_IB_HCA"] = "mlx5_1";
    auto r = n.run();
    CHECK(get(r, "nccl-env").status == CheckStatus::warn);
    CHECK_THAT(get(r, "nccl-env").message,
               Catch::Contains("mlx5_1 also selects mlx5_10, mlx5_11 (NCCL compares prefixes)"));
    CHECK_THAT(get(r, "rdma-ports").message, Catch::StartsWith("3 ports ACTIVE"));
    n.d.env.vars["NCCL_IB_HCA"] = "=mlx5_1";
    r = n.run();
    CHECK(get(r, "nccl-env").status == CheckStatus::pass);
    CHECK_THAT(get(r, "rdma-ports").message, Catch::StartsWith("1 port ACTIVE"));
  }
  SECTION("sockets forced, GDR turned off, an interface that is not there") {
    Node n;
    n.d.env.vars["NCCL_IB_DISABLE"] = "1";
    n.d.env.vars["NCCL_NET_GDR_LEVEL"] = "LOC";
    n.d.env.vars["NCCL_SOCKET_IFNAME"] = "=eth1";
    const auto r = n.run();
    const auto& env = get(r, "nccl-env");
    CHECK(env.status == CheckStatus::fail);
    CHECK_THAT(env.message, Catch::Contains("NCCL_IB_DISABLE=1 forces TCP sockets"));
    CHECK_THAT(env.message, Catch::Contains("NCCL_NET_GDR_LEVEL=LOC turns GPUDirect RDMA off"));
    CHECK_THAT(
        env.message,
        Catch::Contains("NCCL_SOCKET_IFNAME names eth1, which matches nothing here (eth0,lo)"));
  }
  SECTION("CUDA_VISIBLE_DEVICES narrowing what CUDA sees") {
    Node n;
    n.d.env.vars["CUDA_VISIBLE_DEVICES"] = "0,1";
    n.d.env.vars["NVIDIA_VISIBLE_DEVICES"] = "void";  // CDI: normal, not counted
    const auto r = n.run(8);
    CHECK(get(r, "gpus").status == CheckStatus::pass);
    CHECK(get(r, "cuda-visible").message ==
          "CUDA_VISIBLE_DEVICES=0,1: CUDA sees 2 of the 8 GPUs in the pod");
    CHECK_FALSE(r.failed());
  }
  SECTION("no GPU at all") {
    Node n;
    n.remove_under("/dev/nvidia");
    CHECK(get(n.run(), "gpus").status == CheckStatus::fail);
  }
}

TEST_CASE("nccl-check --save goes with --run or --cluster only", "[nccl][node]") {
  Node n;
  kray::app::NcclCheckOptions o;
  o.root = n.root;
  o.save = "/out/x.log";
  auto r = kray::app::run_nccl_check(o, n.d.deps);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::usage);
  CHECK(n.d.fs.files.count("/out/x.log") == 0);
}

TEST_CASE("NCCL_IB_HCA syntax: ^, =, :port, prefixes", "[nccl][node]") {
  using kray::core::filter_select;
  using kray::core::parse_device_filter;
  const std::vector<std::string> hcas = {"mlx5_0", "mlx5_1", "mlx5_10", "mlx5_2"};
  auto f = parse_device_filter("^=mlx5_1,mlx5_2");
  CHECK(f.exclude);
  CHECK(f.exact);
  REQUIRE(f.entries.size() == 2);
  CHECK(filter_select(f, hcas) == std::vector<std::string>{"mlx5_0", "mlx5_10"});
  f = parse_device_filter("mlx5_1:1,mlx5_2:1");
  CHECK_FALSE(f.exclude);
  CHECK(f.entries[0].port == 1);
  CHECK(filter_select(f, hcas) == std::vector<std::string>{"mlx5_1", "mlx5_10", "mlx5_2"});
  // NCCL's parseStringList keeps the space after a comma: " mlx5_2" names nothing.
  f = parse_device_filter("mlx5_1:1, mlx5_2:1");
  CHECK(f.entries[1].name == " mlx5_2");
  CHECK(filter_select(f, hcas) == std::vector<std::string>{"mlx5_1", "mlx5_10"});
  CHECK(filter_select(parse_device_filter("^mlx5_1"), hcas) ==
        std::vector<std::string>{"mlx5_0", "mlx5_2"});
  CHECK(filter_select(parse_device_filter("mlx5"), hcas) == hcas);
}

TEST_CASE("nccl-check --run: all_reduce_perf through the NICs, judged with the node",
          "[nccl][node]") {
  Node n(2);
  const std::string out = kray::test::read_source_file("tests/data/nccl/through-nic.log");
  n.d.processes.answers["/opt/nccl-tests/all_reduce_perf"] = {{0, out}};
  kray::app::NcclCheckOptions o;
  o.root = n.root;
  o.run = true;
  o.gpus = 2;
  o.nccl_tests = "/opt/nccl-tests/all_reduce_perf";
  o.save = "/out/run.log";
  REQUIRE(kray::app::run_nccl_check(o, n.d.deps));
  CHECK(n.d.fs.files.at("/out/run.log") == out);  // the artifact, as it came
  o.save.clear();
  REQUIRE(n.d.processes.calls.size() == 1);
  const auto& call = n.d.processes.calls[0];
  CHECK(call.args == std::vector<std::string>{"-b", "1G", "-e", "8G", "-f", "2", "-g", "2"});
  auto has_env = [&call](const std::string& k, const std::string& v) {
    return std::find(call.env.begin(), call.env.end(), std::make_pair(k, v)) != call.env.end();
  };
  CHECK(has_env("NCCL_DEBUG", "INFO"));
  CHECK(has_env("NCCL_DEBUG_SUBSYS", "INIT,NET,ENV"));
  CHECK(has_env("NCCL_P2P_DISABLE", "1"));
  CHECK(has_env("NCCL_SHM_DISABLE", "1"));
  const std::string text = n.d.console.out_text;
  CHECK_THAT(text, Catch::Contains(
                       "OK: NET/IB on mlx5_0..1 with GDRDMA, busbw 47.1 GB/s at 8 GiB, 94% of one "
                       "NDR 400G link (50.0 GB/s)"));
  CHECK_THAT(text, Catch::Contains("PASS  expected-busbw"));
  // The variables krayctl set are not reported as the user's leftovers.
  CHECK_THAT(text, !Catch::Contains("WARN  env"));
  CHECK_THAT(n.d.console.err_text, Catch::Contains("running: NCCL_DEBUG=INFO"));

  SECTION("a slow link fails the expectation") {
    n.port("mlx5_0", "4: ACTIVE", "5: LinkUp", "800 Gb/sec (4X XDR)");
    n.port("mlx5_1", "4: ACTIVE", "5: LinkUp", "800 Gb/sec (4X XDR)");
    n.d.processes.answers["/opt/nccl-tests/all_reduce_perf"] = {{0, out}};
    n.d.console.out_text.clear();
    auto r = kray::app::run_nccl_check(o, n.d.deps);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::check_failed);
    CHECK_THAT(n.d.console.out_text, Catch::Contains("47% of one XDR 800G link (100.0 GB/s)"));
    CHECK_THAT(n.d.console.out_text, Catch::Contains("FAIL  expected-busbw"));
  }
  SECTION("--intra-node leaves P2P on; the NICs unused is said") {
    o.intra_node = true;
    n.d.processes.answers["/opt/nccl-tests/all_reduce_perf"] = {
        {0, kray::test::read_source_file("tests/data/nccl/ray-single-node.log") +
                "  8589934592    2147483648     float     sum      -1   30000  286.3  501.0      0"
                "   30000  286.3  501.0      0\n"}};
    n.d.console.out_text.clear();
    REQUIRE(kray::app::run_nccl_check(o, n.d.deps));
    CHECK(n.d.processes.calls.back().env.size() == 2);
    CHECK_THAT(n.d.console.out_text, Catch::Contains("the NICs were not used"));
  }
  SECTION("a run that fails, or cannot start") {
    n.d.processes.answers["/opt/nccl-tests/all_reduce_perf"] = {
        {1, kray::test::read_source_file("tests/data/nccl/socket-fallback.log")}};
    n.d.console.out_text.clear();
    REQUIRE_FALSE(kray::app::run_nccl_check(o, n.d.deps));
    CHECK_THAT(n.d.console.out_text, Catch::Contains("FAIL  run"));
    CHECK_THAT(n.d.console.out_text, Catch::Contains("exited with code 1"));
    CHECK_THAT(n.d.console.out_text, Catch::Contains("FAIL  network"));
    o.nccl_tests = "/nowhere/all_reduce_perf";
    auto missing = kray::app::run_nccl_check(o, n.d.deps);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::usage);
    CHECK_THAT(missing.error().message, Catch::Contains("build nccl-tests"));
  }
}

TEST_CASE("nccl-check --root: links that leave the root are not followed", "[nccl][node]") {
  // Issue 14, finding 11: a tree whose /sys/class/infiniband led to /etc
  // listed /etc's files (shadow) as RDMA devices.
  kray::test::TempDir dir;
  const std::string root = dir / "node";
  dir.write("node/sys/devices/pci0/net/eth0/operstate", "up\n");
  dir.link("node/sys/class/net/eth0", "../../devices/pci0/net/eth0");  // as the real /sys does
  dir.link("node/sys/class/infiniband", "/etc");
  dir.link("node/proc", "../../../../../../../../proc");
  kray::io::RealFileSystem fs;
  kray::test::FakeConsole console;
  kray::test::FakeEnvironment env;
  kray::test::FakeProcessRunner processes;
  kray::io::FakeClock clock;
  const kray::app::Deps deps{fs, console, env, processes, clock};
  kray::app::NcclCheckOptions o;
  o.root = root;
  o.output = "json";
  (void)kray::app::run_nccl_check(o, deps);
  const Json j = Json::parse(console.out_text);
  CHECK(j.dump().find("shadow") == std::string::npos);
  CHECK(j.dump().find("passwd") == std::string::npos);
  CHECK(console.err_text.find("Warning: --root: " + root +
                              "/sys/class/infiniband is a link to /etc, outside " + root +
                              ": not followed\n") != std::string::npos);
  CHECK(console.err_text.find(root + "/proc is a link to ../../../../../../../../proc") !=
        std::string::npos);
}
