// SPDX-License-Identifier: Apache-2.0
// Signatures and fixes from NCCL logs quoted in public NVIDIA/nccl and
// NVIDIA/nccl-tests issues: fallback to sockets and its causes in
// containers (nccl#1126, nccl-tests#166), GDR disabled (nccl#1537,
// nccl#1676), /dev/shm (nccl-tests#166), memlock (nccl-tests#206), GID and
// retry exceeded (nccl-tests#185, nccl#1814; NCCL's own hints in
// src/misc/ibvwrap.cc); #wrong and out of bounds from nccl-tests'
// src/util.cu; debug variables that should not stay set from NCCL's docs,
// https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html.
#include <krayctl/core/nccl/nccl_check.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <set>

namespace kray::core {

namespace {

bool contains(const std::string& s, const char* p) {
  return s.find(p) != std::string::npos;
}

std::string quote(const LogLine& l) {
  return "line " + std::to_string(l.line) + ": \"" + l.text + "\"";
}

std::string gbps(double v) {
  return fmt::format("{:.1f} GB/s", v);
}

std::string bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return b == std::floor(b) ? fmt::format("{:.0f} {}", b, units[u])
                            : fmt::format("{:.1f} {}", b, units[u]);
}

const char* const k_rdma_fix =
    "request the RDMA device-plugin resource in the worker group (for example "
    "rdma/rdma_shared_device_a: 1, or your SR-IOV resource such as nvidia.com/sriov_rdma) and "
    "add the IPC_LOCK capability; `krayctl render` does both from `rdma:` in the spec";

bool rdma_network(const std::string& network) {
  return !network.empty() && network != "Socket";
}

void add(NcclReport& report, CheckResult r) {
  report.checks.push_back(std::move(r));
}

int channel_count(const NcclLogFacts& f, Transport t) {
  return f.channels.count(t) != 0 ? f.channels.at(t) : 0;
}

// The version line: NCCL, CUDA and the driver, as far as the log says.
CheckResult version_check(const NcclLogFacts& f) {
  return {"nccl-log", CheckStatus::info,
          f.version.empty() ? "NCCL (version not in the log)"
                            : "NCCL " + f.version + (f.cuda.empty() ? "" : "+cuda" + f.cuda) +
                                  (f.driver ? ", CUDA driver " + std::to_string(*f.driver / 1000) +
                                                  "." + std::to_string((*f.driver % 1000) / 10)
                                            : ""),
          "", 0};
}

// NCCL fell back to sockets: why (the first cause the log shows, in order
// of certainty) and the fix for it.
CheckResult socket_fallback_check(const NcclLogFacts& f) {
  const auto env = [&f](const char* k) {
    auto it = f.env.find(k);
    return it == f.env.end() ? std::string() : it->second;
  };
  std::string why;
  std::string fix;
  int line =
      f.network_line ? f.network_line->line : (f.socket_channel ? f.socket_channel->line : 0);
  if (env("NCCL_IB_DISABLE") == "1") {
    why = "NCCL_IB_DISABLE=1 is set";
    fix = "unset NCCL_IB_DISABLE (it forces sockets)";
  } else if (f.ibverbs_missing) {
    why = "libibverbs could not be loaded (" + quote(*f.ibverbs_missing) +
          "): the image lacks rdma-core";
    fix =
        "install libibverbs and its providers in the image (Debian/Ubuntu: libibverbs1 "
        "ibverbs-providers; RHEL: rdma-core libibverbs)";
    line = f.ibverbs_missing->line;
  } else if (f.ib_no_device) {
    why = "no RDMA device visible in the pod (" + quote(*f.ib_no_device) + ")";
    fix = k_rdma_fix;
    line = f.ib_no_device->line;
  } else if (env("NCCL_NET") == "Socket") {
    why = "NCCL_NET=Socket is set";
    fix = "unset NCCL_NET";
  } else {
    why = "the log does not say why (run with NCCL_DEBUG_SUBSYS=INIT,NET)";
    fix = k_rdma_fix;
  }
  return {"network", CheckStatus::fail, "NCCL used NET/Socket (TCP): " + why, fix, line};
}

// NCCL used RDMA: the network, its devices, RoCE, and whether a NET
// channel shows in the log.
CheckResult rdma_network_check(const NcclLogFacts& f, int rdma_channels) {
  std::vector<std::string> names;
  std::set<std::string> links;
  for (const auto& d : f.ib_devices) {
    if (std::find(names.begin(), names.end(), d.name) == names.end()) {
      names.push_back(d.name);
    }
    links.insert(d.link);
  }
  const std::string net = f.network.empty() ? f.net_transport : f.network;
  std::string msg = "NET/" + net;
  if (!names.empty()) {
    msg += " on " + name_range(names);
  }
  if (links.count("RoCE") != 0) {
    msg += " (RoCE)";
  }
  if (rdma_channels == 0) {
    msg += "; no NET channel in the log (one node, or NCCL_DEBUG_SUBSYS without NET)";
  }
  return {"network", CheckStatus::pass, msg, "", f.network_line ? f.network_line->line : 0};
}

// The network NCCL chose: sockets (a failure), RDMA, one node without a
// network, or not in the log.
CheckResult network_check(const NcclLogFacts& f, int socket_channels, int rdma_channels) {
  if (f.network == "Socket" || socket_channels > 0) {
    return socket_fallback_check(f);
  }
  if (rdma_network(f.network) || rdma_channels > 0) {
    return rdma_network_check(f, rdma_channels);
  }
  if (channel_count(f, Transport::p2p) + channel_count(f, Transport::shm) +
          channel_count(f, Transport::nvls) >
      0) {
    return {"network", CheckStatus::info,
            "one node: GPUs talked over P2P/SHM/NVLS only, the network was not used",
            "to check RDMA, run across two nodes (NCCL_ALGO=Ring; see docs/nccl-check.md)", 0};
  }
  return {"network", CheckStatus::warn,
          "the log does not show which network NCCL chose (no \"Using network\", no channel "
          "lines)",
          "run with NCCL_DEBUG=INFO and NCCL_DEBUG_SUBSYS=INIT,NET,ENV through the first "
          "collective",
          0};
}

// GPUDirect RDMA: RDMA channels (or a disabled GDR) without it fail,
// channels or HCAs with it pass; nothing when neither shows.
std::optional<CheckResult> gdr_check(const NcclLogFacts& f,
                                     int socket_channels,
                                     int rdma_channels) {
  const bool gdr_fix_needed =
      (rdma_channels > 0 && f.net_channels_gdr < rdma_channels) || f.gdr_disabled;
  const std::string gdr_fix =
      "load nvidia_peermem on the node (or use DMA-BUF: the open GPU kernel module, CUDA "
      ">= 11.7, NCCL_DMABUF_ENABLE unset); NCCL <= 2.22.3 does not find nvidia_peermem, "
      "upgrade it; check NCCL_NET_GDR_LEVEL (default PXB) against `nvidia-smi topo -m`";
  if (gdr_fix_needed && socket_channels == 0) {
    const LogLine& where = f.net_without_gdr ? *f.net_without_gdr : *f.gdr_disabled;
    std::string msg =
        "RDMA without GPUDirect RDMA: data is staged through host memory (" + quote(where) + ")";
    if (rdma_channels > 0) {
      msg += "; " + std::to_string(rdma_channels - f.net_channels_gdr) + " of " +
             std::to_string(rdma_channels) + " NET channels without /GDRDMA";
    }
    return CheckResult{"gdr", CheckStatus::fail, msg, gdr_fix, where.line};
  }
  if (rdma_channels > 0) {
    return CheckResult{"gdr", CheckStatus::pass,
                       "GPUDirect RDMA on all " + std::to_string(rdma_channels) + " NET channels",
                       "", 0};
  }
  if (!f.gdr_by_hca.empty() && socket_channels == 0) {
    return CheckResult{
        "gdr", CheckStatus::pass,
        "GPUDirect RDMA enabled for HCA " + f.gdr_by_hca.begin()->first +
            (f.gdr_by_hca.size() > 1 ? " and " + std::to_string(f.gdr_by_hca.size() - 1) + " more"
                                     : ""),
        "", 0};
  }
  return std::nullopt;
}

// The known causes a warning can name.
enum class Cause { shm, memlock, queue_pair, retries };

// The known causes a warning's text names, the one it is told as first.
std::vector<Cause> warning_causes(const std::string& t) {
  std::vector<Cause> causes;
  if (contains(t, "/dev/shm") || contains(t, "posix_fallocate") ||
      contains(t, "shared memory segment")) {
    causes.push_back(Cause::shm);
  }
  if ((contains(t, "ibv_reg_mr") || contains(t, "ibv_create_cq")) &&
      contains(t, "Cannot allocate memory")) {
    causes.push_back(Cause::memlock);
  }
  if (contains(t, "ibv_modify_qp")) {
    causes.push_back(Cause::queue_pair);
  }
  if (contains(t, "status=12")) {
    causes.push_back(Cause::retries);
  }
  return causes;
}

// The check for a warning `w` with a known cause: what failed and its fix.
CheckResult cause_check(Cause cause, const LogLine& w) {
  switch (cause) {
    case Cause::shm:
      return {"shm", CheckStatus::fail, "/dev/shm is too small (" + quote(w) + ")",
              "mount an emptyDir {medium: Memory, sizeLimit: 16Gi} at /dev/shm in the worker "
              "template (Kubernetes gives a pod 64 MiB); it counts against the pod's memory",
              w.line};
    case Cause::memlock:
      return {
          "memlock", CheckStatus::fail,
          "RDMA memory registration failed: the locked-memory limit is too low (" + quote(w) + ")",
          "raise RLIMIT_MEMLOCK to unlimited: add the IPC_LOCK capability to the container "
          "and set the container runtime's default memlock ulimit",
          w.line};
    case Cause::queue_pair:
      return {"ib-connect", CheckStatus::fail, "RDMA queue pair setup failed (" + quote(w) + ")",
              "unset NCCL_IB_GID_INDEX (auto-detected since NCCL 2.21.5) or set the RoCE v2 GID "
              "of the right interface; check RoCE routing between the nodes",
              w.line};
    case Cause::retries:
      break;
  }
  return {"ib-connect", CheckStatus::fail,
          "RDMA transport retries exceeded (status=12: the peer did not answer) (" + quote(w) + ")",
          "check the links and switch ports between the nodes; on large fabrics raise "
          "NCCL_IB_TIMEOUT",
          w.line};
}

// The warnings: one check per known cause (its first warning; a later
// warning that names a cause already told is skipped), then one for the
// rest; a failed libibverbs load is the network check's.
void warning_checks(const NcclLogFacts& f, NcclReport& report) {
  std::vector<LogLine> other;
  std::set<Cause> told;
  for (const auto& w : f.warnings) {
    const std::vector<Cause> causes = warning_causes(w.text);
    if (std::any_of(causes.begin(), causes.end(),
                    [&told](Cause c) { return told.count(c) != 0; })) {
      continue;  // the same cause again: one check says it
    }
    if (!causes.empty()) {
      told.insert(causes.front());
      add(report, cause_check(causes.front(), w));
    } else if (!contains(w.text, "Failed to open libibverbs")) {
      other.push_back(w);
    }
  }
  if (!other.empty()) {
    add(report, {"warnings", CheckStatus::warn,
                 std::to_string(other.size()) + " NCCL warning" + (other.size() > 1 ? "s" : "") +
                     ", the first " + quote(other.front()),
                 "", other.front().line});
  }
}

// A network plugin asked for by NCCL_NET that did not load; whether it
// was added.
bool net_plugin_check(const NcclLogFacts& f, NcclReport& report) {
  const auto requested = f.env.find("NCCL_NET");
  const bool plugin_missing = requested != f.env.end() && requested->second != "IB" &&
                              requested->second != "Socket" && f.net_plugin_error &&
                              f.network != requested->second;
  if (plugin_missing) {
    add(report,
        {"net-plugin", CheckStatus::fail,
         "NCCL_NET=" + requested->second + " asks for a network plugin that did not load (" +
             quote(*f.net_plugin_error) + ")",
         "put the plugin (libnccl-net.so, or the name NCCL_NET_PLUGIN gives) and its libraries "
         "in the image, on LD_LIBRARY_PATH; or unset NCCL_NET to use NCCL's own IB transport",
         f.net_plugin_error->line});
  }
  return plugin_missing;
}

// A call that failed: NCCL's return-code traces ("init.cc:321 -> 5") or
// the error a framework raised. The communicator was not made, whatever
// else the log shows; the warning written just before is the cause.
std::optional<CheckResult> error_check(const NcclLogFacts& f, bool plugin_missing) {
  if (!f.first_trace && f.errors.empty()) {
    return std::nullopt;
  }
  std::string what;
  int line = 0;
  if (f.first_trace) {
    const std::string name = nccl_result_name(f.first_trace_code);
    what = "a call failed: " + quote(*f.first_trace) + (name.empty() ? "" : " (" + name + ")");
    if (f.traces > 1) {
      what += ", " + std::to_string(f.traces) + " traces up the stack";
    }
    line = f.first_trace->line;
  } else {
    what = quote(f.errors.front());
    line = f.errors.front().line;
  }
  std::string cause;
  if (plugin_missing) {
    cause = "; the likely cause: the network plugin did not load (above)";
  } else if (f.trace_cause) {
    cause = "; the cause NCCL gave just before: " + quote(*f.trace_cause);
    line = f.trace_cause->line;
  } else if (!f.warnings.empty()) {
    cause = "; the first warning: " + quote(f.warnings.front());
  }
  return CheckResult{
      "errors", CheckStatus::fail, "NCCL failed, " + what + cause,
      "the checks above usually name the fix; NCCL_DEBUG_SUBSYS=INIT,NET,ENV shows more", line};
}

// Communicator inits: some never completed (a hang or a crash), or all
// did; nothing when the log shows none.
std::optional<CheckResult> init_check(const NcclLogFacts& f) {
  if (f.init_start > f.init_complete) {
    return CheckResult{
        "init", CheckStatus::fail,
        std::to_string(f.init_start - f.init_complete) + " of " + std::to_string(f.init_start) +
            " communicator init(s) started and never completed (a hang or a crash)",
        "look at the last lines of each rank's log; a rank that never arrived hangs the others", 0};
  }
  if (f.init_complete > 0) {
    std::string msg = std::to_string(f.init_complete) + " communicator init(s) completed";
    if (f.init_seconds) {
      msg += fmt::format(", the slowest in {:.2f} s", *f.init_seconds);
    }
    return CheckResult{"init", CheckStatus::pass, msg, "", 0};
  }
  return std::nullopt;
}

// Debugging variables left set in the environment NCCL printed.
std::optional<CheckResult> debug_env_check(const NcclLogFacts& f) {
  std::string list;
  for (const auto& [k, v] : f.env) {
    if (is_debug_variable(k)) {
      list += (list.empty() ? "" : ", ") + k + "=" + v;
    }
  }
  if (list.empty()) {
    return std::nullopt;
  }
  return CheckResult{"env", CheckStatus::warn, "set: " + list,
                     "NCCL's docs call these workarounds and debugging aids: remove them once the "
                     "cause is fixed",
                     0};
}

void add_if(NcclReport& report, std::optional<CheckResult> r) {
  if (r) {
    add(report, std::move(*r));
  }
}

// The checks an NCCL log yields, in the report's order: the version, the
// network, GPUDirect RDMA, warnings, the network plugin, errors, inits,
// debugging variables, NVLS.
void log_checks(const NcclLogFacts& f, const std::string& source, NcclReport& report) {
  if (f.nccl_lines == 0) {
    add(report,
        {"nccl-log", CheckStatus::fail,
         "no NCCL output in " + source + " (" + std::to_string(f.lines) + " lines)",
         "run with NCCL_DEBUG=INFO and NCCL_DEBUG_SUBSYS=INIT,NET,ENV (or leave the subsystems "
         "at their default)",
         0});
    return;
  }
  add(report, version_check(f));
  const int socket_channels = channel_count(f, Transport::net_socket);
  const int rdma_channels =
      channel_count(f, Transport::net_ib) + channel_count(f, Transport::net_plugin);
  add(report, network_check(f, socket_channels, rdma_channels));
  add_if(report, gdr_check(f, socket_channels, rdma_channels));
  warning_checks(f, report);
  const bool plugin_missing = net_plugin_check(f, report);
  add_if(report, error_check(f, plugin_missing));
  add_if(report, init_check(f));
  add_if(report, debug_env_check(f));
  if (f.nvls_multicast.value_or(false) && f.nvls_channels && *f.nvls_channels == 0) {
    add(report, {"nvls", CheckStatus::warn,
                 "NVLS multicast is available but NCCL built 0 nvls channels (NVLink SHARP unused)",
                 "check NCCL_NVLS_ENABLE and the Fabric Manager on the node", 0});
  }
}

void tests_checks(const NcclTestsResult& t,
                  const std::optional<double>& min_busbw,
                  NcclReport& report) {
  auto add = [&report](CheckResult r) { report.checks.push_back(std::move(r)); };
  int wrong_rows = 0;
  int first_wrong = 0;
  for (const auto& r : t.rows) {
    for (const auto* w : {&r.oop_wrong, &r.ip_wrong}) {
      // New format: a count ("0", "N/A"); old format: the max error, a float.
      const bool bad = t.old_format ? false : (*w != "0" && *w != "N/A");
      if (bad) {
        ++wrong_rows;
        first_wrong = first_wrong == 0 ? r.line : first_wrong;
      }
    }
  }
  const std::string program = t.program.empty() ? "nccl-tests" : t.program;
  if (wrong_rows > 0 || t.out_of_bounds.value_or(0) > 0 || (t.failed_marker && !t.out_of_bounds)) {
    add({"correctness", CheckStatus::fail,
         program + " found wrong results" +
             (wrong_rows > 0 ? " (#wrong not 0 in " + std::to_string(wrong_rows) + " place(s))"
                             : "") +
             (t.out_of_bounds.value_or(0) > 0
                  ? ", " + std::to_string(*t.out_of_bounds) + " out-of-bounds values"
                  : ""),
         "a GPU, NVLink or NIC that corrupts data: run the check on each node alone to find it",
         first_wrong});
  } else if (!t.rows.empty()) {
    add({"correctness", CheckStatus::pass,
         program + ": no wrong results in " + std::to_string(t.rows.size()) + " sizes", "", 0});
  }
  if (t.rows.empty()) {
    return;
  }
  // The largest size: the average of the sweep mixes in latency-bound sizes.
  const NcclTestRow& big = *std::max_element(
      t.rows.begin(), t.rows.end(), [](const auto& a, const auto& b) { return a.size < b.size; });
  const double busbw = std::max(big.oop_busbw, big.ip_busbw);
  std::string msg = "busbw " + gbps(busbw) + " at " + bytes(big.size);
  if (t.avg_busbw) {
    msg += " (average over the sweep " + gbps(*t.avg_busbw) + ")";
  }
  if (min_busbw) {
    const bool ok = busbw >= *min_busbw;
    add({"busbw", ok ? CheckStatus::pass : CheckStatus::fail,
         msg + (ok ? ", at least " : ", below the required ") + gbps(*min_busbw),
         ok ? ""
            : "the checks above name the cause when the log shows it; else compare with "
              "one node alone and with NCCL_ALGO=Ring",
         big.line});
  } else {
    add({"busbw", CheckStatus::info, msg,
         big.size < 1024.0 * 1024 * 1024
             ? "sizes below 1 GiB underrate the links: run with -b 1G -e 8G -f 2"
             : "give --min-busbw to turn this into a pass or a fail",
         big.line});
  }
}

}  // namespace

