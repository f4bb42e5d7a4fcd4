// SPDX-License-Identifier: Apache-2.0
// The check Pod of `nccl-check --cluster` runs a POSIX sh script in the
// group's own image (no krayctl needed there) that prints the files the
// node checks read (RDMA sysfs, the GPUDirect RDMA paths NCCL's
// src/transport/net_ib/gdr.cc probes, /proc/driver/nvidia) between markers;
// krayctl rebuilds the tree from its log and judges it here.
#include <krayctl/core/nccl/nccl_bundle.hpp>

#include <krayctl/core/nccl/nccl_check.hpp>
#include <krayctl/core/nccl/nccl_node.hpp>

#include <cctype>
#include <cstdlib>

namespace kray::core {

namespace {

constexpr std::string_view k_marker = "=== krayctl ";

}  // namespace

std::string node_bundle_script(const std::string& nccl_tests, int gpus, bool through_nic) {
  std::string s =
      "set -u\n"
      "m='=== krayctl'\n"
      "echo \"$m begin 1\"\n"
      "for f in /dev/nvidia[0-9]* /dev/nvidiactl /dev/infiniband/*; do\n"
      "  [ -e \"$f\" ] && echo \"$m node $f\"\n"
      "done\n"
      "for f in /proc/driver/nvidia/version /proc/driver/nvidia/gpus/*/information \\\n"
      "    /sys/class/infiniband/*/ports/*/state /sys/class/infiniband/*/ports/*/phys_state \\\n"
      "    /sys/class/infiniband/*/ports/*/rate /sys/class/infiniband/*/ports/*/link_layer \\\n"
      "    /sys/module/nvidia_peermem/version /sys/kernel/mm/memory_peers/nv_mem/version \\\n"
      "    /sys/kernel/mm/memory_peers/nv_mem_nc/version /proc/modules /proc/mounts \\\n"
      "    /proc/meminfo /proc/self/limits /proc/self/status; do\n"
      "  [ -r \"$f\" ] && { echo \"$m file $f\"; cat \"$f\"; }\n"
      "done\n"
      "for f in /sys/class/net/*; do\n"
      "  [ -e \"$f\" ] && echo \"$m node $f/operstate\"\n"
      "done\n"
      "echo \"$m env\"\n"
      "env | grep -E '^(NCCL_|NVIDIA_VISIBLE_DEVICES=|CUDA_VISIBLE_DEVICES=)'\n";
  if (!nccl_tests.empty()) {
    // The program, or the nccl-tests build directory that holds it, in the
    // Pod's image; single quotes kept literal.
    std::string quoted;
    for (const char c : nccl_tests) {
      quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    s += "t='" + quoted + "'; [ -d \"$t\" ] && t=\"$t/all_reduce_perf\"\n";
    s += "echo \"$m run\"\n";
    for (const auto& v : nccl_run_environment(through_nic)) {
      s += std::string(v.name) + "=" +
           (v.user_may_set ? "${" + std::string(v.name) + ":-" + v.value + "}" : v.value) + " ";
    }
    s += "\"$t\" -b 1G -e 8G -f 2 -g " + std::to_string(gpus) + " 2>&1\n";
    s += "echo \"$m exit $?\"\n";
  }
  s += "echo \"$m end\"\n";
  return s;
}

Json check_job(const Json& group_spec,
               const std::string& cluster,
               const std::string& group,
               const std::string& ns,
               const std::string& script,
               long deadline_seconds) {
  // A label value: at most 63 characters, ending alphanumeric.
  std::string which = (cluster + "." + group).substr(0, 63);
  while (!which.empty() && std::isalnum(static_cast<unsigned char>(which.back())) == 0) {
    which.pop_back();
  }
  Json tmpl = group_spec.value("template", Json::object());
  Json meta = tmpl.value("metadata", Json::object());
  Json labels = Json::object();
  const Json template_labels = meta.value("labels", Json::object());
  for (auto it = template_labels.begin(); it != template_labels.end(); ++it) {
    if (it.key().rfind("ray.io/", 0) != 0) {
      labels[it.key()] = it.value();
    }
  }
  labels["app.kubernetes.io/managed-by"] = "krayctl";
  labels["krayctl.io/nccl-check"] = which;
  Json pod_meta = {{"labels", labels}};
  if (meta.contains("annotations")) {
    pod_meta["annotations"] = meta["annotations"];
  }
  Json spec = tmpl.value("spec", Json::object());
  Json containers = spec.value("containers", Json::array());
  // KubeRay's Ray container is the first (RayContainerIndex 0).
  Json ray = containers.empty() ? Json::object() : containers[0];
  for (const char* drop : {"args", "readinessProbe", "livenessProbe", "startupProbe", "lifecycle",
                           "ports", "workingDir"}) {
    ray.erase(drop);
  }
  ray["name"] = "nccl-check";
  ray["command"] = Json::array({"/bin/sh", "-c", script});
  spec["containers"] = Json::array({ray});
  spec.erase("initContainers");
  spec["restartPolicy"] = "Never";
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata",
           {{"generateName", "krayctl-nccl-check-"},
            {"namespace", ns},
            {"labels",
             {{"app.kubernetes.io/managed-by", "krayctl"}, {"krayctl.io/nccl-check", which}}}}},
          {"spec",
           {{"backoffLimit", 0},
            {"activeDeadlineSeconds", deadline_seconds},
            {"ttlSecondsAfterFinished", 600},
            {"template", {{"metadata", pod_meta}, {"spec", spec}}}}}};
}

NodeBundle parse_node_bundle(std::string_view text) {
  NodeBundle b;
  enum class In { nothing, file, env, run } in = In::nothing;
  std::string* file = nullptr;
  std::string run;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.substr(0, k_marker.size()) == k_marker) {
      const std::string_view what = line.substr(k_marker.size());
      in = In::nothing;
      file = nullptr;
      if (what.substr(0, 6) == "begin ") {
        b.begun = true;
      } else if (what.substr(0, 5) == "file ") {
        file = &b.files[std::string(what.substr(5))];
        in = In::file;
      } else if (what.substr(0, 5) == "node ") {
        b.files[std::string(what.substr(5))];
      } else if (what == "env") {
        in = In::env;
      } else if (what == "run") {
        in = In::run;
        b.run_output = "";
      } else if (what.substr(0, 5) == "exit ") {
        b.run_exit = std::atoi(std::string(what.substr(5)).c_str());
      } else if (what == "end") {
        b.complete = true;
      }
      continue;
    }
    switch (in) {
      case In::file:
        file->append(line);
        file->push_back('\n');
        break;
      case In::env:
        if (const auto eq = line.find('='); eq != std::string_view::npos) {
          b.env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
        }
        break;
      case In::run:
        b.run_output->append(line);
        b.run_output->push_back('\n');
        break;
      case In::nothing:
        break;
    }
  }
  return b;
}

}  // namespace kray::core
