// SPDX-License-Identifier: Apache-2.0
// Formats from NCCL's source (src/debug.cc, src/init.cc,
// src/transport/net_ib/init.cc, src/transport/net.cc, src/graph/topo.cc)
// and the table of NVIDIA/nccl-tests (src/util.cu).
#include <krayctl/core/nccl/nccl_log.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>

namespace kray::core {

namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string_view::npos;
}

// The NCCL message of a line and its level, wherever the line's prefix
// ends: "host:pid:tid [dev] NCCL INFO msg", "... file.cc:12 NCCL WARN msg",
// "(RayWorkerWrapper ...) host:... NCCL INFO msg", "NCCL INFO msg".
struct Message {
  std::string_view level;  // INFO, WARN, TRACE, "" when not an NCCL line
  std::string_view text;
};

Message nccl_message(std::string_view line) {
  for (std::string_view level : {"INFO", "WARN", "TRACE"}) {
    const std::string marker = "NCCL " + std::string(level);
    std::size_t at = 0;
    while ((at = line.find(marker, at)) != std::string_view::npos) {
      const std::size_t end = at + marker.size();
      const bool start_ok = at == 0 || line[at - 1] == ' ' || line[at - 1] == ']';
      const bool end_ok = end == line.size() || line[end] == ' ';
      if (start_ok && end_ok) {
        std::string_view text = line.substr(std::min(end + 1, line.size()));
        return {level, text};
      }
      at = end;
    }
  }
  return {};
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) {
    return "";
  }
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) {
      ++i;
    }
    const std::size_t start = i;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) == 0) {
      ++i;
    }
    if (i > start) {
      out.emplace_back(s.substr(start, i - start));
    }
  }
  return out;
}

std::optional<double> number(const std::string& s) {
  if (s.empty()) {
    return std::nullopt;
  }
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') {
    return std::nullopt;
  }
  return v;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// " [0]mlx5_10:1/RoCE [1]mlx5_11:1/RoCE [RO]; OOB ..." -> devices.
std::vector<NcclNetDevice> net_devices(std::string_view list) {
  std::vector<NcclNetDevice> out;
  const std::string_view head = list.substr(0, list.find(';'));
  for (const auto& w : words(head)) {
    if (w.size() < 4 || w[0] != '[' || w == "[RO]") {
      continue;
    }
    const auto close = w.find(']');
    const auto colon = w.find(':', close);
    const auto slash = w.find('/', colon);
    if (close == std::string::npos || colon == std::string::npos || slash == std::string::npos) {
      continue;
    }
    NcclNetDevice d;
    d.name = w.substr(close + 1, colon - close - 1);
    d.port = std::atoi(w.substr(colon + 1, slash - colon - 1).c_str());
    d.link = w.substr(slash + 1, w.find('/', slash + 1) - slash - 1);
    out.push_back(d);
  }
  return out;
}

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// "2026-11-26T10:00:00.123456789Z " or "...+02:00 ": its length, else 0.
std::size_t timestamp_prefix(std::string_view s) {
  if (s.size() < 21 || !is_digit(s[0]) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':') {
    return 0;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
  }
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i + 6 <= s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    i += 6;
  } else {
    return 0;
  }
  return i < s.size() && s[i] == ' ' ? i + 1 : 0;
}

}  // namespace

std::string_view strip_log_prefixes(std::string_view line) {
  for (;;) {
    const std::size_t before = line.size();
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      line.remove_prefix(1);
    }
    // ANSI colour codes, which Ray puts around its prefix.
    while (line.size() > 2 && line[0] == '\x1b' && line[1] == '[') {
      const auto m = line.find('m');
      if (m == std::string_view::npos || m > 12) {
        break;
      }
      line.remove_prefix(m + 1);
    }
    if (const auto n = timestamp_prefix(line); n > 0) {
      line.remove_prefix(n);
    }
    // mpirun --tag-output: [1,0]<stdout>:
    if (line.size() > 5 && line[0] == '[' && is_digit(line[1])) {
      const auto close = line.find("]<");
      const auto end = line.find(">:");
      if (close != std::string_view::npos && end != std::string_view::npos && close < end &&
          end < 24) {
        line.remove_prefix(end + 2);
      }
    }
    // Ray: (RayTrainWorker pid=1234, ip=10.0.0.1) or (pid=1234)
    if (!line.empty() && line[0] == '(') {
      const auto close = line.find(')');
      if (close != std::string_view::npos &&
          line.substr(0, close).find("pid=") != std::string_view::npos) {
        line.remove_prefix(close + 1);
      }
    }
    if (line.size() == before) {
      return line;
    }
  }
}

