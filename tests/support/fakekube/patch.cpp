// SPDX-License-Identifier: Apache-2.0
#include "patch.hpp"

#include <algorithm>
#include <map>

namespace fakekube {

namespace {

bool is_named_object_list(const Json& list) {
  return list.is_array() && !list.empty() &&
         std::all_of(list.begin(), list.end(), [](const Json& i) {
           return i.is_object() && i.contains("name") && i["name"].is_string();
         });
}

std::string item_key(const Json& item) {
  return "k:" + Json{{"name", item["name"]}}.dump();
}

Json* find_named(Json& list, const Json& name) {
  for (auto& item : list) {
    if (item.is_object() && item.contains("name") && item["name"] == name) {
      return &item;
    }
  }
  return nullptr;
}

ApiError patch_error(const std::string& detail) {
  return {422, "Invalid",
          "the server rejected our request due to an error in our request: " + detail,
          Json::object()};
}

// RFC 6901 pointer tokens.
std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= pointer.size()) {
    const auto slash = pointer.find('/', start);
    std::string tok = pointer.substr(start, slash == std::string::npos ? slash : slash - start);
    for (std::size_t p = 0; (p = tok.find('~', p)) != std::string::npos; ++p) {
      tok.replace(p, 2, tok.compare(p, 2, "~1") == 0 ? "/" : "~");
    }
    out.push_back(tok);
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
  return out;
}

// The parent container of a pointer and the last token; nullptr when a
// step is missing.
Json* parent_of(Json& doc, const std::vector<std::string>& toks) {
  Json* cur = &doc;
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    const std::string& t = toks[i];
    if (cur->is_object() && cur->contains(t)) {
      cur = &(*cur)[t];
    } else if (cur->is_array() && !t.empty() &&
               std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
               std::stoul(t) < cur->size()) {
      cur = &(*cur)[std::stoul(t)];
    } else {
      return nullptr;
    }
  }
  return cur;
}

Result<Json> pointer_get(Json& doc, const std::string& pointer) {
  if (pointer.empty()) {
    return doc;
  }
  const auto toks = pointer_tokens(pointer);
  Json* parent = parent_of(doc, toks);
  const std::string& last = toks.back();
  if (parent != nullptr && parent->is_object() && parent->contains(last)) {
    return (*parent)[last];
  }
  if (parent != nullptr && parent->is_array() && !last.empty() && last != "-" &&
      std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      std::stoul(last) < parent->size()) {
    return (*parent)[std::stoul(last)];
  }
  return tl::unexpected(patch_error("doc is missing path: \"" + pointer + "\""));
}

Result<void> pointer_remove(Json& doc, const std::string& pointer) {
  const auto toks = pointer_tokens(pointer);
  Json* parent = parent_of(doc, toks);
  if (auto got = pointer_get(doc, pointer); !got || parent == nullptr) {
    return tl::unexpected(patch_error("doc is missing path: \"" + pointer + "\""));
  }
  if (parent->is_object()) {
    parent->erase(toks.back());
  } else {
    parent->erase(std::stoul(toks.back()));
  }
  return {};
}

Result<void> pointer_add(Json& doc, const std::string& pointer, const Json& value) {
  if (pointer.empty()) {
    doc = value;
    return {};
  }
  const auto toks = pointer_tokens(pointer);
  Json* parent = parent_of(doc, toks);
  const std::string& last = toks.back();
  if (parent != nullptr && parent->is_object()) {
    (*parent)[last] = value;
    return {};
  }
  if (parent != nullptr && parent->is_array()) {
    if (last == "-") {
      parent->push_back(value);
      return {};
    }
    if (!last.empty() &&
        std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        std::stoul(last) <= parent->size()) {
      parent->insert(parent->begin() + static_cast<long>(std::stoul(last)), value);
      return {};
    }
  }
  return tl::unexpected(patch_error("doc is missing path: \"" + pointer + "\""));
}