void log_busbw_check(const NcclLogFacts& log, const NcclTestsResult& tests, NcclReport& report) {
  if (tests.rows.empty()) {
    return;
  }
  auto count = [&log](Transport t) {
    auto it = log.channels.find(t);
    return it == log.channels.end() ? 0 : it->second;
  };
  if (count(Transport::net_ib) + count(Transport::net_plugin) == 0) {
    return;  // within a node, or the log lacks channel lines: nothing to set it against
  }
  std::vector<std::string> nics;
  for (const auto& d : log.ib_devices) {
    if (std::find(nics.begin(), nics.end(), d.name) == nics.end()) {
      nics.push_back(d.name);
    }
  }
  if (nics.empty()) {
    return;
  }
  const NcclTestRow& big =
      *std::max_element(tests.rows.begin(), tests.rows.end(),
                        [](const auto& a, const auto& b) { return a.size < b.size; });
  const double busbw = std::max(big.oop_busbw, big.ip_busbw);
  const double n = static_cast<double>(nics.size());
  const double per_nic = busbw / n;
  // Achievable busbw per NIC on a rail-optimised ring with GDR (reference
  // figures from nccl-tests issues #290 and #119): NDR 46-48, HDR ~24,
  // 100G ~12 GB/s.
  const std::string msg = fmt::format(
      "busbw {} at {} through {} NIC{} ({}) is {} per NIC; {} NDR 400G links would carry about "
      "{:.0f} GB/s, HDR 200G {:.0f}, 100G {:.0f}",
      gbps(busbw), bytes(big.size), nics.size(), nics.size() == 1 ? "" : "s", name_range(nics),
      gbps(per_nic), nics.size(), n * 46, n * 24, n * 12);
  const bool too_slow = per_nic < 0.8 * 12;
  report.checks.push_back(
      {"expected-busbw", too_slow ? CheckStatus::fail : CheckStatus::warn,
       msg + (too_slow ? ": below what even 100G links give" : ""),
       "the log does not give the link speed: pass --min-busbw (about NICs x the per-NIC "
       "figure of your links, 80% of it as a floor), or run nccl-check --run on a node, which "
       "reads the link rate",
       big.line});
}

