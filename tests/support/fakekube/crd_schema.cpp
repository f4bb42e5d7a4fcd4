// SPDX-License-Identifier: Apache-2.0
#include "crd_schema.hpp"

#include "yaml_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string_view>
#include <utility>

namespace fakekube {

// The CRD files, written by embed_crds.cmake: {file name, pieces of its text}.
extern const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>
    k_embedded_crds;

namespace {

struct Crd {
  std::string file;
  std::string group;
  std::string plural;
  std::string kind;
  std::map<std::string, const Json*> schemas;  // served version -> openAPIV3Schema
};

// Each CRD is parsed on the first write of its kind, once per process:
// a process that writes only RayClusters parses only their CRD.
struct Entry {
  std::once_flag once;
  Json document;
  Crd crd;
};

std::vector<Entry>& entries() {
  static std::vector<Entry> all(k_embedded_crds.size());
  return all;
}

const Entry& load(std::size_t i) {
  Entry& e = entries()[i];
  std::call_once(e.once, [&] {
    const auto& [name, pieces] = k_embedded_crds[i];
    std::string text;
    for (std::string_view piece : pieces) {
      text.append(piece);
    }
    auto doc = parse_yaml(text);
    if (!doc) {
      std::fprintf(stderr, "fakekube: the embedded CRD %.*s does not parse: %s\n",
                   static_cast<int>(name.size()), name.data(), doc.error().message.c_str());
      std::abort();
    }
    e.document = std::move(*doc);
    const Json& spec = e.document.at("spec");
    e.crd.file = std::string(name);
    e.crd.group = spec.at("group").get<std::string>();
    e.crd.plural = spec.at("names").at("plural").get<std::string>();
    e.crd.kind = spec.at("names").at("kind").get<std::string>();
    for (const Json& v : spec.at("versions")) {
      if (v.value("served", false)) {
        e.crd.schemas[v.at("name").get<std::string>()] = &v.at("schema").at("openAPIV3Schema");
      }
    }
  });
  return e;
}

// controller-gen names a CRD's file <group>_<plural>.yaml.
const Crd* find_crd(const ResourceType& type) {
  const std::string file = type.group + "_" + type.resource + ".yaml";
  for (std::size_t i = 0; i < k_embedded_crds.size(); ++i) {
    if (k_embedded_crds[i].first == file) {
      const Crd& crd = load(i).crd;
      return crd.group == type.group && crd.plural == type.resource ? &crd : nullptr;
    }
  }
  return nullptr;
}

const Json* find_schema(const ResourceType& type) {
  const Crd* crd = find_crd(type);
  if (crd == nullptr) {
    return nullptr;
  }
  auto it = crd->schemas.find(type.version);
  return it == crd->schemas.end() ? nullptr : it->second;
}

// ---- values as apimachinery prints them -------------------------------------

std::string quote(const std::string& s) {  // Go's %q, close enough: JSON's escapes
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Go's %v of a float64 (strconv 'g' with the shortest precision).
std::string go_float(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "+Inf" : "-Inf";
  }
  if (d == 0) {
    return std::signbit(d) ? "-0" : "0";
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  std::string out;
  if (s[0] == '-') {
    out = "-";
    s.erase(0, 1);
  }
  const auto e = s.find('e');
  const int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (char c : s.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  const auto nd = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (nd > 1) {
      out += "." + digits.substr(1);
    }
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + eb;
  }
  if (exp < 0) {
    return out + "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  }
  const auto point = static_cast<std::size_t>(exp + 1);
  if (digits.size() <= point) {
    return out + digits + std::string(point - digits.size(), '0');
  }
  return out + digits.substr(0, point) + "." + digits.substr(point);
}

// JSON with object members sorted, as Go's json.Marshal writes a map.
std::string sorted_json(const Json& v) {
  return nlohmann::json::parse(v.dump()).dump(-1, ' ', false,
                                              nlohmann::json::error_handler_t::replace);
}

// Go's %#v of a map[string]interface{} of scalars, as ErrorBody prints a
// list-type map's duplicate key: map[string]interface {}{"name":"x"}.
std::string go_map(const Json& m) {
  std::string out = "map[string]interface {}{";
  bool first = true;
  const nlohmann::json sorted = nlohmann::json::parse(m.dump());  // keys in order
  for (const auto& [k, v] : sorted.items()) {
    out += (first ? "" : ", ") + quote(k) + ":" +
           (v.is_number_float() ? go_float(v.get<double>()) : v.dump());
    first = false;
  }
  return out + "}";
}

// A field error's bad value, as field.Error.ErrorBody prints it (v1.31:
// %v for numbers and booleans, %q for strings, "null" for nil).
std::string go_value(const Json& v) {
  if (v.is_string()) {
    return quote(v.get<std::string>());
  }
  if (v.is_number_integer()) {
    return v.dump();
  }
  if (v.is_number_float()) {
    return go_float(v.get<double>());
  }
  if (v.is_boolean()) {
    return v.dump();
  }
  if (v.is_null()) {
    return quote("null");
  }
  return sorted_json(v);  // objects, arrays (ErrorBody would print Go syntax)
}

// ---- field errors (apimachinery pkg/util/validation/field) ------------------

struct FieldError {
  std::string reason;  // the StatusCause reason: FieldValueInvalid ...
  std::string field;
  std::string body;  // ErrorBody(): "Invalid value: ...", "Required value" ...
  std::string text() const { return field + ": " + body; }
};

FieldError invalid(const std::string& field, const std::string& value, const std::string& detail) {
  return {"FieldValueInvalid", field,
          "Invalid value: " + value + (detail.empty() ? "" : ": " + detail)};
}

FieldError type_invalid(const std::string& field,
                        const std::string& value,
                        const std::string& detail) {
  return {"FieldValueTypeInvalid", field, "Invalid value: " + value + ": " + detail};
}

bool blocking(const FieldError& e) {  // customresource strategy: hasBlockingErr
  return e.reason == "FieldValueNotSupported" || e.reason == "FieldValueRequired" ||
         e.reason == "FieldValueTooLong" || e.reason == "FieldValueTooMany" ||
         e.reason == "FieldValueTypeInvalid";
}

// ---- the schema ---------------------------------------------------------------

const Json* member(const Json& s, const char* key) {
  if (!s.is_object()) {
    return nullptr;
  }
  auto it = s.find(key);
  return it == s.end() ? nullptr : &*it;
}

const Json* property(const Json& s, const std::string& name) {
  const Json* props = member(s, "properties");
  if (props == nullptr || !props->is_object()) {
    return nullptr;
  }
  auto it = props->find(name);
  return it == props->end() ? nullptr : &*it;
}

const Json* additional(const Json& s) {
  const Json* a = member(s, "additionalProperties");
  return a != nullptr && a->is_object() ? a : nullptr;
}

const Json* items(const Json& s) {
  const Json* i = member(s, "items");
  return i != nullptr && i->is_object() ? i : nullptr;
}

bool flag(const Json& s, const char* key) {
  const Json* f = member(s, key);
  return f != nullptr && f->is_boolean() && f->get<bool>();
}

std::string text_of(const Json& s, const char* key) {
  const Json* t = member(s, key);
  return t != nullptr && t->is_string() ? t->get<std::string>() : "";
}

std::vector<std::string> types_of(const Json& s) {
  if (flag(s, "x-kubernetes-int-or-string")) {
    return {"integer", "string"};
  }
  const std::string t = text_of(s, "type");
  return t.empty() ? std::vector<std::string>{} : std::vector<std::string>{t};
}

// The format the validator sees: apiextensions strips those it does not
// support (pkg/apiserver/validation/formats.go).
std::string format_of(const Json& s) {
  const std::string f = text_of(s, "format");
  const std::string t = flag(s, "x-kubernetes-int-or-string") ? "" : text_of(s, "type");
  if (f.empty()) {
    return "";
  }
  if (t.empty() || t == "string") {
    std::string normalized = f;
    normalized.erase(std::remove(normalized.begin(), normalized.end(), '-'), normalized.end());
    static const std::set<std::string> supported = {
        "bsonobjectid",   "uri",          "email",    "hostname",   "ipv4",     "ipv6",
        "cidr",           "mac",          "uuid",     "uuid3",      "uuid4",    "uuid5",
        "isbn",           "isbn10",       "isbn13",   "creditcard", "ssn",      "hexcolor",
        "rgbcolor",       "byte",         "password", "date",       "duration", "datetime",
        "k8s-short-name", "k8s-long-name"};
    return supported.count(normalized) > 0 || supported.count(f) > 0 ? f : "";
  }
  if (t == "integer") {
    return f == "int32" || f == "int64" ? f : "";
  }
  if (t == "number") {
    return f == "float" || f == "double" ? f : "";
  }
  return "";
}

const std::regex& regex_for(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::regex> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    it = cache.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
  }
  return it->second;
}

// strfmt's date-time: RFC 3339 with optional fractional seconds, or a local
// time without zone.
bool is_date_time(const std::string& s) {
  static const std::regex rfc3339(
      R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$)");
  static const std::regex local(R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$)");
  return std::regex_match(s, rfc3339) || std::regex_match(s, local);
}

std::size_t rune_count(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  }
  return n;
}

bool is_integral(const Json& v) {
  if (v.is_number_integer()) {
    return true;
  }
  if (!v.is_number_float()) {
    return false;
  }
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// The old item an array item is compared with: by the keys of a list-type map.
const Json* correlate(const Json& s, const Json* old, const Json& item) {
  if (old == nullptr || !old->is_array() || !item.is_object() ||
      text_of(s, "x-kubernetes-list-type") != "map") {
    return nullptr;
  }
  const Json* keys = member(s, "x-kubernetes-list-map-keys");
  if (keys == nullptr || !keys->is_array()) {
    return nullptr;
  }
  for (const Json& o : *old) {
    if (!o.is_object()) {
      continue;
    }
    bool same = true;
    for (const Json& k : *keys) {
      const std::string key = k.get<std::string>();
      if (item.contains(key) != o.contains(key) || (item.contains(key) && item[key] != o[key])) {
        same = false;
        break;
      }
    }
    if (same) {
      return &o;
    }
  }
  return nullptr;
}

const Json* old_member(const Json* old, const std::string& key) {
  if (old == nullptr || !old->is_object()) {
    return nullptr;
  }
  auto it = old->find(key);
  return it == old->end() ? nullptr : &*it;
}

// ---- OpenAPI validation (kube-openapi pkg/validation/validate) ---------------

// One SchemaValidator's walk. `name` is kube-openapi's path of the value
// ("spec.workerGroupSpecs[0].replicas"), which its messages print; field
// errors are named from `root` ("" for the object, "status" for /status).
class SchemaCheck {
 public:
  explicit SchemaCheck(std::string root) : m_root(std::move(root)) {}

  std::vector<FieldError> errors;

  void validate(const Json& s, const Json& v, const std::string& name, const Json* old) {
    if (old != nullptr && *old == v) {
      return;  // ratcheting: an unchanged value passes
    }
    const std::vector<std::string> types = types_of(s);
    if (v.is_null()) {
      if (!types.empty() && !flag(s, "nullable")) {
        type_error(name, join(types), "null");
      }
      check_enum(s, v, name);
      return;
    }
    check_type(s, v, name, types);
    check_any_of(s, v, name);
    if (v.is_string()) {
      check_string(s, v.get<std::string>(), name);
      check_format(s, v.get<std::string>(), name);
    }
    if (v.is_number()) {
      check_number(s, v, name, types);
    }
    if (v.is_array()) {
      check_array(s, v, name, old);
    }
    check_enum(s, v, name);
    if (v.is_object()) {
      check_object(s, v, name, old);
    }
  }

 private:
  static std::string join(const std::vector<std::string>& types) {
    std::string out;
    for (const auto& t : types) {
      out += (out.empty() ? "" : ",") + t;
    }
    return out;
  }

  // errors.Validation's Name as the field path: the root's child.
  std::string field(const std::string& name) const {
    std::string n = !name.empty() && name[0] == '.' ? name.substr(1) : name;
    if (n.empty()) {
      return root();
    }
    return m_root.empty() ? n : m_root + "." + n;
  }
  std::string root() const { return m_root.empty() ? "<nil>" : m_root; }

  // errors.InvalidType with a string value: TypeInvalid, the value quoted.
  void type_error(const std::string& name, const std::string& type, const std::string& value) {
    errors.push_back(type_invalid(field(name), quote(value),
                                  name + " in body must be of type " + type + ": " + quote(value)));
  }

  void check_type(const Json& s,
                  const Json& v,
                  const std::string& name,
                  const std::vector<std::string>& types) {
    const std::string format = format_of(s);
    if (types.empty() && format.empty()) {
      return;
    }
    std::string sch_type;
    std::string data_format;
    if (v.is_boolean()) {
      sch_type = "boolean";
    } else if (v.is_string()) {
      sch_type = "string";
    } else if (v.is_number_integer()) {
      sch_type = "integer";
      data_format = "int64";
    } else if (v.is_number_float()) {
      sch_type = "number";
      data_format = "float64";
    } else if (v.is_array()) {
      sch_type = "array";
    } else {
      sch_type = "object";
    }
    auto contains = [&](const std::string& t) {
      return std::find(types.begin(), types.end(), t) != types.end();
    };
    const bool float_int = sch_type == "number" && is_integral(v) && contains("integer");
    const bool int_float = sch_type == "integer" && contains("number");
    const bool is_number_type = contains("number") || contains("integer");
    if (!v.is_string() && !v.is_array() && !format.empty() &&
        !(contains(sch_type) || data_format == format || float_int || int_float)) {
      type_error(name, format, data_format);
      return;
    }
    if (!is_number_type && !format.empty() && (v.is_string() || v.is_array())) {
      return;
    }
    if (!(contains(sch_type) || float_int || int_float)) {
      type_error(name, join(types), sch_type);
    }
  }

  void check_any_of(const Json& s, const Json& v, const std::string& name) {
    const Json* any_of = member(s, "anyOf");
    if (any_of == nullptr || !any_of->is_array() || any_of->empty()) {
      return;
    }
    std::vector<FieldError> best;
    bool have_best = false;
    for (const Json& sub : *any_of) {
      SchemaCheck one(m_root);
      one.validate(sub, v, name, nullptr);
      if (one.errors.empty()) {
        return;
      }
      if (!have_best) {
        best = std::move(one.errors);
        have_best = true;
      }
    }
    errors.push_back(
        invalid(root(), quote(""), quote(name) + " must validate at least one schema (anyOf)"));
    errors.insert(errors.end(), best.begin(), best.end());
  }

  void check_string(const Json& s, const std::string& v, const std::string& name) {
    const std::string where = field(name);
    if (const Json* max = member(s, "maxLength"); max != nullptr && max->is_number()) {
      const auto limit = max->get<long long>();
      if (static_cast<long long>(rune_count(v)) > limit) {
        errors.push_back({"FieldValueTooLong", where,
                          "Too long: may not be longer than " + std::to_string(limit)});
        return;
      }
    }
    if (const Json* min = member(s, "minLength"); min != nullptr && min->is_number()) {
      const auto limit = min->get<long long>();
      if (static_cast<long long>(rune_count(v)) < limit) {
        errors.push_back(
            invalid(where, quote(v),
                    name + " in body should be at least " + std::to_string(limit) + " chars long"));
        return;
      }
    }
    if (const std::string pattern = text_of(s, "pattern"); !pattern.empty()) {
      if (!std::regex_search(v, regex_for(pattern))) {
        errors.push_back(
            invalid(where, quote(v), name + " in body should match '" + pattern + "'"));
        return;
      }
    }
  }

  // The format validator, apart from the string one: both report.
  void check_format(const Json& s, const std::string& v, const std::string& name) {
    const std::string format = format_of(s);
    if ((format == "date-time" || format == "datetime") && !is_date_time(v)) {
      errors.push_back(type_invalid(field(name), quote(v),
                                    name + " in body must be of type " + format + ": " + quote(v)));
    }
  }

  void check_number(const Json& s,
                    const Json& v,
                    const std::string& name,
                    const std::vector<std::string>& types) {
    // IsValueValidAgainstRange: the value must fit the type and format.
    if (types.size() == 1 && types[0] == "integer") {
      std::string format = format_of(s);
      if (format != "int32" && format != "int64") {
        format.clear();
      }
      const bool int32 = format == "int32";
      bool fits = true;
      if (v.is_number_integer()) {
        const auto i = v.get<std::int64_t>();
        fits = !int32 || (i >= INT32_MIN && i <= INT32_MAX);
      } else if (v.is_number_unsigned()) {
        fits = false;
      } else {
        const double d = v.get<double>();
        fits = is_integral(v) && (int32 ? d >= -2147483648.0 && d <= 2147483647.0
                                        : d >= -9223372036854775808.0 && d < 9223372036854775808.0);
      }
      if (!fits) {
        errors.push_back(invalid(
            root(), quote(""),
            "Checked value must be of type integer " +
                (format.empty() ? std::string("(default format)") : "with format " + format) +
                " in " + name));
      }
    }
    const std::string where = field(name);
    auto bound = [&](const char* key, const char* exclusive_key, bool is_min) {
      const Json* b = member(s, key);
      if (b == nullptr || !b->is_number()) {
        return;
      }
      const bool exclusive = flag(s, exclusive_key);
      const double limit = b->get<double>();
      bool fails = false;
      std::string shown;
      if (v.is_number_integer()) {
        const auto data = v.get<std::int64_t>();
        const auto l = static_cast<std::int64_t>(limit);
        fails = is_min ? (exclusive ? data <= l : data < l) : (exclusive ? data >= l : data > l);
        shown = std::to_string(l);
      } else {
        const double data = v.get<double>();
        fails = is_min ? (exclusive ? data <= limit : data < limit)
                       : (exclusive ? data >= limit : data > limit);
        shown = go_float(limit);
      }
      if (fails) {
        const std::string relation =
            is_min ? (exclusive ? "greater than " : "greater than or equal to ")
                   : (exclusive ? "less than " : "less than or equal to ");
        errors.push_back(
            invalid(where, go_value(v), name + " in body should be " + relation + shown));
      }
    };
    bound("maximum", "exclusiveMaximum", false);
    bound("minimum", "exclusiveMinimum", true);
  }

  void check_array(const Json& s, const Json& v, const std::string& name, const Json* old) {
    if (const Json* item = items(s)) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        validate(*item, v[i], indexed(name, i), correlate(s, old, v[i]));
      }
    }
    const std::string where = field(name);
    const auto size = static_cast<long long>(v.size());
    if (const Json* min = member(s, "minItems"); min != nullptr && min->is_number()) {
      const auto limit = min->get<long long>();
      if (size < limit) {
        errors.push_back(
            invalid(where, std::to_string(size),
                    name + " in body should have at least " + std::to_string(limit) + " items"));
      }
    }
    if (const Json* max = member(s, "maxItems"); max != nullptr && max->is_number()) {
      const auto limit = max->get<long long>();
      if (size > limit) {
        errors.push_back({"FieldValueTooMany", where,
                          "Too many: " + std::to_string(size) + ": must have at most " +
                              std::to_string(limit) + " items"});
      }
    }
  }

