// SPDX-License-Identifier: Apache-2.0
// The objects the simulated KubeRay operator creates for a RayCluster, built
// as KubeRay v1.6.2 builds them (github.com/ray-project/kuberay at tag
// v1.6.2, ray-operator/controllers/ray/):
//   - common/pod.go: DefaultHeadPodTemplate, DefaultWorkerPodTemplate,
//     BuildPod, setMissingRayStartParams, generateRayStartCommand,
//     convertParamMap, setContainerEnvVars, initLivenessAndReadinessProbe,
//     addEmptyDir, BuildAutoscalerContainer, labelPod;
//   - common/service.go: BuildServiceForHeadPod, BuildServeService;
//   - common/job.go: BuildJobSubmitCommand, GetSubmitterTemplate,
//     GetDefaultSubmitterContainer, GetMetadataJson; rayjob_controller.go:
//     createNewK8sJob, configureSubmitterContainer;
//   - utils/util.go: PodName, CheckName, CheckLabel, GenerateFQDNServiceName.
// The operator's defaults are assumed: probes and the `wait-gcs-ready` init
// container injected, generated (not deterministic) head Pod names, the
// cluster domain `cluster.local`, no login shell, no batch scheduler, no
// operator-level sidecars or default env.
//
// Pure functions of the RayCluster object: the Pods and Services come back
// as a client would POST them (no status, no server defaults), so what the
// API server then defaults and refuses is its own business.
#pragma once

#include "store.hpp"

#include <optional>
#include <string>

namespace fakekube::kuberay {

// "<cluster>-head-svc", or headGroupSpec.headService.metadata.name.
std::string head_service_name(const Json& cluster);
// "<head service>.<namespace>.svc.cluster.local".
std::string head_fqdn(const Json& cluster);
// headGroupSpec.rayStartParams.port, else "6379".
std::string head_port(const Json& cluster);

// The `ray start ...` command of the head (group == nullptr) or of a worker
// group, exactly as KUBERAY_GEN_RAY_START_CMD holds it.
std::string ray_start_command(const Json& cluster, const Json* group);

// The head Pod: generateName "<cluster>-head-" (lower case, prefix cut at 50).
Json build_head_pod(const Json& cluster);
// A worker Pod of `group` (an element of spec.workerGroupSpecs) with the
// label ray.io/worker-group-replica-index = `replica_index`; for groups with
// numOfHosts > 1 also the replica name and host index labels.
Json build_worker_pod(const Json& cluster,
                      const Json& group,
                      int replica_index,
                      const std::string& replica_name = "",
                      int host_index = 0);
// The head Service (headless unless serviceType says otherwise).
Json build_head_service(const Json& cluster);
// The serve Service of a RayCluster with ray.io/enable-serve-service: "true";
// an error message when the head container has no `serve`/`serve-*` port.
Result<Json> build_serve_service(const Json& cluster);

// The K8sJobMode submitter's command line (BuildJobSubmitCommand) for a
// RayJob whose status has dashboardURL and jobId: `if ! ray job status ...
// ; then ray job submit ... -- <entrypoint> ; fi ; ray job logs ...`. An
// error where KubeRay's is one (a runtimeEnvYAML that is not YAML; metadata
// with a rayVersion below 2.6.0 or not a version).
Result<std::string> job_submit_command(const Json& rayjob);
// The submitter Job (batch/v1, named as the RayJob, owned by it) for a
// RayJob in K8sJobMode and the RayCluster it runs on.
Result<Json> build_submitter_job(const Json& rayjob, const Json& cluster);
// The head Service a RayJob or RayService keeps for its cluster
// (BuildHeadServiceForRayJob, BuildHeadServiceForRayService): the
// cluster's head Service without headServiceAnnotations, named
// "<owner>-head-svc", with the owner's labels, owned by the owner.
Json build_owner_head_service(const Json& owner, const Json& cluster);
// The RayService's serve Service (BuildServeServiceForRayService, no
// incremental upgrade): "<rayservice>-serve-svc" or spec.serveService,
// selecting the cluster's Pods labelled ray.io/serve=true; an error when
// there is neither a serve port nor a serveService.
Result<Json> build_rayservice_serve_service(const Json& rayservice, const Json& cluster);

}  // namespace fakekube::kuberay