bool NcclReport::failed() const {
  return std::any_of(checks.begin(), checks.end(),
                     [](const CheckResult& c) { return c.status == CheckStatus::fail; });
}

std::string name_range(const std::vector<std::string>& names) {
  if (names.size() < 2) {
    return names.empty() ? "" : names.front();
  }
  auto split = [](const std::string& n) {
    std::size_t i = n.size();
    while (i > 0 && std::isdigit(static_cast<unsigned char>(n[i - 1])) != 0) {
      --i;
    }
    return std::make_pair(n.substr(0, i), n.substr(i));
  };
  const auto [prefix, first] = split(names.front());
  bool consecutive = !first.empty();
  long expected = consecutive ? std::stol(first) : 0;
  for (const auto& n : names) {
    const auto [p, digits] = split(n);
    consecutive = consecutive && p == prefix && !digits.empty() && digits.size() < 9 &&
                  std::stol(digits) == expected;
    ++expected;
  }
  if (consecutive) {
    return names.front() + ".." + split(names.back()).second;
  }
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ",") + n;
  }
  return out;
}

NcclReport evaluate_nccl(const NcclCheckInput& input) {
  NcclReport report;
  if (input.log) {
    log_checks(*input.log, input.source, report);
  }
  if (input.tests) {
    tests_checks(*input.tests, input.min_busbw, report);
  }
  summarize(report);
  return report;
}