  void check_enum(const Json& s, const Json& v, const std::string& name) {
    const Json* values = member(s, "enum");
    if (values == nullptr || !values->is_array() || values->empty()) {
      return;
    }
    std::string supported;
    for (const Json& e : *values) {
      if (e == v) {
        return;
      }
      supported += (supported.empty() ? "" : ", ") +
                   quote(e.is_string() ? e.get<std::string>() : sorted_json(e));
    }
    errors.push_back({"FieldValueNotSupported", field(name),
                      "Unsupported value: " + go_value(v) + ": supported values: " + supported});
  }

  void check_object(const Json& s, const Json& v, const std::string& name, const Json* old) {
    if (const Json* extra = additional(s)) {
      for (const auto& [key, value] : v.items()) {
        if (property(s, key) == nullptr) {
          validate(*extra, value, child(name, key), old_member(old, key));
        }
      }
    }
    if (const Json* props = member(s, "properties"); props != nullptr && props->is_object()) {
      for (const auto& [key, sub] : props->items()) {
        if (auto it = v.find(key); it != v.end()) {
          validate(sub, *it, child(name, key), old_member(old, key));
        }
      }
    }
    if (const Json* required = member(s, "required"); required != nullptr && required->is_array()) {
      for (const Json& k : *required) {
        if (k.is_string() && !v.contains(k.get<std::string>())) {
          errors.push_back(
              {"FieldValueRequired", field(name + "." + k.get<std::string>()), "Required value"});
        }
      }
    }
  }

