// SPDX-License-Identifier: Apache-2.0
// The parts of the simulated kubelet and container runtime that need no
// clock and no server: what a container's probes are, whether the objects a
// container's environment and volumes name exist (kubelet's
// makeEnvironmentVariables and the configmap/secret volume plugins), and a
// simulated image registry with containerd's pull errors. The kubelet
// (sim.cpp) drives them.
#pragma once

#include "store.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fakekube {

// A container probe (core/v1 Probe) with the API server's defaults applied
// where the object lacks them (initialDelaySeconds 0, periodSeconds 10,
// timeoutSeconds 1, successThreshold 1, failureThreshold 3).
struct Probe {
  std::string handler;  // "exec", "httpGet", "tcpSocket" or "grpc"
  Json action;          // the handler's object
  double initial_delay = 0;
  double period = 10;
  double timeout = 1;
  int success_threshold = 1;
  int failure_threshold = 3;
};

// The probe at `field` ("startupProbe", "livenessProbe", "readinessProbe")
// of a container, if it has one with a handler.
std::optional<Probe> probe_of(const Json& container, const std::string& field);

// A port of a probe (a number, or the name of one of the container's ports):
// the number, or 0 when a name matches no port.
int probe_port(const Json& container, const Json& port);

// The HTTP requests an exec probe's command makes that the simulation can
// answer: each `http://localhost:PORT/PATH` (or 127.0.0.1) in it, as wget or
// curl would request it, and whether the command pipes into `grep WORD`
// (the body must then contain WORD). KubeRay's exec probes are such
// commands (common/pod.go, initLivenessAndReadinessProbe).
struct ExecRequest {
  int port = 80;
  std::string path = "/";
};
struct ExecProbe {
  std::vector<ExecRequest> requests;
  std::string grep;  // "" when nothing is grepped
};
ExecProbe parse_exec_probe(const Json& exec);

// Looks up an object the kubelet reads: resource "configmaps" or "secrets"
// in the Pod's namespace.
using ObjectLookup =
    std::function<std::optional<Json>(const std::string& resource, const std::string& name)>;

// Why a container's environment cannot be built: env valueFrom
// configMapKeyRef/secretKeyRef and envFrom naming a missing object or key
// that is not optional, in the kubelet's words (kubelet_pods.go,
// makeEnvironmentVariables): `configmap "NAME" not found`, `couldn't find
// key KEY in ConfigMap NS/NAME`, the same for Secrets. Empty when it can.
std::string env_problem(const Json& container, const std::string& ns, const ObjectLookup& lookup);

// The first configMap/secret volume of the Pod whose object is missing (and
// not optional): the volume's name and the mount error as the kubelet's
// FailedMount event words it ("MountVolume.SetUp failed for volume \"V\" :
// configmap \"NAME\" not found"). nullopt when every volume can be set up.
std::optional<std::pair<std::string, std::string>> volume_problem(const Json& pod,
                                                                  const ObjectLookup& lookup);

// Image references as containerd normalizes them: "busybox" is
// "docker.io/library/busybox:latest", "rayproject/ray:2.52.0" is
// "docker.io/rayproject/ray:2.52.0"; a digest is kept.
std::string normalize_image(const std::string& image);

// The images the simulated registry holds: glob patterns (`*` matches any
// run of characters, `?` one) over normalized references. By default:
// rayproject/ray, ray-ml and ray-llm with Ray version tags (major.minor.patch
// and any suffix, "2.52.0-py311-gpu"; latest*, nightly*), common Docker Hub official images, any
// image of another Docker Hub user or organisation and of any other registry (they cannot be
// known). What is not there fails to pull. Patterns name Docker Hub repositories as images do
// ("busybox:*", "myorg/*"); among the matching ones the most specific decides, those added or
// removed before the defaults.
class ImageRegistry {
 public:
  ImageRegistry();
  void add(const std::string& pattern);     // the image exists
  void remove(const std::string& pattern);  // the image does not exist
  bool exists(const std::string& image) const;
  // The runtime's error for an image that does not exist, as the kubelet's
  // Failed event and the ErrImagePull state message carry it after
  // "rpc error: code = ...": NotFound for a missing tag of a repository
  // that exists, Unknown (pull access denied) for a missing repository.
  std::string pull_error(const std::string& image) const;

 private:
  std::vector<std::string> m_exists;   // the defaults
  std::vector<std::string> m_missing;  // the defaults' exceptions
  std::vector<std::string> m_added;    // add(): before the defaults
  std::vector<std::string> m_removed;  // remove(): before the defaults
};

bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace fakekube
