// SPDX-License-Identifier: Apache-2.0
#include "store.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace fakekube {

const Json& at(const Json& o, std::initializer_list<const char*> keys) {
  static const Json null_json;
  const Json* cur = &o;
  for (const char* k : keys) {
    if (!cur->is_object()) {
      return null_json;
    }
    auto it = cur->find(k);
    if (it == cur->end()) {
      return null_json;
    }
    cur = &*it;
  }
  return *cur;
}

namespace {

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// "pods" or "rayclusters.ray.io": how the API server names a resource in
// messages.
std::string qualified_resource(const ResourceType& type) {
  return type.group.empty() ? type.resource : type.resource + "." + type.group;
}

Json details_for(const ResourceType& type, const std::string& name) {
  Json d = Json::object();
  d["name"] = name;
  if (!type.group.empty()) {
    d["group"] = type.group;
  }
  d["kind"] = type.resource;
  return d;
}

ApiError not_found(const ResourceType& type, const std::string& name) {
  return {404, "NotFound", qualified_resource(type) + " \"" + name + "\" not found",
          details_for(type, name)};
}

// 422 with one field cause, as apimachinery's NewInvalid writes it.
ApiError invalid(const ResourceType& type,
                 const std::string& name,
                 const std::string& field,
                 const std::string& cause_reason,
                 const std::string& detail) {
  ApiError e{422, "Invalid", type.kind + " \"" + name + "\" is invalid: " + field + ": " + detail,
             Json::object()};
  e.details["name"] = name;
  if (!type.group.empty()) {
    e.details["group"] = type.group;
  }
  e.details["kind"] = type.kind;
  e.details["causes"] =
      Json::array({{{"reason", cause_reason}, {"message", detail}, {"field", field}}});
  return e;
}

ApiError bad_request(const std::string& message) {
  return {400, "BadRequest", message, Json::object()};
}

const std::string k_base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::string& in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (char ch : in) {
    buf = (buf << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k_base64[(buf >> bits) & 0x3F];
    }
  }
  if (bits > 0) {
    out += k_base64[(buf << (6 - bits)) & 0x3F];
  }
  while (out.size() % 4 != 0) {
    out += '=';
  }
  return out;
}

std::optional<std::string> unbase64(const std::string& in) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') {
      break;
    }
    const auto pos = k_base64.find(c);
    if (pos == std::string::npos) {
      return std::nullopt;
    }
    buf = (buf << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

// What a spec change means for `generation`: everything but metadata and
// status.
Json spec_part(const Json& object) {
  Json out = object;
  out.erase("metadata");
  out.erase("status");
  return out;
}

}  // namespace

std::string base64_encode(const std::string& in) {
  return base64(in);
}