  std::string m_root;
};

// ---- list types (apiextensions schema/listtype/validation.go) ----------------

void check_lists(const Json& s,
                 const Json& v,
                 const std::string& path,
                 std::vector<FieldError>& errs);

// A list-type set's repeated items: the index of each value's second
// occurrence.
std::vector<std::size_t> repeated(const std::vector<Json>& values) {
  std::map<std::string, int> seen;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Json& x = values[i];
    const std::string key = (x.is_object() || x.is_array() ? "c" : "s") + sorted_json(x);
    if (++seen[key] == 2) {
      out.push_back(i);
    }
  }
  return out;
}

void check_list_array(const Json& s,
                      const Json& v,
                      const std::string& path,
                      std::vector<FieldError>& errs) {
  const std::string list_type = text_of(s, "x-kubernetes-list-type");
  if (list_type == "set" && v.size() > 1) {
    const std::vector<Json> values(v.begin(), v.end());
    for (std::size_t i : repeated(values)) {
      errs.push_back(
          {"FieldValueDuplicate", indexed(path, i), "Duplicate value: " + go_value(v[i])});
    }
  } else if (list_type == "map") {
    bool objects = true;
    for (std::size_t i = 0; i < v.size() && objects; ++i) {
      if (!v[i].is_null() && !v[i].is_object()) {
        errs.push_back(invalid(indexed(path, i), go_value(v[i]),
                               "must be an object for an array of list-type map"));
        objects = false;
      }
    }
    const Json* keys = member(s, "x-kubernetes-list-map-keys");
    if (objects && v.size() > 1 && keys != nullptr && keys->is_array()) {
      std::vector<Json> key_values;
      for (const Json& item : v) {
        Json key = Json::object();
        for (const Json& k : *keys) {
          const std::string name = k.get<std::string>();
          if (item.is_object() && item.contains(name)) {
            key[name] = item[name];
          }
        }
        key_values.push_back(std::move(key));
      }
      for (std::size_t i : repeated(key_values)) {
        errs.push_back(
            {"FieldValueDuplicate", indexed(path, i), "Duplicate value: " + go_map(key_values[i])});
      }
    }
  }
  if (const Json* item = items(s)) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      check_lists(*item, v[i], indexed(path, i), errs);
    }
  }
}

