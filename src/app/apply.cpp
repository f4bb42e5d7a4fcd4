// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/apply.hpp>

#include "inputs.hpp"

#include <krayctl/app/connection.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/app/validate/validate.hpp>
#include <krayctl/app/wait.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/verbs.hpp>

namespace kray::app {

namespace {

using core::Json;

// Every manifest mapped to its REST path before anything is sent.
Result<std::vector<PlannedObject>> plan(const std::vector<Json>& manifests, const std::string& ns) {
  std::vector<PlannedObject> out;
  for (const auto& m : manifests) {
    const std::string api = string_at(m, "apiVersion");
    const std::string kind = string_at(m, "kind");
    const std::string name = string_at(m, "metadata", "name");
    auto ref = known_resource(api, kind);
    if (!ref && api == "ray.io/v1alpha1") {
      return make_error(ErrorCode::usage, name +
                                              ": krayctl applies ray.io/v1 only: change "
                                              "apiVersion to ray.io/v1 (v1alpha1 is "
                                              "deprecated); nothing was sent");
    }
    if (!ref) {
      return make_error(ErrorCode::usage, "krayctl does not apply " + kind + " (" + api +
                                              "): apply it with kubectl; nothing was sent");
    }
    if (name.empty()) {
      return make_error(ErrorCode::invalid_spec, kind +
                                                     " without metadata.name: server-side apply "
                                                     "needs a name (generateName is for create); "
                                                     "nothing was sent");
    }
    Json body = m;
    std::string object_ns = string_at(m, "metadata", "namespace");
    if (ref->namespaced && object_ns.empty()) {
      object_ns = ns;
      body["metadata"]["namespace"] = ns;
    }
    // Ownership, for `krayctl delete` to recognise later.
    if (!body["metadata"].contains("labels") || !body["metadata"]["labels"].is_object()) {
      body["metadata"]["labels"] = Json::object();
    }
    if (!body["metadata"]["labels"].contains(k_managed_by_label)) {
      body["metadata"]["labels"][k_managed_by_label] = k_field_manager;
    }
    out.push_back({*ref, ref->namespaced ? object_ns : "", name, std::move(body)});
  }
  return out;
}

// Whether an apply changed the object, from the object before and after.
// Not from resourceVersion: any write in between (the operator updating
// status, which it does all the time) moves it. metadata.generation moves
// only with the spec; labels, annotations and finalizers are compared
// directly; kinds without a generation (ConfigMap, Secret) are compared
// whole, less what the server and controllers write on their own.
bool apply_changed(const Json& before, const Json& after) {
  const auto meta_of = [](const Json& o) -> const Json& {
    static const Json empty = Json::object();
    return o.is_object() && o.contains("metadata") && o["metadata"].is_object() ? o["metadata"]
                                                                                : empty;
  };
  const Json& b = meta_of(before);
  const Json& a = meta_of(after);
  for (const char* key : {"labels", "annotations", "finalizers", "ownerReferences"}) {
    if (b.value(key, Json()) != a.value(key, Json())) {
      return true;
    }
  }
  if (b.contains("generation") && a.contains("generation")) {
    return b["generation"] != a["generation"];
  }
  const auto content = [](Json o) {
    if (o.is_object()) {
      o.erase("status");
      o.erase("metadata");
    }
    return o;
  };
  return content(before) != content(after);
}

// Every input validated, diagnostics printed; the manifests when none
// is an error.
Result<std::vector<Json>> validated_manifests(const ApplyOptions& options, const Deps& deps) {
  ValidateOptions vo;
  vo.inputs = options.inputs;
  vo.namespace_ = options.kubeconfig.overrides.namespace_;  // only an explicit -n
  vo.every_file_a_spec = true;
  vo.sets = options.sets;
  vo.set_strings = options.set_strings;
  vo.disable = options.disable;
  KRAY_TRY_ASSIGN(auto report, validate_inputs(vo, deps));
  std::size_t errors = 0;
  for (const auto& d : report.diagnostics) {
    errors += d.severity == core::Severity::error ? 1U : 0U;
  }
  if (!report.diagnostics.empty()) {
    deps.console.err(format_report(report, ReportFormat::text, deps.console.err_color()));
  }
  if (errors > 0) {
    return tl::unexpected(
        Error{ErrorCode::invalid_spec, "nothing was sent", std::nullopt, {}, false});
  }
  if (report.manifests.empty()) {
    return make_error(ErrorCode::usage, "nothing to apply in the inputs");
  }
  return std::move(report.manifests);
}

}  // namespace

Result<std::vector<PlannedObject>> plan_apply(const ApplyOptions& options,
                                              const std::string& ns,
                                              const Deps& deps) {
  KRAY_TRY_ASSIGN(const auto manifests, validated_manifests(options, deps));
  return plan(manifests, ns);
}

Result<AppliedObject> apply_planned(kube::Client& client,
                                    const PlannedObject& p,
                                    const ApplyOptions& options) {
  const std::string shown = kube::display_name(p.ref, p.name);
  // What was there, to say created / configured / unchanged.
  std::optional<Json> before;
  auto existing = kube::get(client, p.ref, p.ns, p.name);
  if (existing) {
    before = std::move(*existing);
  } else if (existing.error().code != ErrorCode::not_found) {
    return tl::unexpected(std::move(existing).error().add_context(shown));
  }
  kube::ApplyOptions how;
  how.field_manager = k_field_manager;
  how.force = options.force_conflicts;
  how.dry_run = options.dry_run == DryRun::server;
  auto applied = kube::apply(client, p.ref, p.ns, p.name, p.body, how);
  if (!applied) {
    Error e = std::move(applied).error();
    if (e.code == ErrorCode::field_conflict) {
      e.message +=
          "; another field manager owns these fields: change them back in your file, "
          "or pass --force-conflicts to take them over";
    }
    return tl::unexpected(std::move(e).add_context(shown));
  }
  std::string verb = !before                            ? "created"
                     : apply_changed(*before, *applied) ? "configured"
                                                        : "unchanged";
  if (options.dry_run == DryRun::server) {
    verb += " (server dry run)";
  }
  return AppliedObject{shown + " " + verb, std::move(*applied)};
}

Result<void> run_apply(const ApplyOptions& options, const Deps& deps) {
  KRAY_TRY_ASSIGN(const auto manifests, validated_manifests(options, deps));
  // The namespace: -n, else the context's, else "default"; a client dry
  // run needs no cluster, so a missing kubeconfig is fine there.
  std::string ns = options.kubeconfig.overrides.namespace_;
  std::optional<kube::ResolvedConfig> resolved;
  if (options.dry_run != DryRun::client) {
    KRAY_TRY_ASSIGN(auto r, resolve_kubeconfig(deps, options.kubeconfig));
    for (const auto& w : r.warnings) {
      deps.console.err("Warning: " + w + "\n");
    }
    ns = r.namespace_;
    resolved = std::move(r);
  } else if (ns.empty()) {
    auto r = resolve_kubeconfig(deps, options.kubeconfig);
    ns = r ? r->namespace_ : "default";
  }
  KRAY_TRY_ASSIGN(const auto planned, plan(manifests, ns));
  if (options.dry_run == DryRun::client) {
    for (const auto& p : planned) {
      deps.console.out(kube::display_name(p.ref, p.name) +
                       " valid (client dry run, nothing sent)\n");
    }
    return {};
  }
  KRAY_TRY_ASSIGN(auto session,
                  open_session(deps, *resolved, options.transport, options.kubeconfig.verbosity,
                               deadline_after(deps, options.timeout)));
  for (const auto& p : planned) {
    KRAY_TRY_ASSIGN(const auto applied, apply_planned(*session.client, p, options));
    deps.console.out(applied.line + "\n");
  }
  if (options.wait && options.dry_run == DryRun::none) {
    const auto deadline = deadline_after(deps, options.timeout);
    for (const auto& p : planned) {
      const std::string& kind = p.ref.kind;
      if (kind == "RayCluster" || kind == "RayService" || kind == "RayJob") {
        KRAY_TRY_ASSIGN(const auto line,
                        wait_for_object(deps, session, kind, p.ns, p.name,
                                        kind == "RayJob" ? "complete" : "ready", deadline));
        deps.console.out(line + "\n");
      }
    }
  }
  return {};
}

}  // namespace kray::app
