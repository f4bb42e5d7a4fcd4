// SPDX-License-Identifier: Apache-2.0
// The verbs of the Kubernetes API on typed resources, as client-go's
// dynamic client offers them (dynamic/simple.go: Get, List, Create, Apply,
// Delete, Patch): each builds its request (method, path, query, body), sends it
// through the Client (retries, deadline, Warning headers) and returns the
// parsed answer or an Error whose code says what happened:
//   not_found       the object does not exist;
//   not_installed   the API server does not serve the resource (a CRD
//                   that is not installed);
//   field_conflict  server-side apply: another field manager owns fields;
//   conflict        any other 409 (already exists, a precondition failed);
// and the client's other codes (forbidden, invalid_spec, timeout ...).
// Callers branch on codes, never on messages.
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/resources.hpp>

#include <optional>
#include <string>

namespace kray::kube {

// GET one object.
[[nodiscard]] Result<core::Json> get(Client& client,
                                     const ResourceRef& ref,
                                     const std::string& ns,
                                     const std::string& name);

struct ListOptions {
  std::string label_selector;  // URL-encoded: "app%3Dx"
  std::string field_selector;  // URL-encoded: "status.phase%21%3DRunning"
  ListLimits limits;
};

// Every object of `ref` in `ns` ("" for all namespaces, or a cluster-scoped
// resource), every page read (list_all).
[[nodiscard]] Result<ListResult> list(Client& client,
                                      const ResourceRef& ref,
                                      const std::string& ns,
                                      const ListOptions& options = {});

struct CreateOptions {
  std::string field_manager;  // "" for the server's default
  bool dry_run = false;       // dryRun=All: validated and admitted, not stored
};

// POST `object` to the collection; the object as created (its generated
// name, uid, resourceVersion).
[[nodiscard]] Result<core::Json> create(Client& client,
                                        const ResourceRef& ref,
                                        const std::string& ns,
                                        const core::Json& object,
                                        const CreateOptions& options = {});

struct ApplyOptions {
  std::string field_manager;  // required by the server for apply patches
  bool force = false;         // take over fields other managers own
  bool dry_run = false;       // dryRun=All
  bool strict = true;         // fieldValidation=Strict: unknown fields are errors
};

// Server-side apply (PATCH with application/apply-patch+yaml) of `object`,
// named `name`; the object as the server holds it afterwards.
[[nodiscard]] Result<core::Json> apply(Client& client,
                                       const ResourceRef& ref,
                                       const std::string& ns,
                                       const std::string& name,
                                       const core::Json& object,
                                       const ApplyOptions& options);

// A JSON merge patch (RFC 7386, application/merge-patch+json) of
// `patch` onto object `name`, as `kubectl patch --type=merge` sends it;
// the object afterwards.
[[nodiscard]] Result<core::Json> merge_patch(Client& client,
                                             const ResourceRef& ref,
                                             const std::string& ns,
                                             const std::string& name,
                                             const core::Json& patch,
                                             const std::string& field_manager);

// DeleteOptions.propagationPolicy (apimachinery's meta/v1 types.go).
enum class Propagation { server_default, background, foreground, orphan };

struct DeleteOptions {
  Propagation propagation = Propagation::server_default;
  // Preconditions: the object is deleted only while it still has this uid
  // (not a re-created one of the same name) or resourceVersion; a 409
  // (ErrorCode::conflict) otherwise.
  std::string uid;
  std::string resource_version;
  std::optional<long> grace_period_seconds;
  bool dry_run = false;
};

// DELETE one object. The server's answer: the object (still there while
// finalizers run) or a Status.
[[nodiscard]] Result<core::Json> remove(Client& client,
                                        const ResourceRef& ref,
                                        const std::string& ns,
                                        const std::string& name,
                                        const DeleteOptions& options = {});

// The DeleteOptions body `remove` sends, for tests and traces.
core::Json delete_options_body(const DeleteOptions& options);

}  // namespace kray::kube
