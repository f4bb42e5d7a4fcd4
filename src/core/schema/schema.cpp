// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/schema/schema.hpp>

#include <krayctl/util/strings.hpp>

#include <cmath>
#include <regex>
#include <unordered_map>

namespace kray::core {

namespace {

// "a string", "an integer", "a mapping" ... for messages.
std::string describe_type(const std::string& t) {
  if (t == "object") {
    return "a mapping";
  }
  if (t == "array") {
    return "a list";
  }
  if (t == "integer") {
    return "an integer";
  }
  if (t == "null") {
    return "null";
  }
  return "a " + t;
}

bool matches_type(const Json& v, const std::string& t) {
  if (t == "string") {
    return v.is_string();
  }
  if (t == "integer") {
    if (v.is_number_integer()) {
      return true;
    }
    return v.is_number_float() && std::floor(v.get<double>()) == v.get<double>();
  }
  if (t == "number") {
    return v.is_number();
  }
  if (t == "boolean") {
    return v.is_boolean();
  }
  if (t == "object") {
    return v.is_object();
  }
  if (t == "array") {
    return v.is_array();
  }
  if (t == "null") {
    return v.is_null();
  }
  return true;
}

// The value itself, for messages about strings and numbers; other types
// say all there is to say in their type name.
std::string show_value(const Json& v) {
  if (v.is_string()) {
    return util::quote(v.get_ref<const std::string&>());
  }
  if (v.is_number()) {
    return util::quote(v.dump());
  }
  return "";
}

// The items of an array as std::map-based JSON, so that equal mappings
// compare equal whatever their key order ({"a":1,"b":2} == {"b":2,"a":1}).
std::vector<SchemaJson> unordered_items(const Json& array) {
  std::vector<SchemaJson> out;
  out.reserve(array.size());
  for (const auto& item : array) {
    out.emplace_back(item);
  }
  return out;
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

// Decodes %XX escapes: a `$ref` fragment is URI-encoded ("#/a%25b" names
// the key "a%b"). Anything else, a malformed escape included, stays as is.
std::string percent_decode(const std::string& s) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string format_number(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  return Json(d).dump();
}

}  // namespace

const SchemaJson* resolve_local_ref(const SchemaJson& root, const std::string& ref) {
  if (ref.rfind('#', 0) != 0) {
    return nullptr;
  }
  return find_pointer(root, percent_decode(ref.substr(1)));
}

const SchemaJson& follow_refs(const SchemaJson& root, const SchemaJson& schema) {
  const SchemaJson* s = &schema;
  for (int hops = 0; hops < 32 && s->is_object(); ++hops) {
    auto it = s->find("$ref");
    if (it == s->end() || !it->is_string()) {
      break;
    }
    const SchemaJson* target = resolve_local_ref(root, it->get<std::string>());
    if (target == nullptr) {
      break;
    }
    s = target;
  }
  return *s;
}

struct SchemaValidator::Impl {
  SchemaJson owned;  // when the validator was given its schema by value
  const SchemaJson& root;
  SchemaDialect dialect;
  std::map<std::string, FormatCheck> formats;
  struct NamedPattern {
    std::string description;
    std::function<bool(std::string_view)> matches;
  };
  std::map<std::string, NamedPattern, std::less<>> named_patterns;
  mutable std::unordered_map<std::string, std::regex> regexes;

  Impl(const SchemaJson& r, SchemaDialect d) : root(r), dialect(d) {}
  Impl(SchemaJson&& r, SchemaDialect d) : owned(std::move(r)), root(owned), dialect(d) {}

  bool kubernetes() const { return dialect == SchemaDialect::kubernetes; }

  static bool flag(const SchemaJson& schema, const char* key) {
    auto it = schema.find(key);
    return it != schema.end() && it->is_boolean() && it->get<bool>();
  }

  // Follows `$ref`s to the schema that says something.
  const SchemaJson& deref(const SchemaJson& schema) const { return follow_refs(root, schema); }

  const std::regex& regex(const std::string& pattern) const {
    auto it = regexes.find(pattern);
    if (it == regexes.end()) {
      it = regexes.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
    }
    return it->second;
  }

  const SchemaJson* resolve_ref(const std::string& ref) const {
    return resolve_local_ref(root, ref);
  }

  struct Ctx {
    std::vector<SchemaViolation>& out;
    const RawScalarLookup& raw;
  };

