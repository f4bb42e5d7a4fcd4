// SPDX-License-Identifier: Apache-2.0
// Validation of KubeRay objects: the layers the API server applies (ObjectMeta,
// the CRD's structural schema and CEL rules), then the operator's rules and
// the lints (operator_rules.cpp, lints.cpp). docs/validation.md describes
// every layer and rule.
#include <krayctl/core/validate/validate.hpp>

#include <krayctl/core/k8s/k8s_names.hpp>
#include <krayctl/core/k8s/quantity.hpp>
#include <krayctl/core/schema/embedded.hpp>
#include <krayctl/core/schema/schema.hpp>
#include <krayctl/util/assert.hpp>
#include <krayctl/util/strings.hpp>

#include "validate_context.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>

namespace kray::core {

namespace detail {

std::string ptr(const std::string& base, std::string_view a) {
  return pointer_append(base, a);
}

std::string ptr(const std::string& base, std::string_view a, std::string_view b) {
  return pointer_append(pointer_append(base, a), b);
}

std::string ptr(const std::string& base, std::string_view a, std::size_t i) {
  return pointer_append(pointer_append(base, a), i);
}

std::optional<Version> parse_version(std::string_view text) {
  // k8s.io/apimachinery/pkg/util/version.ParseGeneric: ^\s*v?(\d+(\.\d+)*),
  // at least major.minor, anything after ignored, no zero-prefixed major.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                           text.front() == '\r' || text.front() == '\f' || text.front() == '\v')) {
    text.remove_prefix(1);
  }
  if (!text.empty() && text.front() == 'v') {
    text.remove_prefix(1);
  }
  std::array<int, 3> parts{0, 0, 0};
  std::size_t n = 0;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    long long value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = std::min<long long>(value * 10 + (text[i] - '0'), 1'000'000'000);
      ++i;
    }
    if (i == start) {
      break;
    }
    if (n == 0 && text[start] == '0' && i - start > 1) {
      return std::nullopt;  // "illegal zero-prefixed version component"
    }
    if (n < 3) {
      parts[n] = static_cast<int>(value);
    }
    ++n;
    if (i + 1 < text.size() && text[i] == '.' && text[i + 1] >= '0' && text[i + 1] <= '9') {
      ++i;
    } else {
      break;
    }
  }
  if (n < 2) {
    return std::nullopt;
  }
  return Version{parts[0], parts[1], parts[2]};
}

std::string version_string(const Version& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

Checker::Checker(const Document& doc,
                 std::string base,
                 const Json& original,
                 const Json& object,
                 RayKind kind,
                 const ValidateOptions& options,
                 std::vector<Diagnostic>& out)
    : m_doc(doc),
      m_base(std::move(base)),
      m_original(original),
      m_object(object),
      m_kind(kind),
      m_options(options),
      m_out(out) {
  const Json* value = child(annotations(), k_disable_lints_annotation);
  for (const auto& id : util::split(string_of(value), ',')) {
    const std::string trimmed(util::trim(id));
    if (trimmed.empty()) {
      continue;
    }
    if (find_lint(trimmed) == nullptr) {
      Diagnostic d =
          make_diagnostic(m_doc, m_base + ptr("/metadata/annotations", k_disable_lints_annotation),
                          unknown_lint_message(trimmed) + " in annotation " +
                              std::string(k_disable_lints_annotation),
                          false, Severity::warning);
      d.rule = "krayctl";
      m_out.push_back(std::move(d));
      continue;
    }
    m_disabled_here.insert(trimmed);
  }
}

bool Checker::names_structure(const std::string& pointer) const {
  // A problem with a whole mapping or list is shown at its key
  // (`spec:`), not at its first child.
  const Json* node = find_pointer(m_object, pointer);
  return node != nullptr && node->is_structured() && !pointer.empty();
}

const Json* Checker::annotations() const {
  return child(child(&m_object, "metadata"), "annotations");
}

const Json* Checker::labels() const {
  return child(child(&m_object, "metadata"), "labels");
}

std::vector<ClusterSpec> Checker::cluster_specs() const {
  const Json* spec = child(&m_object, "spec");
  switch (m_kind) {
    case RayKind::ray_cluster:
      return {{spec, "/spec", annotations()}};
    case RayKind::ray_job:
      if (const Json* s = child(spec, "rayClusterSpec")) {
        return {{s, "/spec/rayClusterSpec", annotations()}};
      }
      return {};
    case RayKind::ray_service:
      if (const Json* s = child(spec, "rayClusterConfig")) {
        return {{s, "/spec/rayClusterConfig", annotations()}};
      }
      return {};
    case RayKind::ray_cron_job:
      if (const Json* s = child(child(spec, "jobTemplate"), "rayClusterSpec")) {
        return {{s, "/spec/jobTemplate/rayClusterSpec", nullptr}};
      }
      return {};
  }
  return {};
}

void Checker::error(std::string_view rule,
                    const std::string& pointer,
                    std::string message,
                    bool at_key) {
  Diagnostic d = make_diagnostic(m_doc, m_base + pointer, std::move(message),
                                 at_key || names_structure(pointer));
  d.rule = std::string(rule);
  m_out.push_back(std::move(d));
}

void Checker::lint(std::string_view id, const std::string& pointer, std::string message) {
  const LintInfo* info = find_lint(id);
  KRAY_ASSERT(info != nullptr);
  if (m_options.disabled_lints.count(id) > 0 || m_disabled_here.count(id) > 0) {
    return;
  }
  Diagnostic d = make_diagnostic(m_doc, m_base + pointer, std::move(message),
                                 names_structure(pointer), info->severity);
  d.rule = std::string(id);
  m_out.push_back(std::move(d));
}

}  // namespace detail

