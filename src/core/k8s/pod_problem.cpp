// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/k8s/pod_problem.hpp>

#include "../yaml/json_read.hpp"

#include <array>
#include <string_view>

namespace kray::core {
namespace {

using detail::member;
using detail::string_member;

// The kubelet's waiting reasons (Kubernetes pkg/kubelet/images/types.go for
// the image pull, pkg/kubelet/container/sync_result.go for the others): none
// of them passes by waiting, short of someone pushing the image or creating
// the missing Secret or ConfigMap.
constexpr std::array<std::string_view, 5> k_image_reasons = {
    "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
    "RegistryUnavailable"};
constexpr std::array<std::string_view, 3> k_config_reasons = {
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError"};

template <std::size_t N>
bool one_of(const std::string& s, const std::array<std::string_view, N>& set) {
  for (auto v : set) {
    if (s == v) {
      return true;
    }
  }
  return false;
}

std::optional<int> exit_code_of(const Json& terminated) {
  const Json& code = member(terminated, "exitCode");
  if (code.is_number_integer()) {
    return code.get<int>();
  }
  return std::nullopt;
}

// The problem one container status shows, or none.
PodProblem container_problem(const Json& cs, bool pod_failed) {
  PodProblem p;
  p.container = string_member(cs, "name");
  const Json& state = member(cs, "state");
  if (const Json& waiting = member(state, "waiting"); waiting.is_object()) {
    p.reason = string_member(waiting, "reason");
    p.message = string_member(waiting, "message");
    const Json& last = member(member(cs, "lastState"), "terminated");
    if (one_of(p.reason, k_image_reasons)) {
      p.kind = PodProblemKind::image_pull;
      p.permanent = true;
    } else if (one_of(p.reason, k_config_reasons)) {
      p.kind = PodProblemKind::config_error;
      p.permanent = true;
    } else if (p.reason == "CrashLoopBackOff") {
      p.exit_code = exit_code_of(last);
      p.permanent = true;
      if (string_member(last, "reason") == "OOMKilled") {
        p.kind = PodProblemKind::oom_killed;
        p.reason = "OOMKilled";
      } else {
        p.kind = PodProblemKind::crash_loop;
      }
    } else if (!p.reason.empty()) {
      p.kind = PodProblemKind::starting;  // ContainerCreating, PodInitializing
    }
    return p;
  }
  if (const Json& terminated = member(state, "terminated"); terminated.is_object()) {
    p.reason = string_member(terminated, "reason");
    p.message = string_member(terminated, "message");
    p.exit_code = exit_code_of(terminated);
    if (p.reason == "OOMKilled") {
      p.kind = PodProblemKind::oom_killed;
      p.permanent = pod_failed;
    } else if (p.exit_code.value_or(0) != 0) {
      p.kind = PodProblemKind::exited;
      if (p.reason.empty()) {
        p.reason = "Error";
      }
      p.permanent = pod_failed;
    }
    return p;
  }
  return p;
}

// "readiness probe HTTP GET :8000/-/healthz", "readiness probe exec
// [bash -c ...]", or "" when the spec has none.
std::string probe_of(const Json& pod, const std::string& container) {
  for (const auto& c : member(member(pod, "spec"), "containers")) {
    if (string_member(c, "name") != container) {
      continue;
    }
    const Json& probe = member(c, "readinessProbe");
    if (!probe.is_object()) {
      return "";
    }
    if (const Json& http = member(probe, "httpGet"); http.is_object()) {
      const Json& port = member(http, "port");
      return "readiness probe HTTP GET :" +
             (port.is_string() ? port.get<std::string>() : port.dump()) +
             string_member(http, "path");
    }
    if (const Json& exec = member(probe, "exec"); exec.is_object()) {
      std::string words;
      for (const auto& w : member(exec, "command")) {
        if (w.is_string()) {
          words += (words.empty() ? "" : " ") + w.get<std::string>();
        }
      }
      return "readiness probe exec [" + words + "]";
    }
    if (const Json& tcp = member(probe, "tcpSocket"); tcp.is_object()) {
      return "readiness probe TCP :" + member(tcp, "port").dump();
    }
    return "readiness probe";
  }
  return "";
}

}  // namespace

std::string PodProblem::summary() const {
  const std::string who = container.empty() ? "the container" : "container " + container;
  const std::string code = exit_code ? " with code " + std::to_string(*exit_code) : "";
  switch (kind) {
    case PodProblemKind::none:
      return "";
    case PodProblemKind::starting:
      return reason;
    case PodProblemKind::unschedulable:
      return reason + ": " + message;
    case PodProblemKind::image_pull:
    case PodProblemKind::config_error:
      return reason + ": " + (message.empty() ? "the container cannot start" : message);
    case PodProblemKind::crash_loop:
      return reason + ": " + who + " keeps exiting" + code;
    case PodProblemKind::oom_killed:
      return "OOMKilled: " + who + " passed its memory limit" +
             (exit_code ? " (exit code " + std::to_string(*exit_code) + ")" : "");
    case PodProblemKind::exited:
      return reason + ": " + who + " exited" + code + (message.empty() ? "" : ": " + message);
    case PodProblemKind::init_stuck:
      return "init " + who + ": " + message;
    case PodProblemKind::not_ready:
      return "NotReady: " + who + " runs but is not ready" +
             (message.empty() ? "" : " (" + message + ")");
  }
  return reason;
}

PodProblem pod_problem(const Json& pod) {
  const Json& status = member(pod, "status");
  const std::string phase = string_member(status, "phase");
  const bool failed = phase == "Failed";
  for (const auto& c : member(status, "conditions")) {
    if (string_member(c, "type") == "PodScheduled" && string_member(c, "status") == "False") {
      PodProblem p;
      p.kind = PodProblemKind::unschedulable;
      p.reason = string_member(c, "reason");
      p.message = string_member(c, "message");
      // Only the scheduler's own verdict is firm; a SchedulingGated Pod
      // waits for whoever holds the gate.
      p.permanent = p.reason == "Unschedulable";
      return p;
    }
  }
  const Json& inits = member(status, "initContainerStatuses");
  int done = 0;
  for (const auto& cs : inits) {
    PodProblem inner = container_problem(cs, failed);
    const Json& state = member(cs, "state");
    if (member(state, "terminated").is_object() && inner.ok()) {
      ++done;
      continue;
    }
    if (!inner.ok() && inner.kind != PodProblemKind::starting) {
      PodProblem p;
      p.kind = PodProblemKind::init_stuck;
      p.reason = inner.reason;
      p.container = inner.container;
      p.exit_code = inner.exit_code;
      p.permanent = inner.permanent;
      p.message = inner.summary();
      return p;
    }
    // Running or about to: what kubectl's STATUS column shows.
    PodProblem p;
    p.kind = PodProblemKind::starting;
    p.reason = "Init:" + std::to_string(done) + "/" + std::to_string(inits.size());
    p.container = inner.container;
    return p;
  }
  PodProblem first_waiting;
  for (const auto& cs : member(status, "containerStatuses")) {
    PodProblem p = container_problem(cs, failed);
    if (p.kind == PodProblemKind::starting) {
      if (first_waiting.ok()) {
        first_waiting = p;
      }
    } else if (!p.ok()) {
      return p;
    }
  }
  if (!first_waiting.ok()) {
    return first_waiting;
  }
  if (phase == "Running") {
    for (const auto& cs : member(status, "containerStatuses")) {
      const Json& ready = member(cs, "ready");
      if (member(member(cs, "state"), "running").is_object() && ready.is_boolean() &&
          !ready.get<bool>()) {
        PodProblem p;
        p.kind = PodProblemKind::not_ready;
        p.reason = "NotReady";
        p.container = string_member(cs, "name");
        p.message = probe_of(pod, p.container);
        return p;
      }
    }
  }
  return {};
}

}  // namespace kray::core