void check_lists(const Json& s,
                 const Json& v,
                 const std::string& path,
                 std::vector<FieldError>& errs) {
  if (v.is_array()) {
    check_list_array(s, v, path, errs);
    return;
  }
  if (!v.is_object()) {
    return;
  }
  const Json* extra = additional(s);
  for (const auto& [key, value] : v.items()) {
    if (extra != nullptr) {
      check_lists(*extra, value, path + "[" + key + "]", errs);
    }
    if (const Json* sub = property(s, key)) {
      check_lists(*sub, value, child(path, key), errs);
    }
  }
}

// ---- the CEL rules of the KubeRay CRDs, by hand ---------------------------------

struct CelRule {
  const char* rule;
  bool uses_old_self;
  std::function<bool(const Json& self, const Json* old_self)> holds;
};

bool has(const Json& self, const char* field) {
  return self.is_object() && self.contains(field);
}

const std::vector<CelRule>& cel_rules() {
  static const std::vector<CelRule> rules = {
      {"self == oldSelf", true, [](const Json& self, const Json* old) { return self == *old; }},
      {"self in ['ray.io/kuberay-operator', 'kueue.x-k8s.io/multikueue']", false,
       [](const Json& self, const Json*) {
         return self == "ray.io/kuberay-operator" || self == "kueue.x-k8s.io/multikueue";
       }},
      {"!(has(self.jobStatus) && has(self.jobDeploymentStatus))", false,
       [](const Json& self, const Json*) {
         return !(has(self, "jobStatus") && has(self, "jobDeploymentStatus"));
       }},
      {"has(self.jobStatus) || has(self.jobDeploymentStatus)", false,
       [](const Json& self, const Json*) {
         return has(self, "jobStatus") || has(self, "jobDeploymentStatus");
       }},
      {"!((has(self.onSuccess) || has(self.onFailure)) && has(self.deletionRules))", false,
       [](const Json& self, const Json*) {
         return !((has(self, "onSuccess") || has(self, "onFailure")) && has(self, "deletionRules"));
       }},
      {"((has(self.onSuccess) && has(self.onFailure)) || has(self.deletionRules))", false,
       [](const Json& self, const Json*) {
         return (has(self, "onSuccess") && has(self, "onFailure")) || has(self, "deletionRules");
       }},
  };
  return rules;
}