namespace {

using detail::child;
using detail::string_of;

struct KindInfo {
  RayKind kind;
  std::string_view name;
  std::string_view schema_file;
  std::string_view v1alpha1_schema_file;  // "" when v1alpha1 is not served
};

// The served versions of the KubeRay v1.6.2 CRDs (spec.versions[].served).
constexpr std::array<KindInfo, 4> k_kinds = {{
    {RayKind::ray_cluster, "RayCluster", "raycluster.json", "raycluster-v1alpha1.json"},
    {RayKind::ray_job, "RayJob", "rayjob.json", "rayjob-v1alpha1.json"},
    {RayKind::ray_service, "RayService", "rayservice.json", "rayservice-v1alpha1.json"},
    {RayKind::ray_cron_job, "RayCronJob", "raycronjob.json", ""},
}};

const KindInfo& info_of(RayKind kind) {
  return k_kinds[static_cast<std::size_t>(kind)];
}

std::optional<std::string> check_int_range(const Json& v, long long lo, long long hi) {
  if (!v.is_number()) {
    return std::nullopt;
  }
  const double d = v.get<double>();
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    return "must fit in " + std::string(hi == std::numeric_limits<int>::max() ? "int32" : "int64") +
           " (" + std::to_string(lo) + " to " + std::to_string(hi) + "), got " + v.dump();
  }
  return std::nullopt;
}

// RFC 3339 date-time, as the API server's strfmt checks `format:
// date-time`: 2026-11-26T08:00:00Z, with optional fraction and offset.
std::optional<std::string> check_date_time(const Json& v) {
  if (!v.is_string()) {
    return std::nullopt;
  }
  const std::string& s = v.get_ref<const std::string&>();
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > s.size()) {
      return false;
    }
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') {
        return false;
      }
    }
    return true;
  };
  bool ok = s.size() >= 20 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
            digits(8, 2) && (s[10] == 'T' || s[10] == 't') && digits(11, 2) && s[13] == ':' &&
            digits(14, 2) && s[16] == ':' && digits(17, 2);
  std::size_t i = 19;
  if (ok && i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    ok = i > start;
  }
  if (ok) {
    const std::string_view zone = std::string_view(s).substr(std::min(i, s.size()));
    ok = zone == "Z" || zone == "z" ||
         (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(i + 1, 2) &&
          zone[3] == ':' && digits(i + 4, 2));
  }
  if (ok) {
    return std::nullopt;
  }
  return "must be an RFC 3339 date-time such as 2026-11-26T08:00:00Z, got " + util::quote(s);
}

