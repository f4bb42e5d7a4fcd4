// SPDX-License-Identifier: Apache-2.0
// Node checks: sysfs values (Linux's drivers/infiniband/core/sysfs.c),
// GDR paths (NCCL's src/transport/net_ib/gdr.cc), /dev/shm, memlock; and
// the NCCL_IB_HCA and NCCL_SOCKET_IFNAME syntax (NCCL's env.html docs and
// src/misc/utils.cc matchIf: a prefix compare unless `=`).
#include <krayctl/core/nccl/nccl_node.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace kray::core {

namespace {

std::string size_text(long long b) {
  if (b >= (1LL << 30)) {
    return fmt::format("{:.1f} GiB", static_cast<double>(b) / (1LL << 30));
  }
  return fmt::format("{} MiB", b / (1LL << 20));
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

std::string env_of(const NodeFacts& f, const char* name) {
  auto it = f.env.find(name);
  return it == f.env.end() ? std::string() : it->second;
}

void gpu_check(const NodeFacts& f, const NodeExpectations& e, NcclReport& r) {
  std::string models;
  std::set<std::string> distinct(f.gpu_models.begin(), f.gpu_models.end());
  if (!distinct.empty()) {
    models = " (" + join({distinct.begin(), distinct.end()}) + ")";
  }
  if (f.gpu_devices == 0) {
    r.checks.push_back({"gpus", CheckStatus::fail,
                        "no GPU visible in the pod (no /dev/nvidia0, /dev/nvidia1, ...)",
                        "request nvidia.com/gpu in the worker group's resources (limits), on a "
                        "node with the NVIDIA device plugin",
                        0});
  } else if (e.gpus && f.gpu_devices < *e.gpus) {
    r.checks.push_back({"gpus", CheckStatus::fail,
                        std::to_string(f.gpu_devices) + " GPUs visible, " +
                            std::to_string(*e.gpus) + " requested" + models,
                        "a GPU the device plugin allocated is not mounted: check the NVIDIA "
                        "container toolkit on the node",
                        0});
  } else {
    r.checks.push_back(
        {"gpus", CheckStatus::pass,
         std::to_string(f.gpu_devices) + " GPU" + (f.gpu_devices > 1 ? "s" : "") + models, "", 0});
  }
}

// CUDA_VISIBLE_DEVICES narrows what CUDA (and so NCCL) sees of the GPUs
// mounted; NVIDIA_VISIBLE_DEVICES is the runtime's and says nothing about
// the count ("void" is normal with the CDI strategies of NVIDIA's
// k8s-device-plugin, --device-list-strategy).
void visible_devices_check(const NodeFacts& f, NcclReport& r) {
  const auto set = f.env.find("CUDA_VISIBLE_DEVICES");
  if (set == f.env.end() || f.gpu_devices == 0) {
    return;
  }
  const std::string cuda = set->second;
  if (cuda.empty()) {
    // Ray sets it empty for actors that asked for no GPU.
    r.checks.push_back({"cuda-visible", CheckStatus::fail,
                        "CUDA_VISIBLE_DEVICES is set but empty: CUDA (and NCCL) sees none of the " +
                            std::to_string(f.gpu_devices) + " GPUs in the pod",
                        "in Ray, give the task or actor num_gpus; elsewhere unset it or list the "
                        "GPUs",
                        0});
    return;
  }
  const auto n = 1 + std::count(cuda.begin(), cuda.end(), ',');
  if (n < f.gpu_devices) {
    r.checks.push_back({"cuda-visible", CheckStatus::info,
                        "CUDA_VISIBLE_DEVICES=" + cuda + ": CUDA sees " + std::to_string(n) +
                            " of the " + std::to_string(f.gpu_devices) + " GPUs in the pod",
                        "", 0});
  }
}

// The devices NCCL would use: NCCL_IB_HCA applied.
std::vector<std::string> selected_devices(const NodeFacts& f) {
  const std::string hca = env_of(f, "NCCL_IB_HCA");
  return hca.empty() ? f.rdma_devices : filter_select(parse_device_filter(hca), f.rdma_devices);
}

// Whether NCCL would use `port` of a selected device: a selecting entry
// that names the device with a port (`mlx5_0:1`) takes that port alone.
bool port_selected(const NodeFacts& f, const RdmaPort& port) {
  const std::string hca = env_of(f, "NCCL_IB_HCA");
  if (hca.empty()) {
    return true;
  }
  const DeviceFilter filter = parse_device_filter(hca);
  if (filter.exclude) {
    for (const auto& e : filter.entries) {
      if (filter_matches(filter, e, port.device) && (e.port < 0 || e.port == port.port)) {
        return false;
      }
    }
    return true;
  }
  for (const auto& e : filter.entries) {
    if (filter_matches(filter, e, port.device) && (e.port < 0 || e.port == port.port)) {
      return true;
    }
  }
  return false;
}

void rdma_checks(const NodeFacts& f, NcclReport& r) {
  if (f.rdma_devices.empty()) {
    r.checks.push_back({"rdma-devices", CheckStatus::fail,
                        "no RDMA device in the pod (/sys/class/infiniband is empty or absent)",
                        rdma_fix(), 0});
    return;
  }
  if (f.uverbs == 0) {
    r.checks.push_back({"rdma-devices", CheckStatus::fail,
                        "RDMA devices exist on the node (" + name_range(f.rdma_devices) +
                            ") but none is mounted into the pod (no /dev/infiniband/uverbs*)",
                        rdma_fix(), 0});
  } else {
    r.checks.push_back({"rdma-devices", CheckStatus::pass,
                        std::to_string(f.rdma_devices.size()) + " RDMA device" +
                            (f.rdma_devices.size() > 1 ? "s" : "") + " (" +
                            name_range(f.rdma_devices) + "), " + std::to_string(f.uverbs) +
                            " uverbs",
                        "", 0});
  }
  const std::vector<std::string> used = selected_devices(f);
  std::vector<std::string> bad;
  std::map<std::string, std::vector<std::string>> by_rate;
  std::set<std::string> layers;
  int checked = 0;
  for (const auto& p : f.ports) {
    if (std::find(used.begin(), used.end(), p.device) == used.end() || !port_selected(f, p)) {
      continue;  // not one NCCL will use
    }
    ++checked;
    const std::string where = p.device + " port " + std::to_string(p.port);
    if (p.state != "4: ACTIVE") {
      bad.push_back(where + " is " + (p.state.empty() ? "in no known state" : p.state) +
                    (p.phys_state.empty() ? "" : " (" + p.phys_state + ")"));
    } else if (!p.phys_state.empty() && p.phys_state != "5: LinkUp") {
      bad.push_back(where + " link is " + p.phys_state);
    } else {
      by_rate[p.rate.empty() ? "an unknown rate (empty rate file)" : p.rate].push_back(p.device);
      layers.insert(p.link_layer);
    }
  }
  if (!bad.empty()) {
    r.checks.push_back({"rdma-ports", CheckStatus::fail,
                        join(bad, "; ") + " (healthy: 4: ACTIVE, 5: LinkUp)",
                        "an IB port stays INIT until the subnet manager configures it; Polling "
                        "means no cable or no peer: check the cable, the switch port and the "
                        "subnet manager, or leave the device out with NCCL_IB_HCA",
                        0});
    return;
  }
  if (checked == 0) {
    r.checks.push_back({"rdma-ports", CheckStatus::info,
                        f.ports.empty() ? "skipped: no port under /sys/class/infiniband/*/ports"
                                        : "skipped: no port of the devices NCCL_IB_HCA selects",
                        "", 0});
    return;
  }
  std::string layer = layers.size() == 1 ? *layers.begin() : join({layers.begin(), layers.end()});
  if (layer == "Ethernet") {
    layer = "RoCE";
  }
  if (by_rate.size() > 1) {
    std::string rates;
    for (const auto& [rate, devices] : by_rate) {
      rates += (rates.empty() ? "" : "; ") + name_range(devices) + " at " + rate;
    }
    r.checks.push_back(
        {"rdma-ports", CheckStatus::warn,
         "ports run at different rates: " + rates + " (NCCL's rings go at the slowest link)",
         "a degraded link (fewer lanes, a lower speed) is a classic silent fault: "
         "check the cable and the switch port of the slower ones",
         0});
    return;
  }
  r.checks.push_back({"rdma-ports", CheckStatus::pass,
                      std::to_string(checked) + " port" + (checked > 1 ? "s" : "") +
                          " ACTIVE, LinkUp, " + by_rate.begin()->first + ", " + layer,
                      "", 0});
}

void gdr_check(const NodeFacts& f, NcclReport& r) {
  if (f.rdma_devices.empty()) {
    return;
  }
  if (!f.peermem.empty()) {
    r.checks.push_back(
        {"gdr-support", CheckStatus::pass, "GPUDirect RDMA via " + f.peermem, "", 0});
  } else if (f.open_kernel_module) {
    r.checks.push_back({"gdr-support", CheckStatus::pass,
                        "GPUDirect RDMA via DMA-BUF (the open GPU kernel module; no peermem "
                        "module needed)",
                        "", 0});
  } else {
    r.checks.push_back(
        {"gdr-support", CheckStatus::fail,
         "no GPUDirect RDMA: neither nvidia_peermem (or nv_peer_mem) is loaded nor the open GPU "
         "kernel module that DMA-BUF needs; NCCL will stage data through host memory",
         "load nvidia-peermem on the node (GPU Operator: driver.rdma.enabled=true), or use the "
         "open kernel module with CUDA >= 11.7 for DMA-BUF",
         0});
  }
}

void shm_check(const NodeFacts& f, NcclReport& r) {
  if (!f.shm_mounted) {
    r.checks.push_back({"shm", CheckStatus::warn,
                        "/dev/shm is not a mount of its own: NCCL's shared-memory segments go to "
                        "the container's file system",
                        "mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm", 0});
    return;
  }
  if (!f.shm_bytes) {
    r.checks.push_back({"shm", CheckStatus::pass,
                        "/dev/shm: tmpfs without a size limit (up to half the node's memory)", "",
                        0});
    return;
  }
  const long long b = *f.shm_bytes;
  const std::string fix =
      "mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm in the worker template "
      "(Kubernetes gives a pod 64 MiB); it counts against the pod's memory";
  if (b < 256LL << 20) {
    r.checks.push_back({"shm", CheckStatus::fail,
                        "/dev/shm is " + size_text(b) +
                            ": NCCL's segments (6-10 MiB each, many per GPU) will not fit",
                        fix, 0});
  } else if (b < 1LL << 30) {
    r.checks.push_back({"shm", CheckStatus::warn,
                        "/dev/shm is " + size_text(b) + " (1 GiB or more is usual for NCCL)", fix,
                        0});
  } else {
    r.checks.push_back({"shm", CheckStatus::pass, "/dev/shm is " + size_text(b), "", 0});
  }
}

// The kernel pins RDMA memory (ib_umem_get, drivers/infiniband/core/umem.c)
// against RLIMIT_MEMLOCK only when the process lacks CAP_IPC_LOCK: with the
// capability effective, the limit does not matter. Since Linux 5.16 the
// default limit is 8 MiB.
void memlock_check(const NodeFacts& f, NcclReport& r) {
  if (f.rdma_devices.empty()) {
    return;
  }
  if (!f.memlock_known) {
    r.checks.push_back({"memlock", CheckStatus::info,
                        "skipped: no \"Max locked memory\" in /proc/self/limits", "", 0});
    return;
  }
  if (!f.memlock_bytes) {
    r.checks.push_back({"memlock", CheckStatus::pass, "locked memory: unlimited", "", 0});
    return;
  }
  const long long b = *f.memlock_bytes;
  const std::string limit = b < (1LL << 20) ? std::to_string(b / 1024) + " KiB" : size_text(b);
  if (f.ipc_lock.value_or(false)) {
    r.checks.push_back({"memlock", CheckStatus::pass,
                        "locked memory is limited to " + limit +
                            ", but IPC_LOCK is effective: the kernel does not apply the limit "
                            "to RDMA registrations",
                        "", 0});
    return;
  }
  const std::string cap = f.ipc_lock ? "IPC_LOCK is not effective (CapEff)"
                                     : "IPC_LOCK could not be read (/proc/self/status)";
  const std::string fix =
      "add the IPC_LOCK capability to the container (it must be effective for the user NCCL "
      "runs as: root, or file or ambient capabilities), or raise the memlock ulimit to "
      "unlimited";
  if (b < 1LL << 30) {
    r.checks.push_back({"memlock", CheckStatus::fail,
                        "locked memory is limited to " + limit + " and " + cap +
                            ": RDMA registration of NCCL's buffers will fail (\"Cannot "
                            "allocate memory\")",
                        fix, 0});
  } else {
    r.checks.push_back({"memlock", CheckStatus::warn,
                        "locked memory is limited to " + limit + " and " + cap +
                            ": enough for a few communicators; NCCL's registrations grow with "
                            "channels and peers",
                        fix, 0});
  }
}

// One NCCL_IB_HCA or NCCL_SOCKET_IFNAME value against what is present.
void filter_check(const std::string& var,
                  const std::string& value,
                  const std::vector<std::string>& present,
                  const std::map<std::string, std::set<int>>& ports,
                  std::vector<std::string>& fails,
                  std::vector<std::string>& warns) {
  const DeviceFilter filter = parse_device_filter(value);
  const std::string have = present.empty() ? "none" : name_range(present);
  for (const auto& e : filter.entries) {
    std::vector<std::string> hits;
    for (const auto& n : present) {
      if (filter_matches(filter, e, n)) {
        hits.push_back(n);
      }
    }
    if (hits.empty()) {
      if (!filter.exclude) {  // excluding what is not there is harmless
        const bool spaced = e.name.find(' ') != std::string::npos;
        fails.push_back(
            var + " names " + (spaced ? "'" + e.name + "'" : e.name) +
            ", which matches nothing here (" + have + ")" +
            (spaced ? ": NCCL keeps the spaces around a comma as part of the name" : ""));
      }
      continue;
    }
    if (e.port >= 0) {
      for (const auto& h : hits) {
        auto it = ports.find(h);
        if (it != ports.end() && it->second.count(e.port) == 0) {
          fails.push_back(var + " asks for " + h + " port " + std::to_string(e.port) +
                          ", which it does not have");
        }
      }
    }
    if (!filter.exact) {
      std::vector<std::string> extra;
      for (const auto& h : hits) {
        if (h != e.name) {
          extra.push_back(h);
        }
      }
      if (!extra.empty() && std::find(hits.begin(), hits.end(), e.name) != hits.end()) {
        warns.push_back(var + "=" + value + ": " + e.name + " also selects " + join(extra) +
                        " (NCCL compares prefixes): write =" + e.name + " for that one only");
      }
    }
  }
  if (!present.empty() && filter_select(filter, present).empty()) {
    fails.push_back(var + "=" + value + " leaves no device to use (" + have + ")");
  }
}

}  // namespace

void nccl_env_checks(const std::map<std::string, std::string>& env,
                     const PresentDevices* present,
                     NcclReport& r,
                     bool report_pass) {
  auto get = [&env](const char* k) {
    auto it = env.find(k);
    return it == env.end() ? std::string() : it->second;
  };
  std::vector<std::string> fails;
  std::vector<std::string> warns;
  if (get("NCCL_IB_DISABLE") == "1") {
    fails.emplace_back("NCCL_IB_DISABLE=1 forces TCP sockets");
  }
  if (get("NCCL_NET") == "Socket") {
    fails.emplace_back("NCCL_NET=Socket forces TCP sockets");
  }
  const std::string gdr_level = get("NCCL_NET_GDR_LEVEL");
  if (gdr_level == "LOC" || gdr_level == "0") {
    fails.push_back("NCCL_NET_GDR_LEVEL=" + gdr_level + " turns GPUDirect RDMA off");
  }
  if (present != nullptr) {
    if (const std::string hca = get("NCCL_IB_HCA"); !hca.empty()) {
      filter_check("NCCL_IB_HCA", hca, present->rdma, present->ports, fails, warns);
    }
    if (const std::string ifname = get("NCCL_SOCKET_IFNAME"); !ifname.empty()) {
      filter_check("NCCL_SOCKET_IFNAME", ifname, present->interfaces, {}, fails, warns);
    }
  }
  std::vector<std::string> debug;
  for (const auto& [k, v] : env) {
    if (is_debug_variable(k) && k != "NCCL_IB_DISABLE" && k != "NCCL_NET") {
      debug.push_back(k + "=" + v);
    }
  }
  if (!debug.empty()) {
    warns.push_back("set: " + join(debug) +
                    " (workarounds by NCCL's docs: remove once the cause is fixed)");
  }
  if (!fails.empty()) {
    r.checks.push_back({"nccl-env", CheckStatus::fail, join(fails, "; "),
                        "fix or unset these variables in the worker group's env", 0});
  }
  if (!warns.empty()) {
    r.checks.push_back({"nccl-env", CheckStatus::warn, join(warns, "; "), "", 0});
  }
  if (fails.empty() && warns.empty() && report_pass) {
    std::vector<std::string> set;
    for (const auto& [k, v] : env) {
      if (k.rfind("NCCL_", 0) == 0) {
        set.push_back(k + "=" + v);
      }
    }
    r.checks.push_back({"nccl-env", CheckStatus::pass,
                        set.empty() ? "no NCCL_* overrides" : "NCCL settings: " + join(set), "",
                        0});
  }
}

DeviceFilter parse_device_filter(const std::string& value) {
  DeviceFilter f;
  std::string v = value;
  if (!v.empty() && v[0] == '^') {
    f.exclude = true;
    v.erase(0, 1);
  }
  if (!v.empty() && v[0] == '=') {
    f.exact = true;
    v.erase(0, 1);
  }
  std::size_t start = 0;
  while (start <= v.size()) {
    const auto comma = v.find(',', start);
    std::string item =
        v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? v.size() + 1 : comma + 1;
    // As NCCL's parseStringList (src/misc/utils.cc): the text between
    // commas as it is, spaces included, so "=a, b" names "a" and " b".
    if (item.empty()) {
      continue;
    }
    DeviceFilter::Entry e;
    const auto colon = item.find(':');
    e.name = item.substr(0, colon);
    if (colon != std::string::npos) {
      const std::string port = item.substr(colon + 1);
      if (!port.empty() && std::all_of(port.begin(), port.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
          })) {
        e.port = std::stoi(port);
      }
    }
    f.entries.push_back(e);
  }
  return f;
}

