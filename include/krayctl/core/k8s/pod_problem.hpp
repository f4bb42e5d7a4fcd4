// SPDX-License-Identifier: Apache-2.0
// Why a Pod is not running as it should, read from its status the way
// `kubectl describe pod` and the kubelet's reasons put it (Kubernetes,
// "Pod Lifecycle": https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/,
// and "Debug Pods": https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/).
// One model for `status`, `nccl-check --cluster` and the wait loops:
// each says the same thing about the same Pod.
#pragma once

#include <krayctl/core/yaml/json.hpp>

#include <optional>
#include <string>

namespace kray::core {

enum class PodProblemKind {
  none,           // running and ready, finished well, or nothing known yet
  starting,       // ContainerCreating, PodInitializing: passes by itself
  unschedulable,  // PodScheduled=False: the scheduler's message says why
  image_pull,     // ErrImagePull, ImagePullBackOff, InvalidImageName, ...
  config_error,   // CreateContainerConfigError, CreateContainerError, RunContainerError
  crash_loop,     // CrashLoopBackOff: the container keeps exiting
  oom_killed,     // a container was killed for passing its memory limit
  exited,         // a container ended with an error (not OOM), no restart pending
  init_stuck,     // an init container waits, fails or crash-loops
  not_ready,      // running, but the readiness probe fails
};

struct PodProblem {
  PodProblemKind kind = PodProblemKind::none;
  std::string reason;     // Kubernetes' word: "Unschedulable", "ImagePullBackOff", "OOMKilled"
  std::string container;  // the container concerned; "" for the Pod
  std::string message;    // the scheduler's or kubelet's message, or what krayctl adds
  std::optional<int> exit_code;  // of the last termination, when one is known
  // True when the Pod will not get better by waiting: a wait loop stops
  // on it instead of running to its timeout.
  bool permanent = false;

  bool ok() const { return kind == PodProblemKind::none; }
  // One line for a table or an error: "Unschedulable: 0/3 nodes are
  // available: ...", "CrashLoopBackOff: container ray-worker exited with
  // code 1", "ContainerCreating".
  std::string summary() const;
};

// The most telling problem of `pod` (a Pod object as the API server
// returns it): scheduling first, then init containers, then containers in
// order; a container problem names its container. PodProblemKind::none
// when there is none.
PodProblem pod_problem(const Json& pod);

}  // namespace kray::core
