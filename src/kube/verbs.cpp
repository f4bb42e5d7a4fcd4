// SPDX-License-Identifier: Apache-2.0
#include <krayctl/kube/verbs.hpp>

namespace kray::kube {

using core::Json;

namespace {

// "?a&b" from the parts that are not empty.
std::string query_of(std::initializer_list<std::string> parts) {
  std::string q;
  for (const auto& p : parts) {
    if (!p.empty()) {
      q += (q.empty() ? "?" : "&") + p;
    }
  }
  return q;
}

// A write's answer: the object, parsed (a server that sent nothing: {}).
Result<Json> answer_of(const HttpResponse& response, const HttpRequest& request) {
  if (response.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Json::object();
  }
  return parse_server_json(response.body, "the answer of the API server to " + request.method +
                                              " " + request.path.substr(0, request.path.find('?')));
}

const char* propagation_name(Propagation p) {
  switch (p) {
    case Propagation::background:
      return "Background";
    case Propagation::foreground:
      return "Foreground";
    case Propagation::orphan:
      return "Orphan";
    case Propagation::server_default:
      break;
  }
  return "";
}

}  // namespace

Result<Json> get(Client& client,
                 const ResourceRef& ref,
                 const std::string& ns,
                 const std::string& name) {
  return client.get(resource_path(ref, ns, name));
}

Result<ListResult> list(Client& client,
                        const ResourceRef& ref,
                        const std::string& ns,
                        const ListOptions& options) {
  const std::string query =
      query_of({options.label_selector.empty() ? "" : "labelSelector=" + options.label_selector,
                options.field_selector.empty() ? "" : "fieldSelector=" + options.field_selector});
  return list_all(client, resource_path(ref, ns) + query, options.limits);
}

Result<Json> create(Client& client,
                    const ResourceRef& ref,
                    const std::string& ns,
                    const Json& object,
                    const CreateOptions& options) {
  HttpRequest request;
  request.method = "POST";
  request.path =
      resource_path(ref, ns) +
      query_of({options.field_manager.empty() ? "" : "fieldManager=" + options.field_manager,
                options.dry_run ? "dryRun=All" : ""});
  request.content_type = "application/json";
  request.body = object.dump();
  KRAY_TRY_ASSIGN(auto response, client.call(request));
  return answer_of(response, request);
}

Result<Json> apply(Client& client,
                   const ResourceRef& ref,
                   const std::string& ns,
                   const std::string& name,
                   const Json& object,
                   const ApplyOptions& options) {
  // The query of https://kubernetes.io/docs/reference/using-api/server-side-apply/:
  // a field manager is required, force takes over conflicting fields.
  HttpRequest request;
  request.method = "PATCH";
  request.path = resource_path(ref, ns, name) +
                 query_of({"fieldManager=" + options.field_manager,
                           options.strict ? "fieldValidation=Strict" : "",
                           options.force ? "force=true" : "", options.dry_run ? "dryRun=All" : ""});
  request.content_type = "application/apply-patch+yaml";
  request.body = object.dump();  // JSON is YAML
  KRAY_TRY_ASSIGN(auto response, client.call(request));
  return answer_of(response, request);
}

Result<Json> merge_patch(Client& client,
                         const ResourceRef& ref,
                         const std::string& ns,
                         const std::string& name,
                         const Json& patch,
                         const std::string& field_manager) {
  HttpRequest request;
  request.method = "PATCH";
  request.path = resource_path(ref, ns, name) +
                 query_of({field_manager.empty() ? "" : "fieldManager=" + field_manager});
  request.content_type = "application/merge-patch+json";
  request.body = patch.dump();
  KRAY_TRY_ASSIGN(auto response, client.call(request));
  return answer_of(response, request);
}

Json delete_options_body(const DeleteOptions& options) {
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (options.propagation != Propagation::server_default) {
    body["propagationPolicy"] = propagation_name(options.propagation);
  }
  if (!options.uid.empty() || !options.resource_version.empty()) {
    Json preconditions = Json::object();
    if (!options.uid.empty()) {
      preconditions["uid"] = options.uid;
    }
    if (!options.resource_version.empty()) {
      preconditions["resourceVersion"] = options.resource_version;
    }
    body["preconditions"] = std::move(preconditions);
  }
  if (options.grace_period_seconds) {
    body["gracePeriodSeconds"] = *options.grace_period_seconds;
  }
  return body;
}

Result<Json> remove(Client& client,
                    const ResourceRef& ref,
                    const std::string& ns,
                    const std::string& name,
                    const DeleteOptions& options) {
  HttpRequest request;
  request.method = "DELETE";
  request.path = resource_path(ref, ns, name) + query_of({options.dry_run ? "dryRun=All" : ""});
  request.content_type = "application/json";
  request.body = delete_options_body(options).dump();
  KRAY_TRY_ASSIGN(auto response, client.call(request));
  return answer_of(response, request);
}

}  // namespace kray::kube