bool equivalent(const Json& a, const Json& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !equivalent(it.value(), *other)) {
        return false;
      }
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), equivalent);
  }
  return a == b;
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])? without a length limit.
bool label_chars_ok(std::string_view s) {
  return !s.empty() && lower_alnum(s.front()) && lower_alnum(s.back()) &&
         std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

std::optional<std::string> invalid_dns1123_label(const std::string& s) {
  if (s.size() <= 63 && label_chars_ok(s)) {
    return std::nullopt;
  }
  if (s.size() > 63) {
    return "must be no more than 63 characters";
  }
  return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
         "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
         "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
}

std::optional<std::string> invalid_dns1123_subdomain(const std::string& s) {
  bool ok = !s.empty() && s.size() <= 253;
  std::size_t start = 0;
  while (ok && start <= s.size()) {
    const auto dot = s.find('.', start);
    ok = label_chars_ok(std::string_view(s).substr(
        start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  if (ok) {
    return std::nullopt;
  }
  if (s.size() > 253) {
    return "must be no more than 253 characters";
  }
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
         "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
         "regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
}

Json ApiError::to_status() const {
  Json s = Json::object();
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = Json::object();
  s["status"] = "Failure";
  s["message"] = message;
  s["reason"] = reason;
  if (!details.empty()) {
    s["details"] = details;
  }
  s["code"] = code;
  return s;
}

std::string event_type_name(EventType t) {
  switch (t) {
    case EventType::added:
      return "ADDED";
    case EventType::modified:
      return "MODIFIED";
    case EventType::deleted:
      return "DELETED";
  }
  return "ERROR";
}

Store::Store(std::function<std::string()> now, std::size_t history)
    : m_now(std::move(now)), m_history_limit(history) {}

void Store::add_type(ResourceType type) {
  const std::string key = type.group + "/" + type.version + "/" + type.resource;
  m_types.emplace(key, std::move(type));
}

const ResourceType* Store::find_type(const std::string& group,
                                     const std::string& version,
                                     const std::string& resource) const {
  auto it = m_types.find(group + "/" + version + "/" + resource);
  return it == m_types.end() ? nullptr : &it->second;
}

std::string Store::next_uid() {
  ++m_uid_counter;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                static_cast<unsigned long long>(0x6b72617fULL + m_uid_counter),
                static_cast<unsigned long long>(m_uid_counter & 0xFFFF),
                static_cast<unsigned long long>((m_uid_counter >> 4) & 0xFFF),
                static_cast<unsigned long long>((m_uid_counter >> 8) & 0xFFF),
                static_cast<unsigned long long>(m_uid_counter * 2654435761ULL & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string Store::random_suffix() {
  // apimachinery's utilrand alphabet: no vowels, no look-alike digits.
  static const std::string alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (int i = 0; i < 5; ++i) {
    m_random ^= m_random << 13;
    m_random ^= m_random >> 7;
    m_random ^= m_random << 17;
    out += alphabet[m_random % alphabet.size()];
  }
  return out;
}

Result<void> Store::check_namespace(const ResourceType& type, const std::string& ns) const {
  if (!type.namespaced) {
    return {};
  }
  const ResourceType* namespaces = find_type("", "v1", "namespaces");
  if (namespaces == nullptr) {
    return {};  // a store without Namespaces accepts any
  }
  auto it = m_objects.find(namespaces);
  if (it == m_objects.end() || it->second.count({"", ns}) == 0) {
    return tl::unexpected(not_found(*namespaces, ns));
  }
  return {};
}

void Store::record(EventType type,
                   const ResourceType& resource,
                   const std::string& ns,
                   const Json& obj,
                   Json previous) {
  m_history.push_back({type, &resource, ns, m_rv, obj, std::move(previous)});
  if (m_history.size() > m_history_limit) {
    const std::size_t drop = m_history.size() - m_history_limit;
    m_oldest_rv = m_history[drop - 1].resource_version;
    m_history.erase(m_history.begin(), m_history.begin() + static_cast<long>(drop));
  }
}

Result<Json> Store::create(const ResourceType& type,
                           const std::string& ns,
                           Json object,
                           bool dry_run,
                           const std::function<Result<void>(Json&)>& prepare) {
  if (!object.is_object()) {
    return tl::unexpected(bad_request("the body of the request is not a JSON object"));
  }
  if (object.value("apiVersion", "") != type.api_version() ||
      object.value("kind", "") != type.kind) {
    return tl::unexpected(bad_request(
        "the API version and kind in the data (" + object.value("apiVersion", std::string()) +
        ", " + object.value("kind", std::string()) + ") do not match the expected ones (" +
        type.api_version() + ", " + type.kind + ")"));
  }
  if (type.status_subresource) {
    object.erase("status");  // written only through /status
  }
  // Taken after every insertion or erasure at the top level: ordered_json
  // keeps members in a vector, so those move `metadata` in memory.
  Json& meta = object["metadata"];
  if (!meta.is_object()) {
    meta = Json::object();
  }
  if (type.namespaced) {
    const std::string given = meta.value("namespace", "");
    if (!given.empty() && given != ns) {
      return tl::unexpected(bad_request(
          "the namespace of the provided object does not match the namespace sent on the "
          "request"));
    }
  }
  std::string name = meta.value("name", "");
  if (name.empty()) {
    const std::string prefix = meta.value("generateName", "");
    if (prefix.empty()) {
      return tl::unexpected(invalid(type, "", "metadata.name", "FieldValueRequired",
                                    "Required value: name or generateName is required"));
    }
    name = prefix + random_suffix();
  }
  // Namespace names are DNS-1123 labels; other objects' are subdomains.
  const bool is_namespace = !type.namespaced && type.resource == "namespaces";
  if (auto why = is_namespace ? invalid_dns1123_label(name) : invalid_dns1123_subdomain(name)) {
    return tl::unexpected(invalid(type, name, "metadata.name", "FieldValueInvalid",
                                  "Invalid value: \"" + name + "\": " + *why));
  }
  if (auto r = check_namespace(type, ns); !r) {
    return tl::unexpected(r.error());
  }
  meta["name"] = name;
  if (type.namespaced) {
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  meta["uid"] = next_uid();
  meta["generation"] = 1;
  meta["creationTimestamp"] = m_now();
  if (prepare) {  // admission comes before storage: 400 and 422 before 409
    if (auto r = prepare(object); !r) {
      return tl::unexpected(r.error());
    }
  }
  auto& objects = m_objects[&type];
  const Key key{type.namespaced ? ns : "", name};
  if (objects.count(key) > 0) {
    return tl::unexpected(ApiError{409, "AlreadyExists",
                                   qualified_resource(type) + " \"" + name + "\" already exists",
                                   details_for(type, name)});
  }
  if (dry_run) {  // validated and returned, neither stored nor versioned
    return object;
  }
  object["metadata"]["resourceVersion"] = std::to_string(++m_rv);
  objects[key] = Stored{object, object.dump()};
  record(EventType::added, type, key.first, object, nullptr);
  return object;
}

Result<Json> Store::get(const ResourceType& type,
                        const std::string& ns,
                        const std::string& name) const {
  auto it = m_objects.find(&type);
  const Key key{type.namespaced ? ns : "", name};
  if (it == m_objects.end() || it->second.count(key) == 0) {
    return tl::unexpected(not_found(type, name));
  }
  return it->second.at(key).object;
}

const Json* Store::find(const ResourceType& type,
                        const std::string& ns,
                        const std::string& name) const {
  auto it = m_objects.find(&type);
  if (it == m_objects.end()) {
    return nullptr;
  }
  auto found = it->second.find(Key{type.namespaced ? ns : "", name});
  return found == it->second.end() ? nullptr : &found->second.object;
}

Result<Json> Store::update(const ResourceType& type,
                           const std::string& ns,
                           const std::string& name,
                           Json object,
                           bool dry_run) {
  if (!object.is_object()) {
    return tl::unexpected(bad_request("the body of the request is not a JSON object"));
  }
  auto current = get(type, ns, name);
  if (!current) {
    return current;
  }
  // The body's apiVersion and kind, when given, must be the endpoint's; the
  // stored object always carries the endpoint's.
  const std::string given_api = object.value("apiVersion", Json("")).is_string()
                                    ? object.value("apiVersion", std::string())
                                    : "?";
  const std::string given_kind =
      object.value("kind", Json("")).is_string() ? object.value("kind", std::string()) : "?";
  if ((!given_api.empty() && given_api != type.api_version()) ||
      (!given_kind.empty() && given_kind != type.kind)) {
    return tl::unexpected(bad_request("the API version and kind in the data (" + given_api + ", " +
                                      given_kind + ") do not match the expected ones (" +
                                      type.api_version() + ", " + type.kind + ")"));
  }
  object["apiVersion"] = type.api_version();
  object["kind"] = type.kind;
  if (type.status_subresource) {
    if (current->contains("status")) {
      object["status"] = (*current)["status"];
    } else {
      object.erase("status");
    }
  }
  Json& meta = object["metadata"];  // after the status change: see create()
  if (!meta.is_object()) {
    meta = Json::object();
  }
  if (meta.value("name", name) != name) {
    return tl::unexpected(bad_request("the name of the object (" +
                                      meta.value("name", std::string()) +
                                      ") does not match the name on the URL (" + name + ")"));
  }
  const Json& old_meta = (*current)["metadata"];
  const std::string given_rv = meta.value("resourceVersion", "");
  if (!given_rv.empty() && given_rv != old_meta.value("resourceVersion", "")) {
    return tl::unexpected(ApiError{
        409, "Conflict",
        "Operation cannot be fulfilled on " + qualified_resource(type) + " \"" + name +
            "\": the object has been modified; please apply your changes to the latest version "
            "and try again",
        details_for(type, name)});
  }
  for (const char* kept : {"uid", "creationTimestamp", "generation"}) {
    meta[kept] = old_meta[kept];
  }
  meta["name"] = name;
  if (type.namespaced) {
    meta["namespace"] = ns;
  }
  if (!equivalent(spec_part(object), spec_part(*current))) {
    meta["generation"] = old_meta.value("generation", 1) + 1;
  }
  meta["resourceVersion"] = old_meta["resourceVersion"];
  if (equivalent(object, *current)) {
    return object;  // nothing changed: no write, no new version, no event
  }
  if (dry_run) {
    meta.erase("resourceVersion");
    return object;
  }
  meta["resourceVersion"] = std::to_string(++m_rv);
  const Key key{type.namespaced ? ns : "", name};
  m_objects[&type][key] = Stored{object, object.dump()};
  record(EventType::modified, type, key.first, object, std::move(*current));
  return object;
}

Result<Json> Store::update_status(const ResourceType& type,
                                  const std::string& ns,
                                  const std::string& name,
                                  const Json& object) {
  auto current = get(type, ns, name);
  if (!current) {
    return current;
  }
  Json updated = *current;
  if (object.is_object() && object.contains("status")) {
    updated["status"] = object["status"];
  }
  if (equivalent(updated, *current)) {
    return updated;  // nothing changed
  }
  updated["metadata"]["resourceVersion"] = std::to_string(++m_rv);
  const Key key{type.namespaced ? ns : "", name};
  m_objects[&type][key] = Stored{updated, updated.dump()};
  record(EventType::modified, type, key.first, updated, std::move(*current));
  return updated;
}

Result<Json> Store::remove(const ResourceType& type,
                           const std::string& ns,
                           const std::string& name) {
  auto current = get(type, ns, name);
  if (!current) {
    return current;
  }
  const Key key{type.namespaced ? ns : "", name};
  m_objects[&type].erase(key);
  Json gone = *current;
  gone["metadata"]["resourceVersion"] = std::to_string(++m_rv);
  record(EventType::deleted, type, key.first, gone, std::move(*current));
  return gone;
}

Result<Store::Page> Store::page(const ResourceType& type,
                                const std::string& ns,
                                const ListOptions& options) const {
  Key start;  // the first key to return
  if (!options.continue_token.empty()) {
    auto decoded = unbase64(options.continue_token);
    Json token = decoded ? Json::parse(*decoded, nullptr, false) : Json();
    if (!token.is_object() || !token.contains("ns") || !token["ns"].is_string() ||
        !token.contains("name") || !token["name"].is_string() || !token.contains("rv") ||
        !token["rv"].is_number_unsigned()) {
      return tl::unexpected(bad_request("continue key is not valid: invalid continue token"));
    }
    // The real server reads the rest of the list at the token's revision;
    // once that revision is compacted away, the token has expired.
    if (token["rv"].get<std::uint64_t>() < m_oldest_rv) {
      return tl::unexpected(ApiError{
          410, "Expired",
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter, or use the continue token in "
          "this response to retrieve the remainder of the results. Continuing with the provided "
          "token results in an inconsistent list - objects that were created, modified, or "
          "deleted between the time the first chunk was returned and now may show up in the "
          "list.",
          Json::object()});
    }
    start = {token["ns"].get<std::string>(), token["name"].get<std::string>()};
  }
  Page page;
  if (auto it = m_objects.find(&type); it != m_objects.end()) {
    const auto& objects = it->second;  // std::map: namespace, then name
    auto from = objects.lower_bound(start);
    if (type.namespaced && !ns.empty() && start < Key{ns, ""}) {
      from = objects.lower_bound({ns, ""});
    }
    for (auto o = from; o != objects.end(); ++o) {
      const auto& [key, stored] = *o;
      if (type.namespaced && !ns.empty() && key.first != ns) {
        break;  // past the namespace
      }
      if (options.filter && !options.filter(stored.object)) {
        continue;
      }
      if (options.limit > 0 && page.items.size() == options.limit) {
        if (!page.next) {
          page.next = key;
        }
        ++page.remaining;
        continue;
      }
      page.items.push_back(&stored);
    }
  }
  return page;
}

Json Store::list_metadata(const Page& page, const ListOptions& options) const {
  Json meta = {{"resourceVersion", std::to_string(m_rv)}};
  if (page.next) {
    meta["continue"] = base64(Json{
        {"v", "meta.k8s.io/v1"},
        {"rv", m_rv},
        {"ns", page.next->first},
        {"name",
         page.next->second}}.dump());
    if (!options.filter) {  // the real server omits it for selector lists
      meta["remainingItemCount"] = page.remaining;
    }
  }
  return meta;
}

Result<Json> Store::list(const ResourceType& type,
                         const std::string& ns,
                         const ListOptions& options) const {
  auto p = page(type, ns, options);
  if (!p) {
    return tl::unexpected(p.error());
  }
  Json list = Json::object();
  list["apiVersion"] = type.api_version();
  list["kind"] = type.kind + "List";
  list["metadata"] = list_metadata(*p, options);
  Json items = Json::array();
  for (const Stored* s : p->items) {
    items.push_back(s->object);
  }
  list["items"] = std::move(items);
  return list;
}

Result<std::string> Store::list_json(const ResourceType& type,
                                     const std::string& ns,
                                     const ListOptions& options) const {
  auto p = page(type, ns, options);
  if (!p) {
    return tl::unexpected(p.error());
  }
  std::size_t size = 256;
  for (const Stored* s : p->items) {
    size += s->json.size() + 1;
  }
  std::string out;
  out.reserve(size);
  out += "{\"apiVersion\":" + Json(type.api_version()).dump() +
         ",\"kind\":" + Json(type.kind + "List").dump() +
         ",\"metadata\":" + list_metadata(*p, options).dump() + ",\"items\":[";
  for (std::size_t i = 0; i < p->items.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += p->items[i]->json;
  }
  out += "]}";
  return out;
}

std::vector<const ResourceType*> Store::types() const {
  std::vector<const ResourceType*> out;
  for (const auto& [key, type] : m_types) {
    out.push_back(&type);
  }
  return out;
}

void Store::for_each(const std::function<void(const ResourceType&, const Json&)>& visit) const {
  for (const auto& [type, objects] : m_objects) {
    for (const auto& [key, stored] : objects) {
      visit(*type, stored.object);
    }
  }
}

Result<std::vector<WatchEvent>> Store::events_since(const ResourceType& type,
                                                    const std::string& ns,
                                                    std::uint64_t resource_version) const {
  if (resource_version < m_oldest_rv) {
    return tl::unexpected(ApiError{410, "Expired",
                                   "too old resource version: " + std::to_string(resource_version) +
                                       " (" + std::to_string(m_oldest_rv + 1) + ")",
                                   Json::object()});
  }
  std::vector<WatchEvent> out;
  for (const auto& e : m_history) {
    if (e.resource == &type && e.resource_version > resource_version &&
        (ns.empty() || !type.namespaced || e.namespace_ == ns)) {
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace fakekube