const Json* value_at(const Json& object, const FieldPath& path) {
  const Json* cur = &object;
  for (const auto& el : path) {
    if (el == ".") {
      break;
    }
    if (el.rfind("f:", 0) == 0) {
      const std::string key = el.substr(2);
      if (!cur->is_object() || !cur->contains(key)) {
        return nullptr;
      }
      cur = &(*cur)[key];
    } else {
      const Json want = Json::parse(el.substr(2), nullptr, false);
      if (!cur->is_array() || !want.is_object()) {
        return nullptr;
      }
      const Json* found = nullptr;
      for (const auto& item : *cur) {
        if (item.is_object() && item.contains("name") && item["name"] == want["name"]) {
          found = &item;
        }
      }
      if (found == nullptr) {
        return nullptr;
      }
      cur = found;
    }
  }
  return cur;
}

// Removes the field (or list item) at path[i..] below `node`, then any
// object the removal left empty, as apply leaves no empty maps behind.
// Returns whether `node` is now an empty object.
bool remove_below(Json& node, const FieldPath& path, std::size_t i) {
  if (i >= path.size() || path[i] == ".") {
    return false;
  }
  const std::string& el = path[i];
  const bool last = i + 1 == path.size() || (i + 2 == path.size() && path[i + 1] == ".");
  if (el.rfind("f:", 0) == 0) {
    const std::string key = el.substr(2);
    if (!node.is_object() || !node.contains(key)) {
      return false;
    }
    if (last || remove_below(node[key], path, i + 1)) {
      node.erase(key);
    }
    return node.is_object() && node.empty();
  }
  const Json want = Json::parse(el.substr(2), nullptr, false);
  if (!node.is_array() || !want.is_object()) {
    return false;
  }
  for (std::size_t j = 0; j < node.size(); ++j) {
    Json& item = node[j];
    if (item.is_object() && item.contains("name") && item["name"] == want["name"]) {
      if (last) {
        node.erase(j);
      } else {
        (void)remove_below(item, path, i + 1);
      }
      break;
    }
  }
  return false;
}

void remove_at(Json& object, const FieldPath& path) {
  (void)remove_below(object, path, 0);
}

void collect(const Json& value, FieldPath& prefix, FieldSet& out) {
  if (value.is_object() && !value.empty()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      prefix.push_back("f:" + it.key());
      collect(it.value(), prefix, out);
      prefix.pop_back();
    }
  } else if (is_named_object_list(value)) {
    for (const auto& item : value) {
      prefix.push_back(item_key(item));
      prefix.push_back(".");
      out.insert(prefix);
      prefix.pop_back();
      collect(item, prefix, out);
      prefix.pop_back();
    }
  } else if (!prefix.empty()) {
    out.insert(prefix);
  }
}

// Merges an applied configuration into the live object (SSA semantics).
void ssa_merge(Json& target, const Json& applied) {
  if (!applied.is_object() || !target.is_object()) {
    target = applied;
    return;
  }
  for (auto it = applied.begin(); it != applied.end(); ++it) {
    const Json& v = it.value();
    if (v.is_null()) {
      target.erase(it.key());
      continue;
    }
    if (!target.contains(it.key())) {
      target[it.key()] = v;
      continue;
    }
    Json& t = target[it.key()];
    if (v.is_object()) {
      ssa_merge(t, v);
    } else if (is_named_object_list(v) && (t.empty() || is_named_object_list(t))) {
      for (const auto& item : v) {
        if (Json* have = t.is_array() ? find_named(t, item["name"]) : nullptr) {
          ssa_merge(*have, item);
        } else {
          t.push_back(item);
        }
      }
    } else {
      t = v;
    }
  }
}

Json managed_entry(const ApplyRequest& r, const std::string& operation, const FieldSet& set) {
  Json e = Json::object();
  e["manager"] = r.manager;
  e["operation"] = operation;
  e["apiVersion"] = r.api_version;
  e["time"] = r.time;
  e["fieldsType"] = "FieldsV1";
  e["fieldsV1"] = to_fields_v1(set);
  return e;
}