const SchemaValidator& validator_for(RayKind kind, bool v1alpha1) {
  // One per kind and version, built on first use and kept for the process
  // (the schema JSON behind it lives as long).
  static std::array<std::unique_ptr<SchemaValidator>, 2 * k_kinds.size()> validators;
  auto& slot = validators[static_cast<std::size_t>(kind) * 2 + (v1alpha1 ? 1 : 0)];
  if (!slot) {
    slot = std::make_unique<SchemaValidator>(crd_schema(kind, v1alpha1), SchemaDialect::kubernetes);
    // The operator decodes these fields into Go int32/int64: a larger
    // number passes the API server (which checks no integer formats) and
    // then breaks every reconcile of the object.
    slot->add_format("int32", [](const Json& v) {
      return check_int_range(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    });
    // The pattern of resource.Quantity fields (cpu, memory, nvidia.com/gpu).
    slot->name_pattern(k_quantity_pattern,
                       "a Kubernetes quantity (such as 500m, 2, 1.5, 512Mi, 4Gi)",
                       &matches_quantity_pattern);
    slot->add_format("date-time", &check_date_time);
    slot->add_format("int64", [](const Json& v) {
      return check_int_range(v, std::numeric_limits<long long>::min(),
                             std::numeric_limits<long long>::max());
    });
  }
  return *slot;
}

// The CEL rules of the CRDs (x-kubernetes-validations), as C++: the API
// server evaluates them with the schema, so must we. A rule text not in this
// table is reported (cel_rules_known() lets a test find it when the CRDs
// change).
using CelCheck = std::function<bool(const Json& self)>;

bool has(const Json& self, std::string_view key) {
  return self.is_object() && self.contains(key);
}

const std::map<std::string, CelCheck, std::less<>>& cel_rules() {
  static const std::map<std::string, CelCheck, std::less<>> rules = {
      // A transition rule: it compares with the stored object, which a
      // client-side check does not have.
      {"self == oldSelf", nullptr},
      {"self in ['ray.io/kuberay-operator', 'kueue.x-k8s.io/multikueue']",
       [](const Json& self) {
         return self == "ray.io/kuberay-operator" || self == "kueue.x-k8s.io/multikueue";
       }},
      {"!((has(self.onSuccess) || has(self.onFailure)) && has(self.deletionRules))",
       [](const Json& self) {
         return !((has(self, "onSuccess") || has(self, "onFailure")) && has(self, "deletionRules"));
       }},
      {"((has(self.onSuccess) && has(self.onFailure)) || has(self.deletionRules))",
       [](const Json& self) {
         return (has(self, "onSuccess") && has(self, "onFailure")) || has(self, "deletionRules");
       }},
      {"!(has(self.jobStatus) && has(self.jobDeploymentStatus))",
       [](const Json& self) {
         return !(has(self, "jobStatus") && has(self, "jobDeploymentStatus"));
       }},
      {"has(self.jobStatus) || has(self.jobDeploymentStatus)",
       [](const Json& self) { return has(self, "jobStatus") || has(self, "jobDeploymentStatus"); }},
  };
  return rules;
}

class CelWalker {
 public:
  CelWalker(const SchemaJson& root, detail::Checker& checker) : m_root(root), m_checker(checker) {}

  void walk(const SchemaJson& schema_ref, const Json& inst, const std::string& pointer) {
    const SchemaJson& schema = deref(schema_ref);
    if (!schema.is_object()) {
      return;
    }
    if (auto rules = schema.find("x-kubernetes-validations"); rules != schema.end()) {
      for (const auto& rule : *rules) {
        check(rule, inst, pointer);
      }
    }
    if (inst.is_object()) {
      const SchemaJson* props = member(&schema, "properties");
      const SchemaJson* additional = member(&schema, "additionalProperties");
      for (auto it = inst.begin(); it != inst.end(); ++it) {
        const SchemaJson* sub = member(props, it.key());
        if (sub == nullptr && additional != nullptr && additional->is_object()) {
          sub = additional;
        }
        if (sub != nullptr) {
          walk(*sub, it.value(), pointer_append(pointer, it.key()));
        }
      }
    } else if (inst.is_array()) {
      if (const SchemaJson* items = member(&schema, "items");
          items != nullptr && items->is_object()) {
        for (std::size_t i = 0; i < inst.size(); ++i) {
          walk(*items, inst[i], pointer_append(pointer, i));
        }
      }
    }
  }

 private:
  static const SchemaJson* member(const SchemaJson* object, std::string_view key) {
    if (object == nullptr || !object->is_object()) {
      return nullptr;
    }
    auto it = object->find(key);
    return it == object->end() ? nullptr : &*it;
  }

  const SchemaJson& deref(const SchemaJson& schema) const { return follow_refs(m_root, schema); }

  void check(const SchemaJson& rule, const Json& inst, const std::string& pointer) {
    const std::string text = rule.value("rule", "");
    const auto& rules = cel_rules();
    auto it = rules.find(text);
    if (it == rules.end()) {
      m_checker.error(
          k_rule_cel, pointer,
          "krayctl cannot evaluate the CRD rule " + util::quote(text) + " (please report this)");
      return;
    }
    if (it->second && !it->second(inst)) {
      m_checker.error(k_rule_cel, pointer, rule.value("message", ""));
    }
  }

  const SchemaJson& m_root;
  detail::Checker& m_checker;
};

// What the API server's decoding into Go's ObjectMeta does before any
// check: null fields, and null label or annotation values, become empty
// (Helm and kustomize output often has `labels:` with nothing under it).
void normalize_object_meta(Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) {
    return;
  }
  for (auto it = meta->begin(); it != meta->end();) {
    it = it->is_null() ? meta->erase(it) : std::next(it);
  }
  for (const char* field : {"labels", "annotations"}) {
    auto map = meta->find(field);
    if (map == meta->end() || !map->is_object()) {
      continue;
    }
    for (auto it = map->begin(); it != map->end();) {
      it = it->is_null() ? map->erase(it) : std::next(it);
    }
  }
}

