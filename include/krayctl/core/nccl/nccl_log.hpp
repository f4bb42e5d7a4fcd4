// SPDX-License-Identifier: Apache-2.0
// What an NCCL_DEBUG=INFO log says (formats of NCCL's src/debug.cc,
// src/init.cc and transports; lines seen in public NVIDIA/nccl issues):
// version, the network chosen, RDMA devices, GPUDirect RDMA per HCA, the
// transport of every channel, warnings, errors, init time, and the NCCL_*
// settings NCCL echoed. Lines are matched unanchored, so that Ray's
// `(RayWorkerWrapper pid=..)` prefix, kubectl's timestamps, mpirun's
// `[1,0]<stdout>:` and NCCL 2.26's `[date time] ` WARN prefix all parse.
// Pure: text in, facts out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kray::core {

// One line worth quoting back to the user, 1-based.
struct LogLine {
  int line = 0;
  std::string text;  // the NCCL message (after "NCCL INFO/WARN"), or the whole line
};

// `[0]mlx5_0:1/IB`, `[1]mlx5_11:1/RoCE`, `[0]ibp0:1/IB/SHARP`.
struct NcclNetDevice {
  std::string name;  // mlx5_0
  int port = 0;
  std::string link;  // IB, RoCE
};

// A channel's transport, from the text after "via ".
enum class Transport { p2p, shm, net_ib, net_socket, net_plugin, nvls, collnet, other };

struct NcclLogFacts {
  int lines = 0;              // lines read
  int nccl_lines = 0;         // lines NCCL wrote (INFO, WARN, TRACE, version)
  std::string version;        // "2.19.3"
  std::string cuda;           // "12.3"
  std::optional<int> driver;  // cudaDriverVersion, 12040 = 12.4
  std::string network;        // "Using network X": IB, Socket, IBext_v8, ...
  std::optional<LogLine> network_line;
  std::vector<NcclNetDevice> ib_devices;       // NET/IB : Using ...
  std::optional<LogLine> ib_no_device;         // NET/IB : No device found.
  std::optional<LogLine> ibverbs_missing;      // Failed to open libibverbs.so[.1]
  std::vector<std::string> socket_interfaces;  // NET/Socket : Using [0]eth0:...
  std::string net_plugin;                      // "NET/Plugin: Loaded net plugin X"
  // NET/IB : GPU Direct RDMA Enabled|Disabled for HCA n 'mlx5_0'.
  std::map<std::string, bool> gdr_by_hca;
  std::optional<LogLine> gdr_disabled;  // the first "Disabled" line (either format)
  std::optional<LogLine> dmabuf;        // DMA-BUF is available on GPU device N
  // Channel lines by transport; NET ones also counted with /GDRDMA.
  std::map<Transport, int> channels;
  int net_channels_gdr = 0;
  std::optional<LogLine> socket_channel;   // the first via NET/Socket
  std::optional<LogLine> net_without_gdr;  // the first NET/IB... channel without /GDRDMA
  std::string net_transport;               // "IB", "IBext_v8", "Socket": of NET channels
  std::optional<int> nvls_channels;        // "... N nvls channels ..."
  std::optional<bool> nvls_multicast;      // NVLS multicast support is [not ]available
  int init_start = 0;
  int init_complete = 0;
  std::optional<double> init_seconds;      // "Init timings ... total X" (the largest seen)
  std::map<std::string, std::string> env;  // NCCL_X set (by environment) to V
  std::vector<LogLine> warnings;           // NCCL WARN messages
  std::vector<LogLine> errors;  // "NCCL error in:", ncclSystemError, ncclInternalError, ...
  // NCCL's return-code traces, "init.cc:321 -> 5": a call failed with that
  // ncclResult_t and the error went up the stack (NCCLCHECK's INFO line).
  std::optional<LogLine> first_trace;
  int first_trace_code = 0;
  int traces = 0;
  // The warning NCCL wrote last before its first trace: the cause.
  std::optional<LogLine> trace_cause;
  // "NET/Plugin: Plugin load returned 2 : ... cannot open shared object
  // file ...": a network plugin that did not load.
  std::optional<LogLine> net_plugin_error;
};

// `line` without the prefixes that wrappers put before what NCCL and
// nccl-tests print: kubectl --timestamps (RFC 3339), mpirun --tag-output
// (`[1,0]<stdout>:`), Ray's `(RayTrainWorker pid=.., ip=..)` (coloured or
// not), in any order and number.
std::string_view strip_log_prefixes(std::string_view line);

// The name of an ncclResult_t: 2 -> "ncclSystemError"; "" when unknown.
std::string nccl_result_name(int code);

NcclLogFacts parse_nccl_log(std::string_view text);

// The transport of the text after "via " ("NET/IB/3/GDRDMA", "P2P/CUMEM").
Transport classify_transport(std::string_view via);

// nccl-tests output (all_reduce_perf and friends; NVIDIA/nccl-tests'
// src/util.cu): the rows of the table, old (`error` column) and new
// (`#wrong`, `root`) formats, and the footer.
struct NcclTestRow {
  int line = 0;
  double size = 0;  // bytes
  std::string type;
  std::string op;
  double oop_busbw = 0;  // GB/s, out of place
  double ip_busbw = 0;   // in place
  double oop_algbw = 0;
  double ip_algbw = 0;
  std::string oop_wrong;  // "0", "N/A", "4e-07" (old: max error)
  std::string ip_wrong;
};

struct NcclTestsResult {
  std::string program;  // all_reduce_perf ("" when the output does not say)
  std::optional<int> threads;
  std::optional<int> gpus_per_thread;
  int ranks = 0;  // "#  Rank N ..." lines
  std::vector<NcclTestRow> rows;
  std::optional<double> avg_busbw;    // "# Avg bus bandwidth : X"
  std::optional<long> out_of_bounds;  // "# Out of bounds values : N [OK|FAILED]"
  bool failed_marker = false;         // a footer line ending in FAILED
  bool old_format = false;            // an error column instead of #wrong
};

// nullopt when the text holds no nccl-tests table.
std::optional<NcclTestsResult> parse_nccl_tests(std::string_view text);

}  // namespace kray::core