const CelRule* find_rule(const std::string& rule) {
  for (const CelRule& r : cel_rules()) {
    if (rule == r.rule) {
      return &r;
    }
  }
  return nullptr;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n");
  const auto e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// schema/cel/validation.go: a failed rule is an Invalid error with the
// value (omitted for objects and arrays) and the rule's message; on an
// update, one failed by an unchanged value (not a transition rule) is a
// warning only.
void check_cel(const Json& s,
               const Json& v,
               const Json* old,
               const std::string& path,
               std::vector<FieldError>& errs,
               Admission& admission) {
  if (const Json* rules = member(s, "x-kubernetes-validations");
      rules != nullptr && rules->is_array()) {
    for (const Json& r : *rules) {
      const CelRule* rule = find_rule(r.value("rule", ""));
      if (rule == nullptr || (rule->uses_old_self && old == nullptr) || rule->holds(v, old)) {
        continue;
      }
      const std::string message = r.contains("message") && !trim(r.value("message", "")).empty()
                                      ? trim(r.value("message", ""))
                                      : "failed rule: " + std::string(rule->rule);
      const std::string type = text_of(s, "type");
      const std::string where = path.empty() ? "<nil>" : path;
      FieldError e = type == "object" || type == "array"
                         ? FieldError{"FieldValueInvalid", where, "Invalid value: " + message}
                         : invalid(where, go_value(v), message);
      if (!rule->uses_old_self && old != nullptr && *old == v) {
        admission.warnings.push_back(e.text());
      } else {
        errs.push_back(std::move(e));
      }
    }
  }
  if (v.is_object()) {
    const Json* extra = additional(s);
    for (const auto& [key, value] : v.items()) {
      if (const Json* sub = property(s, key)) {
        check_cel(*sub, value, old_member(old, key), child(path, key), errs, admission);
      } else if (extra != nullptr) {
        check_cel(*extra, value, old_member(old, key), path + "[" + key + "]", errs, admission);
      }
    }
  } else if (v.is_array()) {
    if (const Json* item = items(s)) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        check_cel(*item, v[i], correlate(s, old, v[i]), indexed(path, i), errs, admission);
      }
    }
  }
}

