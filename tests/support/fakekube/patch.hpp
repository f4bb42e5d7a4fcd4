// SPDX-License-Identifier: Apache-2.0
// The API server's four patch types and its field ownership:
// - JSON merge patch (RFC 7386),
// - JSON patch (RFC 6902),
// - strategic merge patch, approximated: a merge patch in which lists of
//   objects with a `name` merge by name and `$patch: delete` removes an item
//   (the real one reads per-field patch strategies from the Go types),
// - server-side apply: field sets per manager (metadata.managedFields,
//   FieldsV1), 409 conflicts naming the other manager, `force` taking fields
//   over, fields the applier stops sending removed. Lists of objects with a
//   `name` are associative (keyed by name); other lists are atomic. The real
//   server reads list types from the schema; for the Kubernetes and KubeRay
//   fields krayctl writes, these coincide.
#pragma once

#include "store.hpp"

#include <set>
#include <string>
#include <vector>

namespace fakekube {

Json merge_patch(Json target, const Json& patch);
Result<Json> json_patch(Json target, const Json& patch);
Json strategic_merge_patch(Json target, const Json& patch);

// One path of a field set: "f:spec", "f:replicas"; list items
// `k:{"name":"x"}`; "." names the list item itself.
using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

// The fields an object sets (status and server-owned metadata left out).
FieldSet fields_of(const Json& object);
// FieldsV1 (the JSON trie of managedFields) to and from a set.
Json to_fields_v1(const FieldSet& set);
FieldSet from_fields_v1(const Json& trie);
// ".spec.template.spec.containers[name=\"head\"].image", as conflict
// messages print a path.
std::string path_string(const FieldPath& path);

struct ApplyRequest {
  std::string manager;
  bool force = false;
  std::string api_version;
  std::string time;  // RFC 3339
};

// Server-side apply of `applied` onto `live` (an empty object to create).
// The result carries the new metadata.managedFields. 409 Conflict with
// FieldManagerConflict causes unless `force`.
Result<Json> apply(const Json& live, const Json& applied, const ApplyRequest& request);

// Field ownership after a non-apply write by `manager`: the fields it
// changed become its own (operation Update) and leave other managers' sets.
Json record_update(const Json& old_object, Json new_object, const ApplyRequest& request);

}  // namespace fakekube