// The API server's ObjectMeta validation, which CRD schemas leave out.
void check_object_meta(const Json& object, RayKind kind, detail::Checker& c) {
  const Json* meta = child(&object, "metadata");
  if (meta == nullptr) {
    c.error(k_rule_metadata, "", "missing required field 'metadata'", true);
    return;
  }
  if (!meta->is_object()) {
    c.error(k_rule_metadata, "/metadata", "expected a mapping, got " + json_type_name(*meta));
    return;
  }
  static const std::vector<std::string> known = {"name",
                                                 "generateName",
                                                 "namespace",
                                                 "labels",
                                                 "annotations",
                                                 "finalizers",
                                                 "ownerReferences",
                                                 "uid",
                                                 "resourceVersion",
                                                 "generation",
                                                 "creationTimestamp",
                                                 "deletionTimestamp",
                                                 "deletionGracePeriodSeconds",
                                                 "managedFields",
                                                 "selfLink"};
  for (auto it = meta->begin(); it != meta->end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      std::string msg = "unknown field " + util::quote(it.key());
      if (auto best = util::closest_match(it.key(), known); !best.empty()) {
        msg += "; did you mean " + util::quote(best) + "?";
      }
      c.error(k_rule_metadata, pointer_append("/metadata", it.key()), msg, true);
    }
  }
  // An empty name or namespace is an unset one, as in Go.
  const Json* name = child(meta, "name");
  if (name != nullptr && name->is_string() && name->get_ref<const std::string&>().empty()) {
    name = nullptr;
  }
  if (name == nullptr && string_of(child(meta, "generateName")).empty()) {
    c.error(k_rule_metadata, "/metadata", "missing required field 'name'", true);
  }
  if (name != nullptr && !name->is_string()) {
    c.error(k_rule_metadata, "/metadata/name", "expected a string, got " + json_type_name(*name));
  } else if (name != nullptr) {
    // The API server's rule for custom resource names (the operator's
    // stricter DNS-1035 rule is in operator_rules.cpp).
    if (auto why = check_dns1123_subdomain(name->get<std::string>())) {
      c.error(k_rule_metadata, "/metadata/name",
              "invalid " + std::string(ray_kind_name(kind)) + " name " +
                  util::quote(name->get<std::string>()) + ": " + *why);
    }
  }
  if (const Json* ns = child(meta, "namespace"); ns != nullptr && *ns != "") {
    if (!ns->is_string()) {
      c.error(k_rule_metadata, "/metadata/namespace",
              "expected a string, got " + json_type_name(*ns));
    } else if (auto why = check_dns1123_label(ns->get<std::string>())) {
      c.error(k_rule_metadata, "/metadata/namespace",
              "invalid namespace " + util::quote(ns->get<std::string>()) + ": " + *why);
    }
  }
  for (const char* field : {"labels", "annotations"}) {
    const Json* map = child(meta, field);
    if (map == nullptr) {
      continue;
    }
    const std::string base = pointer_append("/metadata", field);
    if (!map->is_object()) {
      c.error(k_rule_metadata, base, "expected a mapping of strings, got " + json_type_name(*map));
      continue;
    }
    const bool is_labels = std::string(field) == "labels";
    std::size_t total = 0;
    for (auto it = map->begin(); it != map->end(); ++it) {
      const std::string p = pointer_append(base, it.key());
      total += it.key().size() + (it->is_string() ? it->get_ref<const std::string&>().size() : 0);
      // The API server lower-cases annotation keys before this check
      // (apimachinery ValidateAnnotations); label keys are checked as written.
      if (auto why = check_qualified_name(is_labels ? it.key() : util::to_lower(it.key()))) {
        c.error(k_rule_metadata, p, "invalid key " + util::quote(it.key()) + ": " + *why, true);
      }
      if (!it->is_string()) {
        c.error(k_rule_metadata, p,
                "expected a string, got " + json_type_name(*it) +
                    (it->is_primitive() && !it->is_null() ? " (quote it: \"" + it->dump() + "\")"
                                                          : ""));
      } else if (is_labels) {
        if (auto why = check_label_value(it->get<std::string>())) {
          c.error(k_rule_metadata, p,
                  "invalid label value " + util::quote(it->get<std::string>()) + ": " + *why);
        }
      }
    }
    constexpr std::size_t k_max_annotations = std::size_t{256} * 1024;  // TotalAnnotationSizeLimitB
    if (!is_labels && total > k_max_annotations) {
      c.error(k_rule_metadata, base,
              "annotations total " + std::to_string(total) +
                  " bytes; the API server allows at most 262144",
              true);
    }
  }
}

}  // namespace