// ---- decoding: pruning (schema/pruning/algorithm.go) ----------------------------

bool meta_field(const std::string& key) {
  return key == "apiVersion" || key == "kind" || key == "metadata";
}

void prune(
    const Json* s, Json& x, const std::string& path, bool root, std::vector<std::string>& unknown);

void prune_children(const Json& s,
                    Json& x,
                    const std::string& path,
                    bool root,
                    bool preserve,
                    std::vector<std::string>& unknown) {
  std::vector<std::string> drop;
  for (auto& [key, value] : x.items()) {
    if (root && meta_field(key)) {
      continue;
    }
    const std::string at = path.empty() ? key : path + "." + key;
    if (const Json* sub = property(s, key)) {
      prune(sub, value, at, false, unknown);
    } else if (const Json* extra = additional(s)) {
      prune(extra, value, at, false, unknown);
    } else if (!preserve) {
      if (!meta_field(key) || !path.empty()) {
        unknown.push_back(at);
      }
      drop.push_back(key);
    }
  }
  for (const auto& key : drop) {
    x.erase(key);
  }
}

void prune(
    const Json* s, Json& x, const std::string& path, bool root, std::vector<std::string>& unknown) {
  const bool preserve = s != nullptr && flag(*s, "x-kubernetes-preserve-unknown-fields");
  if (x.is_object()) {
    if (s == nullptr) {
      for (const auto& [key, value] : x.items()) {
        unknown.push_back(path.empty() ? key : path + "." + key);
      }
      x = Json::object();
      return;
    }
    prune_children(*s, x, path, root, preserve, unknown);
  } else if (x.is_array()) {
    const Json* item = s == nullptr ? nullptr : items(*s);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (preserve && item == nullptr) {
        continue;
      }
      prune(item, x[i], indexed(path, i), false, unknown);
    }
  }
}

// defaulting/prunenulls.go: a null where the schema is not nullable is
// dropped; where the field has a default, defaulting puts that in.
void prune_nulls(const Json* s, Json& x) {
  if (x.is_object()) {
    std::vector<std::string> drop;
    for (auto& [key, value] : x.items()) {
      const Json* sub = s == nullptr ? nullptr : property(*s, key);
      if (sub == nullptr && s != nullptr) {
        sub = additional(*s);
      }
      if (value.is_null() && sub != nullptr && !flag(*sub, "nullable")) {
        if (const Json* d = member(*sub, "default")) {
          value = *d;
        } else {
          drop.push_back(key);
        }
      } else {
        prune_nulls(sub, value);
      }
    }
    for (const auto& key : drop) {
      x.erase(key);
    }
  } else if (x.is_array()) {
    for (Json& item : x) {
      prune_nulls(s == nullptr ? nullptr : items(*s), item);
    }
  }
}

