// SPDX-License-Identifier: Apache-2.0
// `nccl-check --cluster`: the Job it runs in a group's own Pod template and
// what that Pod prints back (src/core/nccl/nccl_bundle.cpp).
#pragma once

#include <krayctl/core/yaml/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kray::core {

// The Job `nccl-check --cluster` creates in `ns`: the group's own Pod
// template (resources, env, capabilities, volumes, scheduling,
// annotations such as Multus networks) with the Ray container alone, its
// command replaced by `script`, probes, init and sidecar containers and
// the ray.io labels dropped (the operator must not count it as a member),
// restartPolicy Never, no retries, a deadline, cleaned up after 10
// minutes, and krayctl's managed-by label.
Json check_job(const Json& group_spec,
               const std::string& cluster,
               const std::string& group,
               const std::string& ns,
               const std::string& script,
               long deadline_seconds);

// What the check Pod of `nccl-check --cluster` prints: the files the node
// checks read (device nodes as empty files), NCCL_* of its environment,
// and a run's output, between "=== krayctl ..." markers.
struct NodeBundle {
  bool begun = false;     // the first marker came (the script ran)
  bool complete = false;  // the last one came (it ran to its end)
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> env;
  std::optional<std::string> run_output;
  std::optional<int> run_exit;
};
NodeBundle parse_node_bundle(std::string_view text);

// The POSIX sh script that prints a NodeBundle, run in the group's own
// image: only sh, cat, env and grep are needed there. With `nccl_tests`
// (a path in the image), it also runs all_reduce_perf on `gpus` GPUs,
// through the NICs when `through_nic`.
std::string node_bundle_script(const std::string& nccl_tests, int gpus, bool through_nic);

}  // namespace kray::core
