// SPDX-License-Identifier: Apache-2.0
// The node as the pod sees it, read through io::FileSystem under a root
// ("/", or a fixture tree in tests): the RDMA sysfs files of Linux's
// drivers/infiniband/core/sysfs.c, the GPUDirect RDMA paths that NCCL's
// src/transport/net_ib/gdr.cc probes, and the NVIDIA driver's /proc files.
#include "nccl_node.hpp"

#include <krayctl/io/console.hpp>
#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <set>

namespace kray::app::detail {

namespace {

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

// mlx5_2 before mlx5_10: by name, numbers as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) != 0 &&
        std::isdigit(static_cast<unsigned char>(b[j])) != 0) {
      std::size_t ie = i;
      std::size_t je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie])) != 0) {
        ++ie;
      }
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je])) != 0) {
        ++je;
      }
      const std::string na = a.substr(i, ie - i);
      const std::string nb = b.substr(j, je - j);
      if (na.size() != nb.size()) {
        return na.size() < nb.size();
      }
      if (na != nb) {
        return na < nb;
      }
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) {
        return a[i] < b[j];
      }
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// tmpfs's size= option: bytes, or with k, m, g (binary).
std::optional<long long> tmpfs_size(const std::string& options) {
  std::size_t at = 0;
  while (at < options.size()) {
    const auto comma = options.find(',', at);
    const std::string opt =
        options.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? options.size() : comma + 1;
    if (opt.rfind("size=", 0) != 0) {
      continue;
    }
    std::string v = opt.substr(5);
    long long mult = 1;
    if (!v.empty() && std::isalpha(static_cast<unsigned char>(v.back())) != 0) {
      const char u = static_cast<char>(std::tolower(static_cast<unsigned char>(v.back())));
      mult = u == 'k' ? 1LL << 10 : u == 'm' ? 1LL << 20 : u == 'g' ? 1LL << 30 : 1;
      v.pop_back();
    }
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;  // a percentage: no fixed size
    }
    return std::atoll(v.c_str()) * mult;
  }
  return std::nullopt;
}

}  // namespace

