// SPDX-License-Identifier: Apache-2.0
// The verdict of `krayctl nccl-check`: checks, each pass, warn, fail (or
// info, not counted) with its reason and its fix, from what an NCCL log and
// nccl-tests output say (signatures seen in public NVIDIA/nccl and
// NVIDIA/nccl-tests issues, e.g. nccl#1676, nccl-tests#178). Node facts
// (issue 6, part 2) add their checks to the same report. Pure.
#pragma once

#include <krayctl/core/nccl/nccl_log.hpp>
#include <krayctl/core/yaml/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kray::core {

enum class CheckStatus { pass, info, warn, fail };

struct CheckResult {
  std::string id;  // network, gdr, shm, memlock, ...
  CheckStatus status = CheckStatus::pass;
  std::string message;
  std::string fix;  // "" when nothing to do
  int line = 0;     // where in the log, 0 when nowhere
};

struct NcclCheckInput {
  std::string source;  // the log's name, for messages
  std::optional<NcclLogFacts> log;
  std::optional<NcclTestsResult> tests;
  std::optional<double> min_busbw;  // GB/s, --min-busbw
};

struct NcclReport {
  std::vector<CheckResult> checks;
  // One line: "OK: NET/IB with GDRDMA on mlx5_0..7, busbw 47.1 GB/s" or
  // "FAIL: NCCL used NET/Socket (TCP): ...; fix".
  std::string summary;
  bool failed() const;
};

NcclReport evaluate_nccl(const NcclCheckInput& input);

// A run across nodes judged from its log alone (`--log` without
// --min-busbw): the busbw at the largest size per NIC that the log names
// (`NET/IB : Using [0]mlx5_0:1/IB ...`). The log does not carry link
// speeds, so it is set beside what NDR (400G), HDR (200G) and 100G links
// carry (about 46, 24 and 12 GB/s per NIC: NCCL maintainers' figures), a
// WARN that asks for --min-busbw; a FAIL below 80% of even a 100G link.
void log_busbw_check(const NcclLogFacts& log, const NcclTestsResult& tests, NcclReport& report);

// Sets `report.summary` from its checks (after checks were added).
void summarize(NcclReport& report);

// Shared with the node checks (nccl_node.cpp).
// The fix for a pod without RDMA devices.
const char* rdma_fix();
// NCCL variables its docs (env.html) call workarounds or debugging aids.
bool is_debug_variable(const std::string& name);

// "mlx5_0..7" for consecutive names with one prefix, else "a,b,c".
std::string name_range(const std::vector<std::string>& names);

// The text report: one line per check (status, id, message; the fix
// indented below), then the summary.
std::string format_nccl_report(const NcclReport& report, const std::string& source);
Json to_json(const NcclReport& report);

// What `nccl-check --run` and the check Pod of `--cluster` set for
// all_reduce_perf, so that the log says what the checks need
// (NCCL_DEBUG=INFO; NCCL_DEBUG_SUBSYS unless the user chose one) and, with
// `through_nic`, every byte goes through the NICs (P2P, SHM and NVLS off:
// GPUs of one node then talk over NET, through their HCAs). The checks of
// the user's NCCL settings ignore these, which krayctl set itself.
struct ForcedNcclVar {
  const char* name;
  const char* value;
  bool user_may_set;  // the user's own value wins
};
std::vector<ForcedNcclVar> nccl_run_environment(bool through_nic);

}  // namespace kray::core