Json managed_of(const Json& object) {
  if (object.contains("metadata") && object["metadata"].is_object() &&
      object["metadata"].contains("managedFields") &&
      object["metadata"]["managedFields"].is_array()) {
    return object["metadata"]["managedFields"];
  }
  return Json::array();
}

// Writes the entries back, dropping those left with no fields.
void set_managed(Json& object, const Json& entries) {
  Json kept = Json::array();
  for (const auto& e : entries) {
    if (e.contains("fieldsV1") && !e["fieldsV1"].empty()) {
      kept.push_back(e);
    }
  }
  object["metadata"]["managedFields"] = kept;
}

}  // namespace

Json merge_patch(Json target, const Json& patch) {
  if (!patch.is_object()) {
    return patch;
  }
  if (!target.is_object()) {
    target = Json::object();
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.value().is_null()) {
      target.erase(it.key());
    } else {
      Json current = target.contains(it.key()) ? target[it.key()] : Json();
      target[it.key()] = merge_patch(std::move(current), it.value());
    }
  }
  return target;
}

Json strategic_merge_patch(Json target, const Json& patch) {
  if (!patch.is_object()) {
    return patch;
  }
  if (patch.value("$patch", "") == "replace") {
    Json out = patch;
    out.erase("$patch");
    return out;
  }
  if (!target.is_object()) {
    target = Json::object();
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    if (!key.empty() && key[0] == '$') {
      continue;  // $setElementOrder, $retainKeys, $deleteFromPrimitiveList: ignored
    }
    const Json& v = it.value();
    if (v.is_null()) {
      target.erase(key);
    } else if (v.is_array() && target.contains(key) && is_named_object_list(target[key]) &&
               std::all_of(v.begin(), v.end(),
                           [](const Json& i) { return i.is_object() && i.contains("name"); })) {
      Json& list = target[key];
      for (const auto& item : v) {
        if (item.value("$patch", "") == "delete") {
          for (std::size_t j = 0; j < list.size(); ++j) {
            if (list[j]["name"] == item["name"]) {
              list.erase(j);
              break;
            }
          }
        } else if (Json* have = find_named(list, item["name"])) {
          *have = strategic_merge_patch(*have, item);
        } else {
          list.push_back(item);
        }
      }
    } else {
      Json current = target.contains(key) ? target[key] : Json();
      target[key] = strategic_merge_patch(std::move(current), v);
    }
  }
  return target;
}

Result<Json> json_patch(Json target, const Json& patch) {
  if (!patch.is_array()) {
    return tl::unexpected(patch_error("a JSON patch must be an array of operations"));
  }
  for (const auto& op : patch) {
    if (!op.is_object() || !op.contains("op") || !op.contains("path") || !op["path"].is_string()) {
      return tl::unexpected(patch_error("an operation needs \"op\" and \"path\""));
    }
    const std::string kind = op["op"].get<std::string>();
    const std::string path = op["path"].get<std::string>();
    const std::string from = op.value("from", "");
    Result<void> r;
    if (kind == "add") {
      r = pointer_add(target, path, op.value("value", Json()));
    } else if (kind == "remove") {
      r = pointer_remove(target, path);
    } else if (kind == "replace") {
      r = pointer_remove(target, path);
      if (r) {
        r = pointer_add(target, path, op.value("value", Json()));
      }
    } else if (kind == "move" || kind == "copy") {
      auto value = pointer_get(target, from);
      if (!value) {
        return tl::unexpected(value.error());
      }
      const Json copy = *value;
      if (kind == "move") {
        r = pointer_remove(target, from);
      }
      if (r) {
        r = pointer_add(target, path, copy);
      }
    } else if (kind == "test") {
      auto value = pointer_get(target, path);
      if (!value || *value != op.value("value", Json())) {
        return tl::unexpected(patch_error("testing value " + path + " failed"));
      }
    } else {
      return tl::unexpected(patch_error("Unexpected kind: " + kind));
    }
    if (!r) {
      return tl::unexpected(r.error());
    }
  }
  return target;
}