core::NodeFacts probe_node(const Deps& deps, const std::string& root) {
  core::NodeFacts f;
  f.root = root;
  // Every path is resolved under the root, links followed only while they
  // stay inside it (real /sys links within itself: class/net/eth0 ->
  // ../../devices/...): a tree whose /sys/class/infiniband leads to /etc
  // must not list /etc's files as RDMA devices (issue 14, finding 11).
  std::set<std::string> refused;
  auto path = [&](const std::string& p) -> std::optional<std::string> {
    auto resolved = deps.fs.resolve_beneath(root, p);
    if (!resolved) {
      if (refused.insert(resolved.error().message).second) {
        deps.console.err("Warning: --root: " + resolved.error().message + "\n");
      }
      return std::nullopt;
    }
    return *resolved;
  };
  auto read = [&](const std::string& p) -> std::string {
    const auto at = path(p);
    auto text = at ? deps.fs.read_file(*at) : Result<std::string>(std::string());
    return text ? *text : std::string();
  };
  auto list = [&](const std::string& p) {
    const auto at = path(p);
    auto names = at ? deps.fs.list_dir(*at) : Result<std::vector<std::string>>();
    std::vector<std::string> out = names ? *names : std::vector<std::string>{};
    std::sort(out.begin(), out.end(), natural_less);
    return out;
  };
  auto exists = [&](const std::string& p) {
    const auto at = path(p);
    return at && deps.fs.exists(*at);
  };

  for (const auto& n : list("/dev")) {
    if (n.size() > 6 && n.rfind("nvidia", 0) == 0 &&
        n.find_first_not_of("0123456789", 6) == std::string::npos) {
      ++f.gpu_devices;
    }
  }
  for (const auto& gpu : list("/proc/driver/nvidia/gpus")) {
    const std::string info = read("/proc/driver/nvidia/gpus/" + gpu + "/information");
    const auto at = info.find("Model:");
    if (at != std::string::npos) {
      f.gpu_models.push_back(trimmed(info.substr(at + 6, info.find('\n', at) - at - 6)));
    }
  }
  const std::string version = read("/proc/driver/nvidia/version");
  f.driver = trimmed(version.substr(0, version.find('\n')));
  f.open_kernel_module = version.find("Open Kernel Module") != std::string::npos;

  for (const auto& dev : list("/sys/class/infiniband")) {
    f.rdma_devices.push_back(dev);
    for (const auto& port : list("/sys/class/infiniband/" + dev + "/ports")) {
      const std::string p = "/sys/class/infiniband/" + dev + "/ports/" + port + "/";
      core::RdmaPort rp;
      rp.device = dev;
      rp.port = std::atoi(port.c_str());
      rp.state = trimmed(read(p + "state"));
      rp.phys_state = trimmed(read(p + "phys_state"));
      rp.rate = trimmed(read(p + "rate"));
      rp.link_layer = trimmed(read(p + "link_layer"));
      f.ports.push_back(rp);
    }
  }
  for (const auto& n : list("/dev/infiniband")) {
    f.uverbs += n.rfind("uverbs", 0) == 0 ? 1 : 0;
  }
  // NCCL's own test (src/transport/net_ib/gdr.cc), then /proc/modules.
  const std::vector<std::pair<std::string, std::string>> peermem = {
      {"/sys/module/nvidia_peermem/version", "nvidia_peermem"},
      {"/sys/kernel/mm/memory_peers/nv_mem/version", "nv_peer_mem"},
      {"/sys/kernel/mm/memory_peers/nv_mem_nc/version", "nv_peer_mem (nc)"}};
  for (const auto& [p, name] : peermem) {
    if (f.peermem.empty() && exists(p)) {
      f.peermem = name + " (" + p + ")";
    }
  }
  if (f.peermem.empty()) {
    const std::string modules = "\n" + read("/proc/modules");
    for (const char* m : {"nvidia_peermem", "nv_peer_mem"}) {
      if (f.peermem.empty() && modules.find(std::string("\n") + m + " ") != std::string::npos) {
        f.peermem = std::string(m) + " (/proc/modules)";
      }
    }
  }
  const std::string mounts = read("/proc/mounts");
  std::size_t at = 0;
  while (at < mounts.size()) {
    const auto nl = mounts.find('\n', at);
    const std::string line =
        mounts.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? mounts.size() : nl + 1;
    std::vector<std::string> w;
    std::size_t i = 0;
    while (i < line.size() && w.size() < 4) {
      const auto sp = line.find(' ', i);
      w.push_back(line.substr(i, sp == std::string::npos ? std::string::npos : sp - i));
      i = sp == std::string::npos ? line.size() : sp + 1;
    }
    if (w.size() >= 4 && w[1] == "/dev/shm") {
      f.shm_mounted = true;
      f.shm_bytes = tmpfs_size(w[3]);
    }
  }
  const std::string meminfo = read("/proc/meminfo");
  if (auto m = meminfo.find("MemTotal:"); m != std::string::npos) {
    f.memory_bytes = std::atoll(meminfo.c_str() + m + 9) * 1024;
  }
  const std::string limits = read("/proc/self/limits");
  if (auto m = limits.find("Max locked memory"); m != std::string::npos) {
    const std::string rest = trimmed(limits.substr(m + 17, limits.find('\n', m) - m - 17));
    f.memlock_known = true;
    if (rest.rfind("unlimited", 0) != 0) {
      f.memlock_bytes = std::atoll(rest.c_str());
    }
  }
  const std::string status = read("/proc/self/status");
  if (auto m = status.find("CapEff:"); m != std::string::npos) {
    const unsigned long long caps = std::strtoull(status.c_str() + m + 7, nullptr, 16);
    f.ipc_lock = ((caps >> 14) & 1ULL) != 0;  // CAP_IPC_LOCK is 14
  }
  f.interfaces = list("/sys/class/net");
  for (const char* name :
       {"NCCL_IB_HCA", "NCCL_IB_DISABLE", "NCCL_NET", "NCCL_NET_PLUGIN", "NCCL_NET_GDR_LEVEL",
        "NCCL_NET_GDR_READ", "NCCL_DMABUF_ENABLE", "NCCL_SOCKET_IFNAME", "NCCL_IB_GID_INDEX",
        "NCCL_IB_TIMEOUT", "NCCL_P2P_LEVEL", "NCCL_P2P_DISABLE", "NCCL_SHM_DISABLE",
        "NCCL_NVLS_ENABLE", "NCCL_ALGO", "NCCL_PROTO", "NCCL_DEBUG", "NVIDIA_VISIBLE_DEVICES",
        "CUDA_VISIBLE_DEVICES"}) {
    if (auto v = deps.env.get(name)) {
      f.env[name] = *v;
    }
  }
  return f;
}

}  // namespace kray::app::detail