// defaulting/algorithm.go: a missing field with a default gets it, and so
// does a null where the schema is not nullable; then inside it.
void apply_defaults(const Json* s, Json& x) {
  if (s == nullptr) {
    return;
  }
  if (x.is_object()) {
    if (const Json* props = member(*s, "properties"); props != nullptr && props->is_object()) {
      for (const auto& [key, sub] : props->items()) {
        const Json* d = member(sub, "default");
        if (d != nullptr && (!x.contains(key) || (x[key].is_null() && !flag(sub, "nullable")))) {
          x[key] = *d;
        }
      }
    }
    const Json* extra = additional(*s);
    for (auto& [key, value] : x.items()) {
      if (const Json* sub = property(*s, key)) {
        apply_defaults(sub, value);
      } else if (extra != nullptr) {
        apply_defaults(extra, value);
      }
    }
  } else if (x.is_array()) {
    for (Json& item : x) {
      apply_defaults(items(*s), item);
    }
  }
}

// ObjectMeta's fields (apimachinery meta/v1 types.go): the others are
// unknown fields of metadata (schema/objectmeta: GetObjectMetaWithOptions).
const std::set<std::string>& object_meta_fields() {
  static const std::set<std::string> fields = {"name",
                                               "generateName",
                                               "namespace",
                                               "selfLink",
                                               "uid",
                                               "resourceVersion",
                                               "generation",
                                               "creationTimestamp",
                                               "deletionTimestamp",
                                               "deletionGracePeriodSeconds",
                                               "labels",
                                               "annotations",
                                               "ownerReferences",
                                               "finalizers",
                                               "managedFields"};
  return fields;
}

// The decoder's part: prunes `object`, then answers for the unknown fields
// as fieldValidation asks.
Result<void> decode(const Json& schema, Json& object, Admission& admission) {
  std::vector<std::string> unknown;
  if (object.contains("metadata") && object["metadata"].is_object()) {
    std::vector<std::string> drop;
    for (const auto& [key, value] : object["metadata"].items()) {
      if (object_meta_fields().count(key) == 0) {
        unknown.push_back("metadata." + key);
        drop.push_back(key);
      }
    }
    for (const auto& key : drop) {
      object["metadata"].erase(key);
    }
  }
  std::vector<std::string> pruned;
  prune(&schema, object, "", true, pruned);
  std::sort(pruned.begin(), pruned.end());
  unknown.insert(unknown.end(), pruned.begin(), pruned.end());
  prune_nulls(&schema, object);
  apply_defaults(&schema, object);
  if (unknown.empty() || admission.field_validation == FieldValidation::ignore) {
    return {};
  }
  if (admission.field_validation == FieldValidation::strict) {
    std::string message = "strict decoding error: ";
    for (std::size_t i = 0; i < unknown.size(); ++i) {
      message += (i > 0 ? ", " : "") + std::string("unknown field ") + quote(unknown[i]);
    }
    return tl::unexpected(ApiError{400, "BadRequest", message, Json::object()});
  }
  for (const auto& u : unknown) {
    admission.warnings.push_back("unknown field " + quote(u));
  }
  return {};
}

// apimachinery's NewInvalid: one message for all, a cause for each.
Result<void> answer(const ResourceType& type,
                    const Json& object,
                    const std::vector<FieldError>& errs) {
  if (errs.empty()) {
    return {};
  }
  std::string name;
  if (object.contains("metadata") && object["metadata"].is_object()) {
    const Json& n = object["metadata"].value("name", Json(""));
    name = n.is_string() ? n.get<std::string>() : "";
  }
  std::vector<std::string> texts;
  std::set<std::string> seen;
  Json causes = Json::array();
  for (const FieldError& e : errs) {
    if (seen.insert(e.text()).second) {
      texts.push_back(e.text());
    }
    causes.push_back({{"reason", e.reason}, {"message", e.body}, {"field", e.field}});
  }
  std::string all;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    all += (i > 0 ? ", " : "") + texts[i];
  }
  if (texts.size() > 1) {
    all = "[" + all + "]";
  }
  ApiError e{422, "Invalid",
             type.kind + "." + type.group + " " + quote(name) + " is invalid: " + all,
             Json::object()};
  e.details["name"] = name;
  e.details["group"] = type.group;
  e.details["kind"] = type.kind;
  e.details["causes"] = causes;
  return tl::unexpected(e);
}

void add_cel(const Json& schema,
             const Json& object,
             const Json* old,
             std::vector<FieldError>& errs,
             Admission& admission) {
  if (std::any_of(errs.begin(), errs.end(), blocking)) {
    errs.push_back(invalid("<nil>", quote("null"),
                           "some validation rules were not checked because the object was "
                           "invalid; correct the existing errors to complete validation"));
    return;
  }
  check_cel(schema, object, old, "", errs, admission);
}

void walk_schemas(const Json& s, const std::string& where, std::vector<std::string>& out);

}  // namespace

bool has_crd_schema(const ResourceType& type) {
  return find_schema(type) != nullptr;
}