FieldSet fields_of(const Json& object) {
  FieldSet out;
  if (!object.is_object()) {
    return out;
  }
  FieldPath prefix;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (key == "apiVersion" || key == "kind" || key == "status") {
      continue;
    }
    if (key == "metadata") {
      for (const char* m : {"labels", "annotations", "finalizers", "ownerReferences"}) {
        if (it.value().is_object() && it.value().contains(m)) {
          prefix = {"f:metadata", std::string("f:") + m};
          collect(it.value()[m], prefix, out);
        }
      }
      continue;
    }
    prefix = {"f:" + key};
    collect(it.value(), prefix, out);
  }
  return out;
}

Json to_fields_v1(const FieldSet& set) {
  Json root = Json::object();
  for (const auto& path : set) {
    Json* node = &root;
    for (const auto& el : path) {
      if (!node->contains(el)) {
        (*node)[el] = Json::object();
      }
      node = &(*node)[el];
    }
  }
  return root;
}

namespace {
void from_trie(const Json& node, FieldPath& prefix, FieldSet& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    prefix.push_back(it.key());
    if (it.value().is_object() && !it.value().empty()) {
      from_trie(it.value(), prefix, out);
    } else {
      out.insert(prefix);
    }
    prefix.pop_back();
  }
}
}  // namespace

FieldSet from_fields_v1(const Json& trie) {
  FieldSet out;
  FieldPath prefix;
  if (trie.is_object()) {
    from_trie(trie, prefix, out);
  }
  return out;
}

std::string path_string(const FieldPath& path) {
  std::string out;
  for (const auto& el : path) {
    if (el.rfind("f:", 0) == 0) {
      out += "." + el.substr(2);
    } else if (el.rfind("k:", 0) == 0) {
      const Json key = Json::parse(el.substr(2), nullptr, false);
      out += "[name=" + (key.is_object() ? key.value("name", Json("")).dump() : "?") + "]";
    }
  }
  return out;
}

