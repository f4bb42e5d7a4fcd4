// SPDX-License-Identifier: Apache-2.0
// What a container of a Ray image runs, read as the kubelet, the shell and
// `ray start` read it, so the simulated kubelet can run `ray start`
// faithfully. Pure functions: no server, no clock (timestamps come in as
// parameters), no file system.
//
// Four layers, each usable alone:
//   1. the container's argv: Kubernetes `$(VAR)` references expanded
//      (kubernetes third_party/forked/golang/expansion/expand.go: Expand);
//   2. the shell: `sh|bash -c [--] SCRIPT` split into simple commands, with
//      quoting and `$VAR` expansion, and the wait-gcs-ready loop of KubeRay
//      (ray-operator/controllers/ray/common/pod.go: DefaultWorkerPodTemplate)
//      recognised;
//   3. `ray start`'s options as click parses them (ray python/ray/scripts/
//      scripts.py: start; click core.py/parser.py/types.py), with click's
//      usage errors and Ray's own aborts;
//   4. the node's resources (ray python/ray/_private/resource_spec.py:
//      ResourceSpec.resolve, to_resource_dict; python/ray/_private/utils.py:
//      get_num_cpus) and the lines Ray prints (record log style,
//      python/ray/autoscaler/_private/cli_logger.py).
// docs/testing.md ("What a Ray container runs") lists what is left out.
#pragma once

#include "store.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fakekube::ray {

using Env = std::map<std::string, std::string>;

// ---- 1. Kubernetes expansion -------------------------------------------

// `$(VAR)` replaced by env[VAR]; `$$` is a literal `$`; a reference to an
// unknown variable, an unterminated `$(` and any other `$x` stay as they are.
std::string expand_kube_refs(const std::string& s, const Env& env);

// The container's env list as the kubelet resolves it: each `value` with its
// `$(VAR)` references to earlier entries (and to `base`, e.g. service
// variables) expanded. Entries with `valueFrom` take `from_sources[name]`
// when given there, else they are left out.
Env container_env(const Json& container, const Env& base = {}, const Env& from_sources = {});

// command + args, each element expanded with `env`.
std::vector<std::string> container_argv(const Json& container, const Env& env);

// ---- 2. The shell --------------------------------------------------------

struct Step {
  std::vector<std::string> argv;  // after quote removal and $VAR expansion
  std::string joined_by;          // "" (first), ";", "&&", "||", "|" or "&" before it
  int loop_depth = 0;             // inside how many while/until loops
  bool background = false;        // followed by `&`
};

struct Run {
  bool shell = false;                    // run through sh/bash -c
  std::vector<Step> steps;               // the commands, in order; no-ops left out (see read_argv)
  std::optional<std::size_t> ray_start;  // index of the `ray start` step
  // `ray health-check --address X` inside a while/until loop: KubeRay's
  // wait-gcs-ready init container waiting for the GCS at X.
  std::optional<std::string> health_check_address;
  // Non-empty: a construct this reader does not follow (`$(...)`, backquotes,
  // here-documents, `for`/`case`, an unterminated quote, a script file).
  std::string unsupported;

  const std::vector<std::string>* ray_start_argv() const;
  // Whether commands run after `ray start` returns (`ray start ...; sleep
  // infinity` keeps the container alive after a `ray start` without --block).
  bool runs_after_ray_start() const;
};

// What `argv` (already $(VAR)-expanded) runs. A shell `-c` script is split
// on `;`, `&&`, `||`, `|`, `&` and newlines; these are dropped: `ulimit`,
// `echo`, `true`, `:`, the `exec` prefix, leading `VAR=value` words (a
// command of assignments only, or `export VAR=value`, sets VAR for later
// `$VAR`), redirections, `(( ... ))`, and the keywords of if/while/until.
// `env` seeds the shell's variables. Any other argv[0] is run as is (exec
// form: no $VAR expansion, as Kubernetes does not run a shell).
Run read_argv(const std::vector<std::string>& argv, const Env& env);
// The same for a container object: container_env + container_argv first.
Run read_container(const Json& container, const Env& base = {}, const Env& from_sources = {});

// ---- 3. ray start's options ---------------------------------------------

inline constexpr int k_default_gcs_port = 6379;             // ray_constants.DEFAULT_PORT
inline constexpr int k_default_dashboard_port = 8265;       // DEFAULT_DASHBOARD_PORT
inline constexpr int k_default_agent_listen_port = 52365;   // DEFAULT_DASHBOARD_AGENT_LISTEN_PORT
inline constexpr int k_default_client_server_port = 10001;  // scripts.py: start
inline constexpr int k_gcs_connect_attempts = 20;           // NUM_REDIS_GET_RETRIES

