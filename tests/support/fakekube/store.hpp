// SPDX-License-Identifier: Apache-2.0
// fakekube (issue 4): the object store of the simulated Kubernetes API
// server. It keeps objects as the API server does: uid, one global
// resourceVersion counter, generation, creationTimestamp, generateName,
// namespaced names, the status subresource, paginated lists and a bounded
// history of watch events (410 Expired when a watcher falls behind it).
// Errors are Kubernetes Status objects, shaped as the real server shapes them
// (apimachinery's pkg/apis/meta/v1/types.go and pkg/api/errors/errors.go).
//
// An independent implementation on purpose: nothing here uses krayctl's own
// code (no <krayctl/...> include), so tests compare two readings of the same
// conventions. HTTP comes on top of this in a later step.
#pragma once

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fakekube {

using Json = nlohmann::ordered_json;

// The member at `keys` below `o`, or null when a step is missing or not an
// object (const operator[] on a missing key is undefined behaviour in
// nlohmann::json).
const Json& at(const Json& o, std::initializer_list<const char*> keys);

// One kind of object the server serves (a discovery entry).
struct ResourceType {
  std::string group;     // "" for the core group, "batch", "ray.io"
  std::string version;   // "v1"
  std::string resource;  // plural, lower case: "pods", "rayclusters"
  std::string kind;      // "Pod", "RayCluster"
  bool namespaced = true;
  // With a status subresource, writes to the object ignore `status`, writes
  // to /status change only `status`, and `generation` counts spec changes.
  bool status_subresource = false;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
};

// A failed request: what the API server answers as a `Status` object.
struct ApiError {
  int code = 500;
  std::string reason;  // "NotFound", "AlreadyExists", "Conflict", "Invalid", "Expired" ...
  std::string message;
  Json details = Json::object();  // {name, group, kind, causes}

  Json to_status() const;
};

template <typename T>
using Result = tl::expected<T, ApiError>;

enum class EventType { added, modified, deleted };

struct WatchEvent {
  EventType type;
  const ResourceType* resource;
  std::string namespace_;
  std::uint64_t resource_version;
  Json object;    // the object as of this event
  Json previous;  // before it (null for ADDED): watchers with selectors need both
};

std::string event_type_name(EventType t);  // "ADDED", "MODIFIED", "DELETED"

struct ListOptions {
  std::size_t limit = 0;  // 0: everything
  std::string continue_token;
  std::function<bool(const Json&)> filter;  // selectors; counted against `limit` after it
};

class Store {
 public:
  // `now` returns the current time as RFC 3339 ("2026-11-26T08:00:00Z"): a
  // test clock, or a fast one. `history` bounds the watch event log.
  explicit Store(std::function<std::string()> now, std::size_t history = 10'000);
  // A new bound for the watch history (applied from the next write on).
  void set_history_limit(std::size_t history) { m_history_limit = history; }

  void add_type(ResourceType type);
  const ResourceType* find_type(const std::string& group,
                                const std::string& version,
                                const std::string& resource) const;

  // POST: validates apiVersion/kind, name or generateName, the namespace;
  // assigns uid, resourceVersion, generation 1 and creationTimestamp.
  // With `dry_run`, checked and returned but not stored (dryRun=All).
  // `prepare`, when given, sees the object once its name, namespace and
  // uid are set and before it is stored (admission); its error ends the
  // create.
  Result<Json> create(const ResourceType& type,
                      const std::string& ns,
                      Json object,
                      bool dry_run = false,
                      const std::function<Result<void>(Json&)>& prepare = {});
  Result<Json> get(const ResourceType& type, const std::string& ns, const std::string& name) const;
  // The stored object itself, not a copy (null when there is none): valid
  // until the next write. For lookups that must not copy (the garbage
  // collector's).
  const Json* find(const ResourceType& type, const std::string& ns, const std::string& name) const;
  // PUT: replaces the object; a resourceVersion in it must be current (409
  // Conflict otherwise). With a status subresource, `status` is kept.
  Result<Json> update(const ResourceType& type,
                      const std::string& ns,
                      const std::string& name,
                      Json object,
                      bool dry_run = false);
  // PUT .../status: replaces only `status`.
  Result<Json> update_status(const ResourceType& type,
                             const std::string& ns,
                             const std::string& name,
                             const Json& object);
  Result<Json> remove(const ResourceType& type, const std::string& ns, const std::string& name);

  // GET a collection: a `<Kind>List` sorted by namespace and name, in pages
  // of `limit` with an opaque `metadata.continue` token. `ns` "" lists all
  // namespaces.
  Result<Json> list(const ResourceType& type,
                    const std::string& ns,
                    const ListOptions& options) const;
  // The same list, serialized: assembled from each object's JSON text, kept
  // since its last write, so that large lists cost no serialization.
  Result<std::string> list_json(const ResourceType& type,
                                const std::string& ns,
                                const ListOptions& options) const;

  // The events of `type` (in `ns`, or all namespaces for "") after
  // `resource_version`; 410 Expired when that version is older than the
  // history kept.
  Result<std::vector<WatchEvent>> events_since(const ResourceType& type,
                                               const std::string& ns,
                                               std::uint64_t resource_version) const;

  std::uint64_t resource_version() const { return m_rv; }
  std::vector<const ResourceType*> types() const;
  // Every object of every type, for garbage collection and controllers.
  void for_each(const std::function<void(const ResourceType&, const Json&)>& visit) const;

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name
  struct Stored {
    Json object;
    std::string json;  // object.dump(), made once per write
  };
  struct Page {
    std::vector<const Stored*> items;
    std::optional<Key> next;
    std::size_t remaining = 0;
  };

  Result<Page> page(const ResourceType& type,
                    const std::string& ns,
                    const ListOptions& options) const;
  Json list_metadata(const Page& page, const ListOptions& options) const;

  Result<void> check_namespace(const ResourceType& type, const std::string& ns) const;
  void record(EventType type,
              const ResourceType& resource,
              const std::string& ns,
              const Json& obj,
              Json previous);
  std::string next_uid();
  std::string random_suffix();

  std::function<std::string()> m_now;
  std::size_t m_history_limit;
  std::map<std::string, ResourceType> m_types;  // "group/version/resource"
  std::map<const ResourceType*, std::map<Key, Stored>> m_objects;
  std::vector<WatchEvent> m_history;
  std::uint64_t m_oldest_rv = 0;  // events after this version are all in m_history
  std::uint64_t m_rv = 0;
  std::uint64_t m_uid_counter = 0;
  std::uint64_t m_random = 0x2545F4914F6CDD1DULL;
};

// Standard base64 with padding (continue tokens, kubeconfig data).
std::string base64_encode(const std::string& in);

// Equal as JSON values: object members in any order (ordered_json's own
// == compares member order too).
bool equivalent(const Json& a, const Json& b);

// The API server's checks of object names (apimachinery validation):
// nullopt when fine, else the reason.
std::optional<std::string> invalid_dns1123_subdomain(const std::string& s);
std::optional<std::string> invalid_dns1123_label(const std::string& s);

}  // namespace fakekube