  void add(Ctx& ctx, ViolationKind kind, const std::string& ptr, std::string msg) const {
    ctx.out.push_back({kind, ptr, std::move(msg)});
  }

  std::string type_message(const std::vector<std::string>& types,
                           const Json& inst,
                           const std::string& ptr,
                           const Ctx& ctx) const {
    std::vector<std::string> described;
    described.reserve(types.size());
    for (const auto& t : types) {
      described.push_back(describe_type(t));
    }
    if (described.empty()) {
      return "unexpected " + json_type_name(inst);  // `anyOf: []`
    }
    std::string expected = described.back();
    if (described.size() > 1) {
      described.pop_back();
      expected = util::join(described, ", ") + " or " + expected;
    }
    std::string msg = "expected " + expected + ", got " + json_type_name(inst);
    const std::string raw = ctx.raw ? ctx.raw(ptr) : "";
    if (!raw.empty() && std::find(types.begin(), types.end(), "string") != types.end()) {
      msg += " (YAML reads the unquoted " + util::quote(raw) + " as " + json_type_name(inst) +
             "; write \"" + raw + "\" to keep it a string)";
    } else if (auto shown = show_value(inst); !shown.empty()) {
      msg += " " + shown;
    }
    return msg;
  }

  void validate(const SchemaJson& schema,
                const Json& inst,
                const std::string& ptr,
                Ctx& ctx) const {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) {
        add(ctx, ViolationKind::value, ptr, "no value is allowed here");
      }
      return;
    }
    if (!schema.is_object()) {
      return;
    }
    if (kubernetes() && inst.is_null() && flag(schema, "nullable")) {
      return;  // OpenAPI v3 `nullable: true`
    }
    if (auto it = schema.find("$ref"); it != schema.end() && it->is_string()) {
      if (const SchemaJson* target = resolve_ref(it->get<std::string>())) {
        validate(*target, inst, ptr, ctx);
      }
      return;  // draft-07: siblings of $ref are ignored
    }
    if (auto it = schema.find("type"); it != schema.end()) {
      std::vector<std::string> types;
      if (it->is_string()) {
        types.push_back(it->get<std::string>());
      } else if (it->is_array()) {
        for (const auto& t : *it) {
          types.push_back(t.get<std::string>());
        }
      }
      bool ok = types.empty();
      for (const auto& t : types) {
        ok = ok || matches_type(inst, t);
      }
      if (!ok) {
        add(ctx, ViolationKind::type, ptr, type_message(types, inst, ptr, ctx));
        return;  // other keywords would only repeat the same problem
      }
    }
    check_enum(schema, inst, ptr, ctx);
    check_combinators(schema, inst, ptr, ctx);
    if (inst.is_object()) {
      check_object(schema, inst, ptr, ctx);
    } else if (inst.is_array()) {
      check_array(schema, inst, ptr, ctx);
    } else if (inst.is_string()) {
      check_string(schema, inst, ptr, ctx);
    } else if (inst.is_number()) {
      check_number(schema, inst, ptr, ctx);
    }
    if (auto it = schema.find("format"); it != schema.end() && it->is_string()) {
      if (auto f = formats.find(it->get<std::string>()); f != formats.end()) {
        if (auto complaint = f->second(inst)) {
          add(ctx, ViolationKind::value, ptr, *complaint);
        }
      }
    }
  }

  void check_enum(const SchemaJson& schema,
                  const Json& inst,
                  const std::string& ptr,
                  Ctx& ctx) const {
    auto konst = schema.find("const");
    auto it = schema.find("enum");
    const bool has_enum = it != schema.end() && it->is_array();
    if (konst == schema.end() && !has_enum) {
      return;
    }
    // Compared as std::map-based JSON: key order does not matter.
    const SchemaJson value(inst);
    if (konst != schema.end() && *konst != value) {
      add(ctx, ViolationKind::value, ptr,
          "must be " + util::quote(konst->is_string() ? konst->get<std::string>() : konst->dump()));
    }
    if (!has_enum) {
      return;
    }
    for (const auto& e : *it) {
      if (e == value) {
        return;
      }
    }
    std::vector<std::string> names;
    for (const auto& e : *it) {
      names.push_back(e.is_string() ? e.get<std::string>() : e.dump());
    }
    std::vector<std::string> quoted;
    quoted.reserve(names.size());
    for (const auto& n : names) {
      quoted.push_back(util::quote(n));
    }
    std::string msg = "must be one of " + util::join(quoted, ", ") + ", got " +
                      (inst.is_string() ? util::quote(inst.get<std::string>()) : inst.dump());
    if (inst.is_string()) {
      if (auto best = util::closest_match(inst.get<std::string>(), names); !best.empty()) {
        msg += "; did you mean " + util::quote(best) + "?";
      }
    }
    add(ctx, ViolationKind::value, ptr, msg);
  }

