// SPDX-License-Identifier: Apache-2.0
// `krayctl apply`: validate every document, send nothing if any fails, then
// server-side apply each object (fieldManager=krayctl).
#pragma once

#include <krayctl/app/connection.hpp>
#include <krayctl/app/deps.hpp>
#include <krayctl/app/kubeconfig.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/transport.hpp>
#include <krayctl/util/error.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kray::app {

enum class DryRun { none, client, server };

struct ApplyOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> sets;         // --set PATH=VALUE on every compact spec, as render
  std::vector<std::string> set_strings;  // --set-string PATH=VALUE
  std::vector<std::string> disable;      // lint IDs not to warn about
  DryRun dry_run = DryRun::none;
  bool force_conflicts = false;
  // Then wait: each RayCluster and RayService ready, each RayJob complete
  // (krayctl wait's conditions and exit codes), within --timeout.
  bool wait = false;
  // How long the whole command may take, retries and their waits included
  // (--timeout; 0: no limit).
  std::chrono::milliseconds timeout{600'000};
  KubeconfigOptions kubeconfig;
  TransportFactory transport;
};

// The label krayctl puts on what it applies; `delete` removes only objects
// that carry it (or krayctl's field manager) unless --force.
inline constexpr const char* k_managed_by_label = "app.kubernetes.io/managed-by";
inline constexpr const char* k_field_manager = "krayctl";

// One object to apply: validated, mapped to its REST path, namespaced and
// labelled (app.kubernetes.io/managed-by=krayctl).
struct PlannedObject {
  kube::ResourceRef ref;
  std::string ns;
  std::string name;
  core::Json body;
};

// Validates every input as apply does (diagnostics to stderr; nothing is
// planned if one is an error) and maps each manifest to what is sent, in
// namespace `ns` where it names none.
[[nodiscard]] Result<std::vector<PlannedObject>> plan_apply(const ApplyOptions& options,
                                                            const std::string& ns,
                                                            const Deps& deps);

// Server-side applies one planned object; returns kubectl's line for it
// ("rayjob.ray.io/train created") and the object as the server has it.
struct AppliedObject {
  std::string line;
  core::Json object;
};
[[nodiscard]] Result<AppliedObject> apply_planned(kube::Client& client,
                                                  const PlannedObject& planned,
                                                  const ApplyOptions& options);

// Prints one line per object, kubectl-style ("raycluster.ray.io/train
// created", "... configured", "... unchanged", "... (server dry run)").
[[nodiscard]] Result<void> run_apply(const ApplyOptions& options, const Deps& deps);

}  // namespace kray::app
