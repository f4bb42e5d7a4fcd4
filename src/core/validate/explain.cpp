// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/validate/explain.hpp>

#include <krayctl/core/schema/schema.hpp>
#include <krayctl/core/validate/validate.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/strings.hpp>

#include <algorithm>
#include <array>

namespace kray::core {

namespace {

struct Explainer {
  const SchemaJson& root;

  const SchemaJson& deref(const SchemaJson& schema) const { return follow_refs(root, schema); }

  // kubectl's type names: <string>, <integer>, <Object>, <[]Object>,
  // <map[string]string>, <IntOrString>, <Quantity>.
  std::string type_name(const SchemaJson& schema_ref) const {
    const SchemaJson& s = deref(schema_ref);
    if (s.value("x-kubernetes-int-or-string", false)) {
      return s.contains("pattern") ? "Quantity" : "IntOrString";
    }
    const std::string type = s.value("type", "");
    if (type == "array") {
      auto items = s.find("items");
      return "[]" + (items != s.end() ? type_name(*items) : std::string("Object"));
    }
    if (type == "object" || s.contains("properties")) {
      auto additional = s.find("additionalProperties");
      if (!s.contains("properties") && additional != s.end() && additional->is_object()) {
        return "map[string]" + type_name(*additional);
      }
      return "Object";
    }
    return type.empty() ? "Object" : type;
  }

  // The schema whose fields a path segment names: through lists to their
  // items, through maps to their values.
  const SchemaJson& container_of(const SchemaJson& schema_ref) const {
    const SchemaJson* s = &deref(schema_ref);
    for (int i = 0; i < 8; ++i) {
      if (s->value("type", "") == "array" && s->contains("items")) {
        s = &deref(s->at("items"));
      } else if (!s->contains("properties") && s->contains("additionalProperties") &&
                 s->at("additionalProperties").is_object()) {
        s = &deref(s->at("additionalProperties"));
      } else {
        break;
      }
    }
    return *s;
  }

  static std::vector<std::string> required_of(const SchemaJson& s) {
    std::vector<std::string> out;
    if (auto r = s.find("required"); r != s.end() && r->is_array()) {
      for (const auto& name : *r) {
        out.push_back(name.get<std::string>());
      }
    }
    return out;
  }

  static std::string scalar_text(const SchemaJson& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
  }

  // "Default, Aggressive, Conservative": the values a field allows; "" when
  // any.
  static std::string enum_text(const SchemaJson& field) {
    auto e = field.find("enum");
    if (e == field.end() || !e->is_array()) {
      return "";
    }
    std::vector<std::string> values;
    for (const auto& v : *e) {
      values.push_back(scalar_text(v));
    }
    return util::join(values, ", ");
  }

  // One line per field of `schema` (indented by `indent`), with its
  // default and enum on following lines; recursing when asked.
  void fields(
      const SchemaJson& schema_ref, int indent, bool recursive, int depth, std::string& out) const {
    const SchemaJson& s = container_of(schema_ref);
    auto props = s.find("properties");
    if (props == s.end() || !props->is_object()) {
      return;
    }
    const auto required = required_of(s);
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    for (auto it = props->begin(); it != props->end(); ++it) {
      const SchemaJson& field = deref(it.value());
      out += pad + it.key() + "\t<" + type_name(it.value()) + ">";
      if (std::find(required.begin(), required.end(), it.key()) != required.end()) {
        out += " -required-";
      }
      out += "\n";
      if (!recursive) {
        if (auto d = field.find("default"); d != field.end()) {
          out += pad + "  default: " + scalar_text(*d) + "\n";
        }
        if (const std::string values = enum_text(field); !values.empty()) {
          out += pad + "  enum: " + values + "\n";
        }
      } else if (depth < 24) {
        fields(it.value(), indent + 2, true, depth + 1, out);
      }
    }
  }
};

struct KindName {
  RayKind kind;
  std::array<std::string_view, 2> names;  // lower-case singular, plural
};

constexpr std::array<KindName, 4> k_kind_names = {{
    {RayKind::ray_cluster, {"raycluster", "rayclusters"}},
    {RayKind::ray_job, {"rayjob", "rayjobs"}},
    {RayKind::ray_service, {"rayservice", "rayservices"}},
    {RayKind::ray_cron_job, {"raycronjob", "raycronjobs"}},
}};

}  // namespace

Result<std::string> explain(std::string_view path, bool recursive) {
  const auto segments = util::split(path, '.');
  const std::string kind_text = util::to_lower(segments.empty() ? "" : segments.front());
  const KindName* kind = nullptr;
  for (const auto& k : k_kind_names) {
    if (kind_text == k.names[0] || kind_text == k.names[1]) {
      kind = &k;
    }
  }
  if (kind == nullptr) {
    return make_error(ErrorCode::usage, "explain: unknown kind " +
                                            util::quote(segments.empty() ? "" : segments[0]) +
                                            " (known: RayCluster, RayJob, RayService, RayCronJob)");
  }
  const SchemaJson& root = crd_schema(kind->kind);
  const Explainer ex{root};
  const SchemaJson* node = &root;
  std::string field_path;
  for (std::size_t i = 1; i < segments.size(); ++i) {
    const SchemaJson& parent = ex.container_of(*node);
    auto props = parent.find("properties");
    const SchemaJson* next = nullptr;
    if (props != parent.end()) {
      if (auto f = props->find(segments[i]); f != props->end()) {
        next = &*f;
      }
    }
    if (next == nullptr) {
      std::string msg = "explain: " + std::string(ray_kind_name(kind->kind)) +
                        (field_path.empty() ? "" : "." + field_path) + " has no field " +
                        util::quote(segments[i]);
      std::vector<std::string> names;
      if (props != parent.end()) {
        for (auto f = props->begin(); f != props->end(); ++f) {
          names.push_back(f.key());
        }
      }
      if (auto best = util::closest_match(segments[i], names); !best.empty()) {
        msg += "; did you mean " + util::quote(best) + "?";
      }
      return make_error(ErrorCode::usage, msg);
    }
    field_path += (field_path.empty() ? "" : ".") + segments[i];
    node = next;
  }
  std::string out = "KIND:     " + std::string(ray_kind_name(kind->kind)) + "\n";
  out += "VERSION:  ray.io/v1\n\n";
  if (!field_path.empty()) {
    out += "FIELD: " + segments.back() + " <" + ex.type_name(*node) + ">\n";
    const SchemaJson& field = ex.deref(*node);
    if (auto d = field.find("default"); d != field.end()) {
      out += "DEFAULT: " + Explainer::scalar_text(*d) + "\n";
    }
    if (const std::string values = Explainer::enum_text(field); !values.empty()) {
      out += "ENUM:    " + values + "\n";
    }
    out += "\n";
  }
  std::string list;
  ex.fields(*node, 2, recursive, 0, list);
  if (!list.empty()) {
    out += "FIELDS:\n" + list;
  }
  return out;
}

}  // namespace kray::core
