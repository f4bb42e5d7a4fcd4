// SPDX-License-Identifier: Apache-2.0
#include <krayctl/app/delete.hpp>

#include <krayctl/app/connection.hpp>
#include <krayctl/app/resources.hpp>
#include <krayctl/app/targets.hpp>
#include <krayctl/app/validate/validate.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/kube/client.hpp>
#include <krayctl/kube/resources.hpp>
#include <krayctl/kube/verbs.hpp>
#include <krayctl/kube/wait.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>

namespace kray::app {

namespace {

using core::Json;

struct Target {
  kube::ResourceRef ref;
  std::string ns;
  std::string name;
};

// Waits on a watch until the object with `uid` is gone: absent (DELETED,
// or not there when the list comes), or another object took the name.
Result<void> wait_gone(const Deps& deps,
                       kube::Transport& transport,
                       kube::Client& client,
                       const Target& t,
                       const std::string& uid,
                       std::optional<io::Clock::SteadyTime> deadline) {
  const std::string shown = kube::display_name(t.ref, t.name);
  kube::ReflectorOptions one;
  one.path = kube::resource_path(t.ref, t.ns);
  one.query = "fieldSelector=metadata.name%3D" + t.name;
  auto gone = kube::wait_for(
      client, transport, deps.clock, one,
      [&](const kube::Objects& objects) {
        return std::none_of(objects.begin(), objects.end(), [&](const auto& entry) {
          return string_at(entry.second, "metadata", "uid") == uid;
        });
      },
      deadline, nullptr);
  if (!gone) {
    if (gone.error().code == ErrorCode::timeout) {
      return make_error(ErrorCode::timeout, shown +
                                                " is still there (waiting for finalizers?) after "
                                                "the --timeout");
    }
    if (gone.error().code == ErrorCode::bad_answer) {
      return tl::unexpected(std::move(gone).error().add_context(shown));
    }
    return tl::unexpected(std::move(gone).error());
  }
  return {};
}

}  // namespace

bool managed_by_krayctl(const Json& object) {
  const Json& meta = object.value("metadata", Json::object());
  const Json labels = meta.value("labels", Json::object());
  if (labels.is_object() && labels.value(k_managed_by_label, Json("")) == k_field_manager) {
    return true;
  }
  for (const auto& entry : meta.value("managedFields", Json::array())) {
    if (entry.is_object() && entry.value("manager", Json("")) == k_field_manager) {
      return true;
    }
  }
  return false;
}

Result<void> run_delete(const DeleteOptions& options, const Deps& deps) {
  if (options.targets.empty() && options.files.empty()) {
    return make_error(ErrorCode::usage, "nothing to delete: give KIND/NAME or -f FILE");
  }
  KRAY_TRY_ASSIGN(const auto named, parse_targets(options.targets));
  KRAY_TRY_ASSIGN(auto resolved, resolve_kubeconfig(deps, options.kubeconfig));
  std::vector<Target> targets;
  for (const auto& t : named) {
    targets.push_back({t.ref, t.ref.namespaced ? resolved.namespace_ : "", t.name});
  }
  if (!options.files.empty()) {
    ValidateOptions vo;
    vo.inputs = options.files;
    vo.namespace_ = options.kubeconfig.overrides.namespace_;  // only an explicit -n
    vo.every_file_a_spec = true;
    KRAY_TRY_ASSIGN(auto report, validate_inputs(vo, deps));
    // The files must say exactly what they name: a file that does not read
    // or render, or names another namespace than -n, deletes nothing.
    std::vector<core::Diagnostic> errors;
    for (const auto& d : report.diagnostics) {
      if (d.severity == core::Severity::error) {
        errors.push_back(d);
      }
    }
    if (!errors.empty()) {
      for (const auto& d : errors) {
        deps.console.err(core::format_diagnostic(d, deps.console.err_color()));
      }
      return tl::unexpected(
          Error{ErrorCode::invalid_spec, "nothing was deleted", std::nullopt, {}, false});
    }
    for (const auto& m : report.manifests) {
      const std::string api =
          m.value("apiVersion", Json("")).is_string() ? m.value("apiVersion", "") : "";
      const std::string kind = m.value("kind", Json("")).is_string() ? m.value("kind", "") : "";
      auto ref = known_resource(api, kind);
      const std::string name = string_at(m, "metadata", "name");
      if (!ref || name.empty()) {
        return make_error(ErrorCode::usage, "cannot delete " + kind + " (" + api + ") " + name +
                                                " from the files: krayctl does not know it");
      }
      const std::string ns = string_at(m, "metadata", "namespace");
      targets.push_back(
          {*ref, ref->namespaced ? (ns.empty() ? resolved.namespace_ : ns) : "", name});
    }
  }
  KRAY_TRY_ASSIGN(auto session,
                  open_session(deps, resolved, options.transport, options.kubeconfig.verbosity,
                               deadline_after(deps, options.timeout)));
  kube::Client& client = *session.client;
  kube::Transport& transport = *session.transport;
  // First every check, then every delete: a refusal deletes nothing.
  std::vector<std::pair<Target, std::string>> doomed;  // with their uids
  for (const auto& t : targets) {
    const std::string shown = kube::display_name(t.ref, t.name);
    auto object = kube::get(client, t.ref, t.ns, t.name);
    if (!object) {
      if (object.error().code == ErrorCode::not_found && options.ignore_not_found) {
        continue;
      }
      return tl::unexpected(std::move(object).error().add_context(shown));
    }
    const Json& body = *object;
    if (!options.force && !managed_by_krayctl(body)) {
      return make_error(ErrorCode::usage,
                        shown + " was not created by krayctl (no " +
                            std::string(k_managed_by_label) +
                            "=krayctl label, no krayctl field manager): nothing was deleted; pass "
                            "--force to delete it anyway");
    }
    doomed.emplace_back(t, string_at(body, "metadata", "uid"));
  }
  const auto deadline = options.timeout.count() == 0  // no limit
                            ? std::nullopt
                            : std::optional(deps.clock.steady_now() + options.timeout);
  for (const auto& [t, uid] : doomed) {
    const std::string shown = kube::display_name(t.ref, t.name);
    // Background: dependents (pods, the submitter Job's pods) go too; the
    // uid precondition keeps a re-created object of the same name safe.
    kube::DeleteOptions how;
    how.propagation = kube::Propagation::background;
    how.uid = uid;
    auto done = kube::remove(client, t.ref, t.ns, t.name, how);
    if (!done) {
      if (done.error().code == ErrorCode::not_found) {
        deps.console.out(shown + " deleted\n");  // gone meanwhile
        continue;
      }
      return tl::unexpected(std::move(done).error().add_context(shown));
    }
    deps.console.out(shown + " deleted\n");
    if (options.wait) {
      KRAY_TRY(wait_gone(deps, transport, client, t, uid, deadline));
    }
  }
  return {};
}

}  // namespace kray::app