std::optional<RayKind> ray_kind_of(const Json& object) {
  if (!object.is_object()) {
    return std::nullopt;
  }
  const std::string api = string_of(child(&object, "apiVersion"));
  if (api != "ray.io/v1" && api != "ray.io/v1alpha1") {
    return std::nullopt;
  }
  const std::string kind = string_of(child(&object, "kind"));
  for (const auto& k : k_kinds) {
    if (k.name == kind && (api == "ray.io/v1" || !k.v1alpha1_schema_file.empty())) {
      return k.kind;
    }
  }
  return std::nullopt;
}

std::optional<Misplaced> unserved_ray_kind(const Json& object) {
  if (!object.is_object() || ray_kind_of(object)) {
    return std::nullopt;
  }
  const std::string api = string_of(child(&object, "apiVersion"));
  const auto slash = api.find('/');
  if (slash == std::string::npos || util::to_lower(api.substr(0, slash)) != "ray.io") {
    return std::nullopt;
  }
  const std::string version = api.substr(slash + 1);
  const std::string kind = string_of(child(&object, "kind"));
  // The API server's words, as kubectl prints them.
  const std::string refused =
      "no matches for kind " + util::quote(kind) + " in version " + util::quote(api);
  if (api.substr(0, slash) != "ray.io" || (version != "v1" && version != "v1alpha1")) {
    std::string message = refused +
                          ": the KubeRay v1.6.2 CRDs serve ray.io/v1 (and the "
                          "deprecated ray.io/v1alpha1 for RayCluster, RayJob and "
                          "RayService)";
    if (const std::string best = util::closest_match(api, {"ray.io/v1", "ray.io/v1alpha1"});
        !best.empty()) {
      message += "; did you mean " + util::quote(best) + "?";
    }
    return Misplaced{"/apiVersion", message};
  }
  std::vector<std::string> kinds;
  for (const auto& k : k_kinds) {
    if (version == "v1" || !k.v1alpha1_schema_file.empty()) {
      kinds.emplace_back(k.name);
    }
  }
  std::string message = refused;
  std::string best = util::closest_match(kind, kinds);
  if (best.empty()) {  // `raycluster`: the case is wrong
    for (const auto& k : kinds) {
      if (util::to_lower(k) == util::to_lower(kind)) {
        best = k;
      }
    }
  }
  message += best.empty() ? " (served: " + util::join(kinds, ", ") + ")"
                          : "; did you mean " + util::quote(best) + "?";
  return Misplaced{"/kind", message};
}