struct StartOptions {
  bool head = false;
  bool block = false;
  std::optional<std::string> address;  // host:port (worker: the GCS)
  std::optional<long long> port;       // --port as given (head only)
  std::optional<long long> num_cpus, num_gpus, memory, object_store_memory;
  Json resources = Json::object();  // --resources, parsed
  Json labels = Json::object();     // --labels, parsed (JSON or k=v,k=v)
  std::string dashboard_host = "127.0.0.1";
  long long dashboard_port = k_default_dashboard_port;
  long long dashboard_agent_listen_port = k_default_agent_listen_port;
  std::optional<long long> metrics_export_port;
  std::optional<long long> ray_client_server_port;  // as given
  std::optional<bool> include_dashboard;
  std::optional<std::string> node_ip_address;
  bool no_monitor = false;
  bool disable_usage_stats = false;
  std::map<std::string, std::string>
      given;  // every option on the command line, last value ("" for flags)
  // cli_logger lines start() prints before it starts anything (the
  // --gcs-server-port error, the --temp-dir warning on a worker): level, message.
  std::vector<std::pair<std::string, std::string>> notes;

  long long gcs_port() const { return port.value_or(k_default_gcs_port); }
  bool dashboard() const { return head && include_dashboard.value_or(true); }
  // The Ray client server's port: --ray-client-server-port, else 10001 on a
  // head with ray[client] installed (the Ray images have it), else none.
  std::optional<long long> client_server_port(bool client_deps = true) const;
};

// A command that fails: its exit code and the lines it writes to stderr
// (click's usage errors, Ray's PANIC line and click's "Error: ..." line, a
// Python traceback's last line). `stdout_lines` is what it printed first.
struct Failure {
  int exit_code = 1;
  std::vector<std::string> stdout_lines;
  std::vector<std::string> lines;
};

template <typename T>
using Outcome = tl::expected<T, Failure>;

// argv of `ray start ...` (from "ray" on, or from the first option). The
// timestamp is the one Ray's record-style lines carry.
Outcome<StartOptions> parse_start(const std::vector<std::string>& argv,
                                  const std::string& timestamp);

// ---- 4. Resources and output --------------------------------------------

// What the container gives the node (Ray reads it from cgroups and NVML).
struct NodeFacts {
  std::string node_ip = "127.0.0.1";
  Json limits = Json::object();        // the container's resources.limits
  int host_cpus = 8;                   // multiprocessing.cpu_count()
  long long host_memory = 16LL << 30;  // total host memory, bytes
  long long used_memory = 0;           // the container's working set at start
  long long shm_bytes = 64LL << 20;    // free bytes of /dev/shm
  std::string gpu_name;  // NVML name of GPU 0 ("NVIDIA A100-SXM4-80GB"), "" if unknown
};

struct NodeResources {
  Json resources = Json::object();  // as ray.cluster_resources() lists this node; zeros left out
  // Python `logging` warnings printed on the way (stderr): the CPU truncation.
  std::vector<std::string> warnings;
};

// The resources Ray registers for the node, or the ValueError/AssertionError
// the node's start dies with (exit 1).
Outcome<NodeResources> node_resources(const StartOptions& options,
                                      const NodeFacts& facts,
                                      const std::string& timestamp);

// The time of a record-style line as Python's logging prints it (UTC):
// "2026-01-20 22:04:24,856", from milliseconds since the epoch.
std::string record_timestamp(long long epoch_ms);

// One record-style line: "<ts>\t<LEVEL> <file>:<line> -- <message>".
std::string record(const std::string& timestamp,
                   const std::string& level,
                   const std::string& file,
                   int line,
                   const std::string& message);

// What a successful `ray start --head` prints (stdout), --block group
// included only with --block. `ray_version` picks the job-submit hint's
// variable name (RAY_API_SERVER_ADDRESS from 2.49 on, RAY_ADDRESS before).
std::vector<std::string> head_started_lines(const StartOptions& options,
                                            const std::string& node_ip,
                                            const std::string& timestamp,
                                            const std::string& ray_version = "2.52.0");
// What a successful worker `ray start --address=...` prints (stdout).
std::vector<std::string> worker_started_lines(const StartOptions& options,
                                              const std::string& node_ip,
                                              const std::string& timestamp);

// One failed attempt of a worker (or of `ray health-check`) to reach the GCS
// at `address`: the C++ (glog-format) warning on stderr.
std::string gcs_connect_retry_line(const std::string& address,
                                   const std::string& timestamp,
                                   int pid,
                                   int tid);
// What the worker's `ray start` ends with after k_gcs_connect_attempts
// failed attempts: a Python traceback, exit code 1.
Failure worker_gcs_unreachable(const std::string& address);

// `ray health-check --address X` when the GCS at X does not answer: exit 1.
Failure health_check_unreachable(const std::string& address,
                                 const std::string& timestamp,
                                 int pid,
                                 int tid);

}  // namespace fakekube::ray