Result<void> check_custom_resource(const ResourceType& type,
                                   Json& object,
                                   const Json* old,
                                   Admission& admission) {
  const Json* schema = find_schema(type);
  if (schema == nullptr || !object.is_object()) {
    return {};
  }
  if (auto decoded = decode(*schema, object, admission); !decoded) {
    return decoded;
  }
  // What is stored: with a status subresource a write keeps the old status
  // (none on a create), so that is what is validated.
  const Json* checked = &object;
  Json with_old_status;
  if (type.status_subresource) {
    with_old_status = object;
    with_old_status.erase("status");
    if (old != nullptr && old->is_object() && old->contains("status")) {
      with_old_status["status"] = (*old)["status"];
    }
    checked = &with_old_status;
  }
  SchemaCheck check("");
  check.validate(*schema, *checked, "", old);
  std::vector<FieldError> errs = std::move(check.errors);
  std::vector<FieldError> old_list_errs;
  if (old != nullptr) {
    check_lists(*schema, *old, "", old_list_errs);
  }
  if (old_list_errs.empty()) {
    check_lists(*schema, *checked, "", errs);
  }
  add_cel(*schema, *checked, old, errs, admission);
  return answer(type, *checked, errs);
}

Result<void> check_custom_resource_status(const ResourceType& type,
                                          Json& object,
                                          const Json& old,
                                          Admission& admission) {
  const Json* schema = find_schema(type);
  if (schema == nullptr || !object.is_object()) {
    return {};
  }
  if (auto decoded = decode(*schema, object, admission); !decoded) {
    return decoded;
  }
  Json merged = old;
  if (object.contains("status")) {
    merged["status"] = object["status"];
  }
  std::vector<FieldError> errs;
  if (const Json* status = property(*schema, "status");
      status != nullptr && merged.contains("status")) {
    SchemaCheck check("status");
    check.validate(*status, merged["status"], "", old_member(&old, "status"));
    errs = std::move(check.errors);
  }
  std::vector<FieldError> list_errs;
  check_lists(*schema, merged, "", list_errs);
  if (!list_errs.empty()) {
    std::vector<FieldError> old_list_errs;
    check_lists(*schema, old, "", old_list_errs);
    if (old_list_errs.empty()) {
      errs.insert(errs.end(), list_errs.begin(), list_errs.end());
    }
  }
  add_cel(*schema, merged, &old, errs, admission);
  return answer(type, merged, errs);
}

const std::vector<Json>& embedded_crds() {
  static const std::vector<Json> all = [] {
    std::vector<Json> out;
    for (std::size_t i = 0; i < k_embedded_crds.size(); ++i) {
      out.push_back(load(i).document);
    }
    return out;
  }();
  return all;
}

namespace {

void walk_schemas(const Json& s, const std::string& where, std::vector<std::string>& out) {
  static const std::set<std::string> keywords = {"type",
                                                 "properties",
                                                 "required",
                                                 "items",
                                                 "additionalProperties",
                                                 "enum",
                                                 "pattern",
                                                 "minimum",
                                                 "maximum",
                                                 "exclusiveMinimum",
                                                 "exclusiveMaximum",
                                                 "minLength",
                                                 "maxLength",
                                                 "minItems",
                                                 "maxItems",
                                                 "format",
                                                 "nullable",
                                                 "anyOf",
                                                 "description",
                                                 "default",
                                                 "x-kubernetes-int-or-string",
                                                 "x-kubernetes-list-type",
                                                 "x-kubernetes-list-map-keys",
                                                 "x-kubernetes-map-type",
                                                 "x-kubernetes-validations"};
  if (!s.is_object()) {
    return;
  }
  for (const auto& [key, value] : s.items()) {
    if (keywords.count(key) == 0) {
      out.push_back(where + ": keyword " + key);
    }
  }
  const std::string f = text_of(s, "format");
  const std::string t = text_of(s, "type");
  if (!f.empty() && !((t == "integer" && (f == "int32" || f == "int64")) ||
                      (t == "string" && f == "date-time"))) {
    out.push_back(where + ": format " + f + " of type " + t);
  }
  if (const Json* rules = member(s, "x-kubernetes-validations");
      rules != nullptr && rules->is_array()) {
    for (const Json& r : *rules) {
      for (const auto& [key, value] : r.items()) {
        if (key != "rule" && key != "message") {
          out.push_back(where + ": x-kubernetes-validations " + key);
        }
      }
      if (find_rule(r.value("rule", "")) == nullptr) {
        out.push_back(where + ": CEL rule " + r.value("rule", ""));
      }
    }
  }
  if (const Json* props = member(s, "properties"); props != nullptr && props->is_object()) {
    for (const auto& [key, sub] : props->items()) {
      walk_schemas(sub, where + "." + key, out);
    }
  }
  if (const Json* item = items(s)) {
    walk_schemas(*item, where + "[]", out);
  }
  if (const Json* extra = additional(s)) {
    walk_schemas(*extra, where + "{}", out);
  }
  if (const Json* any_of = member(s, "anyOf"); any_of != nullptr && any_of->is_array()) {
    for (const Json& sub : *any_of) {
      walk_schemas(sub, where + "|", out);
    }
  }
}

}  // namespace

std::vector<std::string> unimplemented_schema_features() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < k_embedded_crds.size(); ++i) {
    const Crd& crd = load(i).crd;
    for (const auto& [version, schema] : crd.schemas) {
      walk_schemas(*schema, crd.file + " " + version, out);
    }
  }
  return out;
}

}  // namespace fakekube