void summarize(NcclReport& report) {
  for (const auto& c : report.checks) {
    if (c.status == CheckStatus::fail) {
      report.summary = "FAIL: " + c.message + (c.fix.empty() ? "" : "; " + c.fix);
      return;
    }
  }
  // A run says what the network did; a node or a manifest what it has.
  const bool ran = std::any_of(report.checks.begin(), report.checks.end(), [](const auto& c) {
    return c.id == "network" && c.status == CheckStatus::pass;
  });
  const bool expected = std::any_of(report.checks.begin(), report.checks.end(), [](const auto& c) {
    return c.id == "expected-busbw" && c.status != CheckStatus::info;
  });
  std::string ok;
  for (const auto& c : report.checks) {
    const bool node = !ran &&
                      (c.id == "gpus" || c.id == "rdma-ports" || c.id == "gdr-support" ||
                       c.id == "rdma-resource") &&
                      c.status == CheckStatus::pass;
    const bool judged = c.id == "expected-busbw" && c.status != CheckStatus::info;
    const bool busbw = c.id == "busbw" && (c.status != CheckStatus::info || !expected);
    if ((c.id == "network" && c.status == CheckStatus::pass) || busbw || judged || node) {
      ok += (ok.empty() ? "" : ", ") + c.message;
    }
    if (c.id == "gdr" && c.status == CheckStatus::pass && ok.rfind("NET/", 0) == 0) {
      ok += " with GDRDMA";
    }
  }
  const bool warned = std::any_of(report.checks.begin(), report.checks.end(),
                                  [](const auto& c) { return c.status == CheckStatus::warn; });
  report.summary =
      std::string(warned ? "OK with warnings: " : "OK: ") + (ok.empty() ? "no check failed" : ok);
}