bool filter_matches(const DeviceFilter& filter,
                    const DeviceFilter::Entry& entry,
                    const std::string& name) {
  return filter.exact ? name == entry.name : name.rfind(entry.name, 0) == 0;
}

std::vector<std::string> filter_select(const DeviceFilter& filter,
                                       const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    bool hit = false;
    for (const auto& e : filter.entries) {
      hit = hit || filter_matches(filter, e, n);
    }
    if (hit != filter.exclude) {
      out.push_back(n);
    }
  }
  return out;
}

std::optional<LinkRate> parse_link_rate(const std::string& rate) {
  // "%d%s Gb/sec (%dX%s)" (drivers/infiniband/core/sysfs.c).
  const auto gb = rate.find(" Gb/sec");
  if (gb == std::string::npos || gb == 0) {
    return std::nullopt;
  }
  char* end = nullptr;
  const double gbps = std::strtod(rate.c_str(), &end);
  if (end == rate.c_str() || gbps <= 0) {
    return std::nullopt;
  }
  LinkRate r;
  r.gbps = gbps;
  std::string speed;
  const auto x = rate.find('X', gb);
  const auto close = rate.find(')', gb);
  if (x != std::string::npos && close != std::string::npos && x < close) {
    speed = rate.substr(x + 1, close - x - 1);
    speed.erase(0, speed.find_first_not_of(' '));
  }
  r.label = (speed.empty() ? "" : speed + " ") + fmt::format("{:g}G", gbps);
  return r;
}