bool is_v1alpha1(const Json& object) {
  return object.is_object() && string_of(child(&object, "apiVersion")) == "ray.io/v1alpha1";
}

std::string unknown_lint_message(std::string_view id) {
  std::vector<std::string> ids;
  for (const auto& l : lint_catalog()) {
    ids.emplace_back(l.id);
  }
  std::string msg = "unknown lint " + util::quote(id);
  if (auto best = util::closest_match(id, ids); !best.empty()) {
    msg += "; did you mean " + util::quote(best) + "?";
  }
  return msg;
}

bool is_known_cel_rule(std::string_view rule) {
  return cel_rules().count(rule) > 0;
}

std::string_view ray_kind_name(RayKind kind) {
  return info_of(kind).name;
}

const SchemaJson& crd_schema(RayKind kind, bool v1alpha1) {
  static std::array<std::unique_ptr<SchemaJson>, 2 * k_kinds.size()> schemas;
  auto& slot = schemas[static_cast<std::size_t>(kind) * 2 + (v1alpha1 ? 1 : 0)];
  if (!slot) {
    const KindInfo& info = info_of(kind);
    KRAY_ASSERT(!v1alpha1 || !info.v1alpha1_schema_file.empty());
    auto text = find_embedded(embedded_schemas::files(),
                              v1alpha1 ? info.v1alpha1_schema_file : info.schema_file);
    KRAY_ASSERT(text.has_value());
    slot = std::make_unique<SchemaJson>(SchemaJson::parse(*text));
  }
  return *slot;
}

void validate_object(const Document& doc,
                     const std::string& pointer,
                     const ValidateOptions& options,
                     std::vector<Diagnostic>& out) {
  const Json* node = find_pointer(doc.root, pointer);
  if (node == nullptr) {
    return;
  }
  const auto kind = ray_kind_of(*node);
  if (!kind) {
    return;
  }
  // What the API server would store: nulls dropped, defaults applied. The
  // operator's rules see this object (maxReplicas defaulted, for one).
  Json object = *node;
  normalize_object_meta(object);
  const bool alpha = is_v1alpha1(*node);
  const SchemaValidator& validator = validator_for(*kind, alpha);
  validator.default_and_prune(object);

  detail::Checker checker(doc, pointer, *node, object, *kind, options, out);
  check_object_meta(object, *kind, checker);

  std::vector<SchemaViolation> violations;
  validator.validate(object, violations, [&doc, &pointer](const std::string& p) {
    const auto* m = doc.mark(pointer + p);
    return m != nullptr ? m->raw : std::string();
  });
  for (auto& v : violations) {
    const bool at_key = v.kind == ViolationKind::unknown_key || v.kind == ViolationKind::required;
    checker.error(k_rule_schema, v.pointer, std::move(v.message), at_key);
  }
  CelWalker(crd_schema(*kind, alpha), checker).walk(crd_schema(*kind, alpha), object, "");
  detail::check_operator_rules(checker);
  detail::run_lints(checker);
}

}  // namespace kray::core