std::string nccl_result_name(int code) {
  // ncclResult_t in nccl.h: ncclSuccess = 0 ... ncclInProgress = 7.
  static const char* const k_names[] = {
      "ncclSuccess",         "ncclUnhandledCudaError", "ncclSystemError", "ncclInternalError",
      "ncclInvalidArgument", "ncclInvalidUsage",       "ncclRemoteError", "ncclInProgress"};
  return code >= 0 && code < 8 ? k_names[code] : "";
}

Transport classify_transport(std::string_view via) {
  if (starts_with(via, "P2P/")) {
    return Transport::p2p;
  }
  if (starts_with(via, "SHM/") || starts_with(via, "direct shared memory")) {
    return Transport::shm;
  }
  if (starts_with(via, "NET/Socket")) {
    return Transport::net_socket;
  }
  if (starts_with(via, "NET/IB/") || via == "NET/IB") {
    return Transport::net_ib;
  }
  if (starts_with(via, "NET/")) {
    return Transport::net_plugin;
  }
  if (starts_with(via, "NVLS")) {
    return Transport::nvls;
  }
  if (starts_with(via, "CollNet")) {
    return Transport::collnet;
  }
  return Transport::other;
}

NcclLogFacts parse_nccl_log(std::string_view text) {
  static const std::regex version_re(R"(NCCL version (\d+\.\d+\.\d+)[^+\s]*\+cuda(\d+\.\d+))");
  static const std::regex gdr_hca_re(R"(GPU Direct RDMA (Enabled|Disabled) for HCA \d+ '([^']+)')");
  static const std::regex env_re(R"(^(NCCL_[A-Z0-9_]+) set (?:by environment )?to (.*)$)");
  static const std::regex nvls_re(R"((\d+) nvls channels)");
  static const std::regex total_re(R"(total ([0-9.]+))");
  // "init.cc:321 -> 5", "transport/net_ib.cc:1066 -> 2 (...)".
  static const std::regex trace_re(R"(^[\w./-]+\.(?:cc|cu|cpp|h):\d+ -> (\d+)\b)");
  NcclLogFacts f;
  std::size_t start = 0;
  int n = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    ++n;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() && start > text.size()) {
      break;
    }
    f.lines = n;
    const Message m = nccl_message(line);
    std::smatch match;
    if (m.level.empty()) {
      // Lines NCCL did not write through its logger: the bare version line
      // (before 2.23), the errors PyTorch raises.
      const std::string l(strip_log_prefixes(line));
      if (contains(l, "NCCL error") || contains(l, "ncclSystemError") ||
          contains(l, "ncclInternalError") || contains(l, "ncclUnhandledCudaError") ||
          contains(l, "ncclRemoteError") || contains(l, "ncclInvalidUsage") ||
          contains(l, "unhandled system error") || contains(l, "unhandled cuda error")) {
        f.errors.push_back({n, trim(l)});
      } else if (starts_with(trim(l), "NCCL version ") && std::regex_search(l, match, version_re)) {
        ++f.nccl_lines;
        f.version = match[1];
        f.cuda = match[2];
      }
      continue;
    }
    ++f.nccl_lines;
    const std::string msg = trim(m.text);
    if (m.level == "WARN") {
      f.warnings.push_back({n, msg});
      if (contains(msg, "Failed to open libibverbs") && !f.ibverbs_missing) {
        f.ibverbs_missing = LogLine{n, msg};
      }
      continue;
    }
    if (std::regex_search(msg, match, trace_re)) {
      // NCCLCHECK's trace of a failed call: the first one is where it began.
      ++f.traces;
      if (!f.first_trace) {
        f.first_trace = LogLine{n, msg};
        f.first_trace_code = std::atoi(match[1].str().c_str());
        if (!f.warnings.empty()) {
          f.trace_cause = f.warnings.back();
        }
      }
    } else if (starts_with(msg, "NET/Plugin") &&
               (contains(msg, "Plugin load returned") || contains(msg, "Failed to load") ||
                contains(msg, "failed to load"))) {
      if (!f.net_plugin_error) {
        f.net_plugin_error = LogLine{n, msg};
      }
    } else if (starts_with(msg, "NCCL version ") && std::regex_search(msg, match, version_re)) {
      f.version = match[1];
      f.cuda = match[2];
    } else if (starts_with(msg, "cudaDriverVersion ")) {
      f.driver = std::atoi(msg.c_str() + 18);
    } else if (starts_with(msg, "Using network ")) {
      f.network = trim(std::string_view(msg).substr(14));
      f.network_line = LogLine{n, msg};
    } else if (contains(msg, "No device found") && starts_with(msg, "NET/IB")) {
      f.ib_no_device = LogLine{n, msg};
    } else if (contains(msg, "Failed to open libibverbs")) {
      if (!f.ibverbs_missing) {
        f.ibverbs_missing = LogLine{n, msg};
      }
    } else if (starts_with(msg, "NET/Socket") && contains(msg, "Using")) {
      for (const auto& w : words(msg.substr(msg.find("Using") + 5))) {
        if (w.size() > 3 && w[0] == '[') {
          const auto close = w.find(']');
          f.socket_interfaces.push_back(w.substr(close + 1, w.find(':', close) - close - 1));
        }
      }
    } else if (starts_with(msg, "NET/") && contains(msg, "GPU Direct RDMA") &&
               std::regex_search(msg, match, gdr_hca_re)) {
      const bool enabled = match[1] == "Enabled";
      f.gdr_by_hca[match[2]] = enabled;
      if (!enabled && !f.gdr_disabled) {
        f.gdr_disabled = LogLine{n, msg};
      }
    } else if (starts_with(msg, "GPU Direct RDMA Disabled for GPU")) {
      if (!f.gdr_disabled) {
        f.gdr_disabled = LogLine{n, msg};
      }
    } else if (starts_with(msg, "NET/") && contains(msg, " Using ") && contains(msg, "]")) {
      auto devices = net_devices(msg.substr(msg.find(" Using ") + 7));
      f.ib_devices.insert(f.ib_devices.end(), devices.begin(), devices.end());
    } else if (contains(msg, "Loaded net plugin ")) {
      f.net_plugin = trim(std::string_view(msg).substr(msg.find("Loaded net plugin ") + 18));
    } else if (starts_with(msg, "DMA-BUF is available")) {
      f.dmabuf = LogLine{n, msg};
    } else if ((starts_with(msg, "Channel ") || starts_with(msg, "Ring ")) &&
               contains(msg, " via ")) {
      std::string via = msg.substr(msg.find(" via ") + 5);
      via = via.substr(0, via.find(" comm "));
      const Transport t = classify_transport(via);
      ++f.channels[t];
      if (t == Transport::net_ib || t == Transport::net_plugin || t == Transport::net_socket) {
        const auto second = via.find('/', 4);
        f.net_transport =
            via.substr(4, second == std::string::npos ? std::string::npos : second - 4);
        if (contains(via, "/GDRDMA")) {
          ++f.net_channels_gdr;
        } else if (t != Transport::net_socket && !f.net_without_gdr) {
          f.net_without_gdr = LogLine{n, msg};
        }
        if (t == Transport::net_socket && !f.socket_channel) {
          f.socket_channel = LogLine{n, msg};
        }
      }
    } else if (contains(msg, "nvls channels") && std::regex_search(msg, match, nvls_re)) {
      f.nvls_channels = std::atoi(match[1].str().c_str());
    } else if (starts_with(msg, "NVLS multicast support is ")) {
      f.nvls_multicast = !contains(msg, "not available");
    } else if (contains(msg, "Init START")) {
      ++f.init_start;
    } else if (contains(msg, "Init COMPLETE")) {
      ++f.init_complete;
    } else if (starts_with(msg, "Init timings") && std::regex_search(msg, match, total_re)) {
      const double total = std::atof(match[1].str().c_str());
      f.init_seconds = std::max(f.init_seconds.value_or(0.0), total);
    } else if (starts_with(msg, "NCCL_") && std::regex_search(msg, match, env_re)) {
      // Integer parameters are echoed with a full stop: "... set by
      // environment to 1." (ncclLoadParam); strings without.
      std::string value = trim(match[2].str());
      if (value.size() > 1 && value.back() == '.' &&
          value.find_first_not_of("-0123456789") == value.size() - 1) {
        value.pop_back();
      }
      f.env[match[1]] = value;
    }
  }
  return f;
}

