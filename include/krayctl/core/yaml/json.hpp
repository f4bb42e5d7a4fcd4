// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one JSON type of krayctl: nlohmann's ordered_json, so that documents
// keep their key order from input to output (apiVersion, kind, metadata, spec).
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace kray::core {

using Json = nlohmann::ordered_json;

// Schemas (the compact spec's, the KubeRay CRDs') are read-only lookup
// tables, never written back: they use nlohmann's std::map-based type,
// which parses about 3x faster than ordered_json (whose vector of
// const-keyed pairs copies every key as it grows). Schema loading is on
// the start-up path of every `render` (docs/performance.md).
using SchemaJson = nlohmann::json;

// JSON pointers (RFC 6901) name a node in a document: "/spec/workerGroupSpecs/0".
// Every diagnostic carries one; the document maps it back to file:line:col.

// Returns `segment` escaped for use in a pointer ("~" -> "~0", "/" -> "~1").
std::string pointer_escape(std::string_view segment);

// Returns `parent` + "/" + escaped `segment`.
std::string pointer_append(std::string_view parent, std::string_view segment);
std::string pointer_append(std::string_view parent, std::size_t index);

// Returns the parent pointer of `pointer` ("" for a top-level key, "" for "").
std::string pointer_parent(std::string_view pointer);

// Returns the pointer as users read paths: "/workers/0/gpus" ->
// "workers[0].gpus"; keys that are not identifiers are bracketed:
// `metadata.labels["app.kubernetes.io/name"]`. The root is "(document)".
std::string pointer_to_path(std::string_view pointer);

// Returns the node at `pointer`, or nullptr when there is none.
const Json* find_pointer(const Json& root, std::string_view pointer);
const SchemaJson* find_pointer(const SchemaJson& root, std::string_view pointer);

// Returns a JSON type name for messages: "string", "integer", "number",
// "boolean", "null", "object" (shown as "mapping"), "array" (shown as "list").
std::string json_type_name(const Json& value);

}  // namespace kray::core