Result<Json> apply(const Json& live, const Json& applied, const ApplyRequest& request) {
  const FieldSet mine = fields_of(applied);
  Json managed = managed_of(live);
  struct Conflict {
    std::string manager;
    std::string api_version;
    FieldPath path;
  };
  std::vector<Conflict> conflicts;
  FieldSet previous;
  for (auto& entry : managed) {
    const bool own =
        entry.value("manager", "") == request.manager && entry.value("operation", "") == "Apply";
    FieldSet theirs = from_fields_v1(entry.value("fieldsV1", Json::object()));
    if (own) {
      previous = theirs;
      continue;
    }
    if (entry.value("manager", "") == request.manager) {
      continue;  // the same manager's Update entry does not conflict with it
    }
    FieldSet kept;
    for (const auto& p : theirs) {
      const bool contested = p.back() != "." && mine.count(p) > 0 && [&] {
        const Json* a = value_at(live, p);
        const Json* b = value_at(applied, p);
        return a == nullptr || b == nullptr || *a != *b;
      }();
      if (contested) {
        // An Update manager is named with the time of its write.
        const bool update = entry.value("operation", "") == "Update";
        conflicts.push_back(
            {entry.value("manager", ""),
             entry.value("apiVersion", "") + (update ? " at " + entry.value("time", "") : ""), p});
      }
      if (!contested || !request.force) {
        kept.insert(p);
      }
    }
    entry["fieldsV1"] = to_fields_v1(kept);
  }
  if (!conflicts.empty() && !request.force) {
    ApiError e{409, "Conflict", "", Json::object()};
    e.message = "Apply failed with " + std::to_string(conflicts.size()) + " conflict" +
                (conflicts.size() == 1 ? "" : "s") + ": ";
    Json causes = Json::array();
    std::map<std::string, std::vector<std::string>> by_manager;
    for (const auto& c : conflicts) {
      by_manager["\"" + c.manager + "\" using " + c.api_version].push_back(path_string(c.path));
      causes.push_back({{"reason", "FieldManagerConflict"},
                        {"message", "conflict with \"" + c.manager + "\" using " + c.api_version},
                        {"field", path_string(c.path)}});
    }
    bool first = true;
    for (const auto& [who, paths] : by_manager) {
      e.message += first ? "" : "\n";
      first = false;
      if (paths.size() == 1) {
        e.message += "conflict with " + who + ": " + paths[0];
      } else {
        e.message += "conflicts with " + who + ":";
        for (const auto& p : paths) {
          e.message += "\n- " + p;
        }
      }
    }
    e.details["causes"] = causes;
    return tl::unexpected(e);
  }
  FieldSet others;
  for (const auto& entry : managed) {
    if (!(entry.value("manager", "") == request.manager &&
          entry.value("operation", "") == "Apply")) {
      const FieldSet s = from_fields_v1(entry.value("fieldsV1", Json::object()));
      others.insert(s.begin(), s.end());
    }
  }
  Json result = live.is_object() ? live : Json::object();
  for (const auto& p : previous) {
    if (mine.count(p) > 0 || others.count(p) > 0) {
      continue;
    }
    // A list item goes only when nobody owns anything inside it any more.
    const bool still_used = std::any_of(others.begin(), others.end(), [&](const FieldPath& o) {
      return o.size() > p.size() - 1 && std::equal(p.begin(), p.end() - 1, o.begin());
    });
    if (p.back() != "." || !still_used) {
      remove_at(result, p);
    }
  }
  ssa_merge(result, applied);
  bool replaced = false;
  for (auto& entry : managed) {
    if (entry.value("manager", "") == request.manager && entry.value("operation", "") == "Apply") {
      if (previous != mine) {  // unchanged ownership keeps its time: a no-op stays one
        entry = managed_entry(request, "Apply", mine);
      }
      replaced = true;
    }
  }
  if (!replaced) {
    managed.push_back(managed_entry(request, "Apply", mine));
  }
  set_managed(result, managed);
  return result;
}

Json record_update(const Json& old_object, Json new_object, const ApplyRequest& request) {
  const FieldSet before = fields_of(old_object);
  const FieldSet after = fields_of(new_object);
  FieldSet changed;
  for (const auto& p : after) {
    if (before.count(p) == 0) {
      changed.insert(p);
    } else if (p.back() != ".") {
      const Json* a = value_at(old_object, p);
      const Json* b = value_at(new_object, p);
      if (a == nullptr || b == nullptr || *a != *b) {
        changed.insert(p);
      }
    }
  }
  Json managed = managed_of(old_object);
  bool found = false;
  for (auto& entry : managed) {
    const bool own =
        entry.value("manager", "") == request.manager && entry.value("operation", "") == "Update";
    FieldSet s = from_fields_v1(entry.value("fieldsV1", Json::object()));
    FieldSet kept;
    for (const auto& p : s) {
      if (after.count(p) > 0 && (own || changed.count(p) == 0)) {
        kept.insert(p);
      }
    }
    if (own) {
      kept.insert(changed.begin(), changed.end());
      if (kept != s) {
        entry = managed_entry(request, "Update", kept);
      }
      found = true;
    } else if (kept != s) {
      entry["fieldsV1"] = to_fields_v1(kept);
    }
  }
  if (!found && !changed.empty()) {
    managed.push_back(managed_entry(request, "Update", changed));
  }
  if (!new_object.contains("metadata") || !new_object["metadata"].is_object()) {
    new_object["metadata"] = Json::object();
  }
  set_managed(new_object, managed);
  return new_object;
}

}  // namespace fakekube