const char* rdma_fix() {
  return k_rdma_fix;
}

bool is_debug_variable(const std::string& name) {
  // Forcing an algorithm or protocol, or turning a transport off: NCCL's
  // docs say not to keep these. Tuning such as NCCL_NET_GDR_LEVEL=SYS or
  // NCCL_IB_HCA is reported, not warned about.
  static const std::set<std::string> v = {"NCCL_ALGO",        "NCCL_PROTO",       "NCCL_IB_DISABLE",
                                          "NCCL_P2P_DISABLE", "NCCL_SHM_DISABLE", "NCCL_P2P_LEVEL",
                                          "NCCL_NET",         "NCCL_NVLS_ENABLE"};
  return v.count(name) != 0;
}

std::string format_nccl_report(const NcclReport& report, const std::string& source) {
  std::string out = "nccl-check " + source + "\n";
  for (const auto& c : report.checks) {
    const char* tag = c.status == CheckStatus::pass   ? "PASS"
                      : c.status == CheckStatus::info ? "INFO"
                      : c.status == CheckStatus::warn ? "WARN"
                                                      : "FAIL";
    out += std::string("  ") + tag + "  " + c.id +
           std::string(14 - std::min<std::size_t>(13, c.id.size()), ' ') + c.message + "\n";
    if (!c.fix.empty() && c.status != CheckStatus::pass) {
      out += std::string(22, ' ') + "fix: " + c.fix + "\n";
    }
  }
  out += report.summary + "\n";
  return out;
}

Json to_json(const NcclReport& report) {
  Json checks = Json::array();
  for (const auto& c : report.checks) {
    const char* s = c.status == CheckStatus::pass   ? "pass"
                    : c.status == CheckStatus::info ? "info"
                    : c.status == CheckStatus::warn ? "warn"
                                                    : "fail";
    Json j = {{"id", c.id}, {"status", s}, {"message", c.message}};
    if (!c.fix.empty()) {
      j["fix"] = c.fix;
    }
    if (c.line > 0) {
      j["line"] = c.line;
    }
    checks.push_back(j);
  }
  return {{"ok", !report.failed()}, {"summary", report.summary}, {"checks", checks}};
}

std::vector<ForcedNcclVar> nccl_run_environment(bool through_nic) {
  std::vector<ForcedNcclVar> vars = {{"NCCL_DEBUG", "INFO", false},
                                     {"NCCL_DEBUG_SUBSYS", "INIT,NET,ENV", true}};
  if (through_nic) {
    vars.push_back({"NCCL_P2P_DISABLE", "1", false});
    vars.push_back({"NCCL_SHM_DISABLE", "1", false});
    vars.push_back({"NCCL_NVLS_ENABLE", "0", false});
  }
  return vars;
}

}  // namespace kray::core