  void check_combinators(const SchemaJson& schema,
                         const Json& inst,
                         const std::string& ptr,
                         Ctx& ctx) const {
    if (auto it = schema.find("allOf"); it != schema.end()) {
      for (const auto& s : *it) {
        validate(s, inst, ptr, ctx);
      }
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      auto it = schema.find(key);
      if (it == schema.end() || !it->is_array()) {
        continue;
      }
      std::vector<std::vector<SchemaViolation>> results;
      std::size_t matched = 0;
      for (const auto& branch : *it) {
        std::vector<SchemaViolation> errs;
        Ctx sub{errs, ctx.raw};
        validate(branch, inst, ptr, sub);
        matched += errs.empty() ? 1U : 0U;
        results.push_back(std::move(errs));
      }
      if (std::string(key) == "oneOf" && matched > 1) {
        add(ctx, ViolationKind::value, ptr, "matches more than one of the allowed forms");
      }
      if (matched > 0) {
        continue;
      }
      // Report the branch of the right type, if exactly one is; otherwise
      // name the types that would have been accepted.
      std::vector<std::size_t> typed;
      for (std::size_t i = 0; i < results.size(); ++i) {
        const bool type_error = !results[i].empty() &&
                                results[i].front().kind == ViolationKind::type &&
                                results[i].front().pointer == ptr;
        if (!type_error) {
          typed.push_back(i);
        }
      }
      if (typed.size() == 1) {
        for (auto& v : results[typed.front()]) {
          ctx.out.push_back(std::move(v));
        }
        continue;
      }
      std::vector<std::string> types;
      for (const auto& branch : *it) {
        if (auto t = branch.find("type"); t != branch.end() && t->is_string()) {
          types.push_back(t->get<std::string>());
        }
      }
      if (types.size() == it->size() && typed.empty()) {
        add(ctx, ViolationKind::type, ptr, type_message(types, inst, ptr, ctx));
      } else {
        add(ctx, ViolationKind::value, ptr, "does not match any of the allowed forms");
      }
    }
    if (auto it = schema.find("not"); it != schema.end()) {
      std::vector<SchemaViolation> errs;
      Ctx sub{errs, ctx.raw};
      validate(*it, inst, ptr, sub);
      if (errs.empty()) {
        add(ctx, ViolationKind::value, ptr, "is not allowed here");
      }
    }
  }