void expected_busbw_check(const NodeFacts& node,
                          const NcclLogFacts& log,
                          const NcclTestsResult& tests,
                          NcclReport& r) {
  if (tests.rows.empty()) {
    return;
  }
  const NcclTestRow& big =
      *std::max_element(tests.rows.begin(), tests.rows.end(),
                        [](const auto& a, const auto& b) { return a.size < b.size; });
  const double busbw = std::max(big.oop_busbw, big.ip_busbw);
  auto count = [&log](Transport t) {
    auto it = log.channels.find(t);
    return it == log.channels.end() ? 0 : it->second;
  };
  const int rdma_channels = count(Transport::net_ib) + count(Transport::net_plugin);
  if (rdma_channels == 0) {
    r.checks.push_back({"expected-busbw", CheckStatus::info,
                        fmt::format("busbw {:.1f} GB/s, but the NICs were not used (P2P, SHM or "
                                    "NVLS within the node): it says nothing about RDMA",
                                    busbw),
                        "", 0});
    return;
  }
  // The slowest active port among the devices NCCL used.
  std::vector<std::string> used;
  for (const auto& d : log.ib_devices) {
    used.push_back(d.name);
  }
  std::optional<LinkRate> slowest;
  for (const auto& p : node.ports) {
    if (p.state != "4: ACTIVE" ||
        (!used.empty() && std::find(used.begin(), used.end(), p.device) == used.end())) {
      continue;
    }
    auto rate = parse_link_rate(p.rate);
    if (rate && (!slowest || rate->gbps < slowest->gbps)) {
      slowest = rate;
    }
  }
  if (!slowest) {
    r.checks.push_back({"expected-busbw", CheckStatus::info,
                        fmt::format("busbw {:.1f} GB/s; no link rate to compare with", busbw),
                        "give --min-busbw", 0});
    return;
  }
  const double line = slowest->gbps / 8;  // GB/s
  const double share = busbw / line;
  const std::string msg =
      fmt::format("busbw {:.1f} GB/s at {}, {:.0f}% of one {} link ({:.1f} GB/s)", busbw,
                  big.size >= 1073741824.0 ? fmt::format("{:g} GiB", big.size / 1073741824.0)
                                           : fmt::format("{:g} MiB", big.size / 1048576.0),
                  share * 100, slowest->label, line);
  const CheckStatus status = share >= 0.8   ? CheckStatus::pass
                             : share >= 0.6 ? CheckStatus::warn
                                            : CheckStatus::fail;
  r.checks.push_back(
      {"expected-busbw", status, msg,
       status == CheckStatus::pass
           ? ""
           : "healthy links give 92-96%: look for GPUDirect RDMA off, a degraded "
             "link, a GPU far from its NIC (nvidia-smi topo -m, NCCL_NET_GDR_LEVEL), "
             "or a congested fabric; sizes below 1 GiB also underrate",
       big.line});
}

void evaluate_node(const NodeFacts& facts, const NodeExpectations& expect, NcclReport& report) {
  gpu_check(facts, expect, report);
  visible_devices_check(facts, report);
  rdma_checks(facts, report);
  gdr_check(facts, report);
  shm_check(facts, report);
  memlock_check(facts, report);
  PresentDevices present;
  present.rdma = facts.rdma_devices;
  for (const auto& p : facts.ports) {
    present.ports[p.device].insert(p.port);
  }
  present.interfaces = facts.interfaces;
  nccl_env_checks(facts.env, &present, report);
}

}  // namespace kray::core