std::optional<NcclTestsResult> parse_nccl_tests(std::string_view text) {
  static const std::regex threads_re(R"(nThread (\d+) nGpus (\d+))");
  NcclTestsResult r;
  std::size_t start = 0;
  int n = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    const std::string_view raw = text.substr(start, nl - start);
    start = nl + 1;
    ++n;
    const std::string t = trim(strip_log_prefixes(raw));
    std::smatch match;
    if (starts_with(t, "#")) {
      if (std::regex_search(t, match, threads_re)) {
        r.threads = std::atoi(match[1].str().c_str());
        r.gpus_per_thread = std::atoi(match[2].str().c_str());
      } else if (contains(t, "Collective test starting:")) {
        r.program = trim(std::string_view(t).substr(t.find(':') + 1));
      } else if (starts_with(t, "#  Rank") || starts_with(t, "# Rank")) {
        ++r.ranks;
      } else if (contains(t, "Avg bus bandwidth")) {
        const auto w = words(t.substr(t.find(':') + 1));
        if (!w.empty()) {
          r.avg_busbw = number(w[0]);
        }
        r.failed_marker = r.failed_marker || (!w.empty() && w.back() == "FAILED");
      } else if (contains(t, "Out of bounds values")) {
        const auto w = words(t.substr(t.find(':') + 1));
        if (!w.empty() && all_digits(w[0])) {
          r.out_of_bounds = std::atol(w[0].c_str());
        }
        r.failed_marker = r.failed_marker || (!w.empty() && w.back() == "FAILED");
      } else if (contains(t, "algbw") && contains(t, " error")) {
        r.old_format = true;
      }
      continue;
    }
    // A row: size count type redop [root] then (time algbw busbw wrong) x2.
    const auto w = words(t);
    if (w.size() < 12 || !all_digits(w[0]) || !all_digits(w[1])) {
      continue;
    }
    const std::size_t k = w.size();
    const auto oop_algbw = number(w[k - 7]);
    const auto oop_busbw = number(w[k - 6]);
    const auto ip_algbw = number(w[k - 3]);
    const auto ip_busbw = number(w[k - 2]);
    if (!oop_algbw || !oop_busbw || !ip_algbw || !ip_busbw || !number(w[k - 8]) ||
        !number(w[k - 4])) {
      continue;
    }
    NcclTestRow row;
    row.line = n;
    row.size = std::atof(w[0].c_str());
    row.type = w[2];
    row.op = w[3];
    row.oop_algbw = *oop_algbw;
    row.oop_busbw = *oop_busbw;
    row.oop_wrong = w[k - 5];
    row.ip_algbw = *ip_algbw;
    row.ip_busbw = *ip_busbw;
    row.ip_wrong = w[k - 1];
    r.rows.push_back(row);
  }
  if (r.rows.empty() && !r.avg_busbw) {
    return std::nullopt;
  }
  return r;
}

}  // namespace kray::core