  void check_object(const SchemaJson& schema,
                    const Json& inst,
                    const std::string& ptr,
                    Ctx& ctx) const {
    const SchemaJson* props = nullptr;
    if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
      props = &*it;
    }
    const SchemaJson* patterns = nullptr;
    if (auto it = schema.find("patternProperties"); it != schema.end() && it->is_object()) {
      patterns = &*it;
    }
    const SchemaJson* additional = nullptr;
    if (auto it = schema.find("additionalProperties"); it != schema.end()) {
      additional = &*it;
    }
    if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
      for (const auto& r : *it) {
        if (r.is_string() && !inst.contains(r.get<std::string>())) {
          add(ctx, ViolationKind::required, ptr,
              "missing required key " + util::quote(r.get<std::string>()));
        }
      }
    }
    if (auto it = schema.find("minProperties");
        it != schema.end() && inst.size() < it->get<std::size_t>()) {
      add(ctx, ViolationKind::value, ptr,
          "must have at least " + std::to_string(it->get<std::size_t>()) + " keys");
    }
    if (auto it = schema.find("maxProperties");
        it != schema.end() && inst.size() > it->get<std::size_t>()) {
      add(ctx, ViolationKind::value, ptr,
          "must have at most " + std::to_string(it->get<std::size_t>()) + " keys");
    }
    const SchemaJson* names_schema = nullptr;
    if (auto it = schema.find("propertyNames"); it != schema.end()) {
      names_schema = &*it;
    }
    for (auto it = inst.begin(); it != inst.end(); ++it) {
      const std::string child = pointer_append(ptr, it.key());
      if (names_schema != nullptr) {
        std::vector<SchemaViolation> errs;
        Ctx sub{errs, ctx.raw};
        validate(*names_schema, Json(it.key()), child, sub);
        for (auto& e : errs) {
          add(ctx, ViolationKind::unknown_key, child,
              "key " + util::quote(it.key()) + ": " + e.message);
        }
      }
      bool known = false;
      if (props != nullptr) {
        if (auto p = props->find(it.key()); p != props->end()) {
          known = true;
          validate(*p, it.value(), child, ctx);
        }
      }
      if (patterns != nullptr) {
        for (auto p = patterns->begin(); p != patterns->end(); ++p) {
          if (std::regex_search(it.key(), regex(p.key()))) {
            known = true;
            validate(p.value(), it.value(), child, ctx);
          }
        }
      }
      if (known) {
        continue;
      }
      if (additional == nullptr) {
        // JSON Schema allows any other key; a Kubernetes structural schema
        // prunes it, and fieldValidation=Strict makes that an error.
        if (kubernetes() && !flag(schema, "x-kubernetes-preserve-unknown-fields") &&
            !(flag(schema, "x-kubernetes-embedded-resource") && is_object_meta_key(it.key()))) {
          add(ctx, ViolationKind::unknown_key, child, unknown_key_message(it.key(), props));
        }
        continue;
      }
      if (additional->is_boolean() && !additional->get<bool>()) {
        add(ctx, ViolationKind::unknown_key, child, unknown_key_message(it.key(), props));
      } else {
        validate(*additional, it.value(), child, ctx);
      }
    }
  }

  static bool is_object_meta_key(const std::string& key) {
    return key == "apiVersion" || key == "kind" || key == "metadata";
  }

  std::string unknown_key_message(const std::string& key, const SchemaJson* props) const {
    std::string msg =
        std::string(kubernetes() ? "unknown field " : "unknown key ") + util::quote(key);
    if (props == nullptr || props->empty()) {
      return msg + " (no keys are allowed here)";
    }
    std::vector<std::string> names;
    for (auto p = props->begin(); p != props->end(); ++p) {
      names.push_back(p.key());
    }
    if (auto best = util::closest_match(key, names); !best.empty()) {
      return msg + "; did you mean " + util::quote(best) + "?";
    }
    if (names.size() <= 12) {
      return msg + " (expected one of: " + util::join(names, ", ") + ")";
    }
    return msg;
  }

  void check_array(const SchemaJson& schema,
                   const Json& inst,
                   const std::string& ptr,
                   Ctx& ctx) const {
    if (auto it = schema.find("minItems");
        it != schema.end() && inst.size() < it->get<std::size_t>()) {
      add(ctx, ViolationKind::value, ptr,
          "must have at least " + std::to_string(it->get<std::size_t>()) + " item(s)");
    }
    if (auto it = schema.find("maxItems");
        it != schema.end() && inst.size() > it->get<std::size_t>()) {
      add(ctx, ViolationKind::value, ptr,
          "must have at most " + std::to_string(it->get<std::size_t>()) + " item(s)");
    }
    if (auto it = schema.find("uniqueItems");
        it != schema.end() && it->is_boolean() && it->get<bool>()) {
      const auto items = unordered_items(inst);
      for (std::size_t i = 0; i < items.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (items[i] == items[j]) {
            add(ctx, ViolationKind::value, pointer_append(ptr, i),
                "duplicates item " + std::to_string(j));
          }
        }
      }
    }
    if (kubernetes()) {
      check_list_type(schema, inst, ptr, ctx);
    }
    if (auto it = schema.find("items"); it != schema.end()) {
      if (it->is_array()) {
        for (std::size_t i = 0; i < inst.size() && i < it->size(); ++i) {
          validate((*it)[i], inst[i], pointer_append(ptr, i), ctx);
        }
        if (auto add_it = schema.find("additionalItems"); add_it != schema.end()) {
          for (std::size_t i = it->size(); i < inst.size(); ++i) {
            validate(*add_it, inst[i], pointer_append(ptr, i), ctx);
          }
        }
      } else {
        for (std::size_t i = 0; i < inst.size(); ++i) {
          validate(*it, inst[i], pointer_append(ptr, i), ctx);
        }
      }
    }
  }

  // x-kubernetes-list-type: `set` items are unique; `map` items are unique
  // by their x-kubernetes-list-map-keys (a `name`, or `containerPort` +
  // `protocol`), as the API server requires.
  void check_list_type(const SchemaJson& schema,
                       const Json& inst,
                       const std::string& ptr,
                       Ctx& ctx) const {
    auto type = schema.find("x-kubernetes-list-type");
    if (type == schema.end() || !type->is_string()) {
      return;
    }
    if (*type == "set") {
      const auto items = unordered_items(inst);
      for (std::size_t i = 0; i < items.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (items[i] == items[j]) {
            add(ctx, ViolationKind::value, pointer_append(ptr, i),
                "duplicate value " +
                    (inst[i].is_string() ? util::quote(inst[i].get<std::string>())
                                         : inst[i].dump()) +
                    " (also item " + std::to_string(j) + "; this list is a set)");
            break;
          }
        }
      }
      return;
    }
    auto keys = schema.find("x-kubernetes-list-map-keys");
    if (*type != "map" || keys == schema.end() || !keys->is_array()) {
      return;
    }
    // The map key of an item, as "name=x" pairs; items without the keys
    // are left to `required`. Defaults for key fields (protocol: TCP) have
    // been applied by default_and_prune.
    auto key_of = [&](const Json& item) {
      std::vector<std::string> parts;
      for (const auto& k : *keys) {
        const std::string name = k.get<std::string>();
        auto v = item.is_object() ? item.find(name) : item.end();
        if (v != item.end()) {
          parts.push_back(name + "=" + (v->is_string() ? v->get<std::string>() : v->dump()));
        }
      }
      return util::join(parts, ", ");
    };
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < inst.size(); ++i) {
      const std::string key = key_of(inst[i]);
      if (key.empty()) {
        continue;
      }
      auto [it, fresh] = seen.emplace(key, i);
      if (!fresh) {
        add(ctx, ViolationKind::value, pointer_append(ptr, i),
            "duplicate entry with " + key + " (also item " + std::to_string(it->second) + ")");
      }
    }
  }

  // Kubernetes' order: null values of non-nullable fields are dropped, then
  // defaults fill absent fields, and only then is the object validated
  // (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/
  // custom-resource-definitions/#defaulting-and-nullable).
  void default_and_prune(const SchemaJson& schema_ref,
                         Json& inst,
                         const std::string& ptr,
                         std::vector<std::string>* defaulted) const {
    const SchemaJson& schema = deref(schema_ref);
    if (!schema.is_object()) {
      return;
    }
    if (inst.is_object()) {
      const SchemaJson* props = nullptr;
      if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
        props = &*it;
      }
      const SchemaJson* additional = nullptr;
      if (auto it = schema.find("additionalProperties"); it != schema.end() && it->is_object()) {
        additional = &*it;
      }
      for (auto it = inst.begin(); it != inst.end();) {
        const SchemaJson* sub = nullptr;
        if (props != nullptr) {
          if (auto p = props->find(it.key()); p != props->end()) {
            sub = &deref(*p);
          }
        }
        if (sub == nullptr) {
          sub = additional != nullptr ? &deref(*additional) : nullptr;
        }
        if (sub != nullptr && it->is_null() && !flag(*sub, "nullable")) {
          it = inst.erase(it);
          continue;
        }
        if (sub != nullptr) {
          default_and_prune(*sub, it.value(), pointer_append(ptr, it.key()), defaulted);
        }
        ++it;
      }
      if (props != nullptr) {
        for (auto p = props->begin(); p != props->end(); ++p) {
          const SchemaJson& sub = deref(p.value());
          if (inst.contains(p.key()) || !sub.is_object()) {
            continue;
          }
          if (auto d = sub.find("default"); d != sub.end()) {
            inst[p.key()] = Json(*d);
            if (defaulted != nullptr) {
              defaulted->push_back(pointer_append(ptr, p.key()));
            }
            default_and_prune(sub, inst[p.key()], pointer_append(ptr, p.key()), defaulted);
          }
        }
      }
    } else if (inst.is_array()) {
      if (auto it = schema.find("items"); it != schema.end() && it->is_object()) {
        for (std::size_t i = 0; i < inst.size(); ++i) {
          default_and_prune(*it, inst[i], pointer_append(ptr, i), defaulted);
        }
      }
    }
  }

  void check_string(const SchemaJson& schema,
                    const Json& inst,
                    const std::string& ptr,
                    Ctx& ctx) const {
    const auto& s = inst.get_ref<const std::string&>();
    const std::size_t len = utf8_length(s);
    if (auto it = schema.find("minLength"); it != schema.end() && len < it->get<std::size_t>()) {
      add(ctx, ViolationKind::value, ptr,
          s.empty()
              ? std::string("must not be empty")
              : "must be at least " + std::to_string(it->get<std::size_t>()) + " characters long");
    }
    if (auto it = schema.find("maxLength"); it != schema.end() && len > it->get<std::size_t>()) {
      add(ctx, ViolationKind::value, ptr,
          "must be at most " + std::to_string(it->get<std::size_t>()) + " characters long, got " +
              std::to_string(len));
    }
    auto pattern = schema.find("pattern");
    if (pattern != schema.end() && pattern->is_string()) {
      if (auto named = named_patterns.find(pattern->get<std::string>());
          named != named_patterns.end()) {
        if (!named->second.matches(s)) {
          add(ctx, ViolationKind::value, ptr,
              util::quote(s) + " is not " + named->second.description);
        }
        return;
      }
    }
    if (const auto& it = pattern; it != schema.end() && it->is_string()) {
      if (!std::regex_search(s, regex(it->get<std::string>()))) {
        add(ctx, ViolationKind::value, ptr,
            util::quote(s) + " does not match the pattern " + util::quote(it->get<std::string>()));
      }
    }
  }

  void check_number(const SchemaJson& schema,
                    const Json& inst,
                    const std::string& ptr,
                    Ctx& ctx) const {
    const double v = inst.get<double>();
    auto bound = [&](const char* key, const char* exclusive_key, bool is_min) {
      auto it = schema.find(key);
      bool exclusive = false;
      double limit = 0;
      bool have = false;
      if (it != schema.end() && it->is_number()) {
        limit = it->get<double>();
        have = true;
        if (auto ex = schema.find(exclusive_key); ex != schema.end() && ex->is_boolean()) {
          exclusive = ex->get<bool>();  // draft-04 form
        }
      }
      if (have) {
        const bool bad =
            is_min ? (exclusive ? v <= limit : v < limit) : (exclusive ? v >= limit : v > limit);
        if (bad) {
          add(ctx, ViolationKind::value, ptr,
              std::string("must be ") +
                  (is_min ? (exclusive ? "> " : ">= ") : (exclusive ? "< " : "<= ")) +
                  format_number(limit) + ", got " + format_number(v));
        }
      }
      // draft-06+ numeric form
      if (auto ex = schema.find(exclusive_key); ex != schema.end() && ex->is_number()) {
        const double l = ex->get<double>();
        if (is_min ? v <= l : v >= l) {
          add(ctx, ViolationKind::value, ptr,
              std::string("must be ") + (is_min ? "> " : "< ") + format_number(l) + ", got " +
                  format_number(v));
        }
      }
    };
    bound("minimum", "exclusiveMinimum", true);
    bound("maximum", "exclusiveMaximum", false);
    if (auto it = schema.find("multipleOf"); it != schema.end() && it->is_number()) {
      const double m = it->get<double>();
      const double q = v / m;
      if (m > 0 && std::fabs(q - std::round(q)) > 1e-9) {
        add(ctx, ViolationKind::value, ptr, "must be a multiple of " + format_number(m));
      }
    }
  }
};

SchemaValidator::SchemaValidator(const SchemaJson& schema, SchemaDialect dialect)
    : m_impl(std::make_unique<Impl>(schema, dialect)) {}

SchemaValidator::SchemaValidator(SchemaJson&& schema, SchemaDialect dialect)
    : m_impl(std::make_unique<Impl>(std::move(schema), dialect)) {}
SchemaValidator::~SchemaValidator() = default;

void SchemaValidator::add_format(const std::string& name, FormatCheck check) {
  m_impl->formats[name] = std::move(check);
}

void SchemaValidator::name_pattern(std::string_view pattern,
                                   std::string description,
                                   std::function<bool(std::string_view)> matches) {
  m_impl->named_patterns[std::string(pattern)] = {std::move(description), std::move(matches)};
}

void SchemaValidator::default_and_prune(Json& instance, std::vector<std::string>* defaulted) const {
  m_impl->default_and_prune(m_impl->root, instance, "", defaulted);
}

void SchemaValidator::validate(const Json& instance,
                               std::vector<SchemaViolation>& out,
                               const RawScalarLookup& raw) const {
  Impl::Ctx ctx{out, raw};
  m_impl->validate(m_impl->root, instance, "", ctx);
}

}  // namespace kray::core
