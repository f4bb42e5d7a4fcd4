// SPDX-License-Identifier: Apache-2.0
// Private to src/core: the reading helpers the spec parser shares between
// its files. Values have passed the schema by the time they are read, but
// the readers still check types, so that semantic checks can run (and
// report) even when another part of the document has a schema error.
#pragma once

#include <krayctl/core/spec/spec.hpp>
#include <krayctl/core/yaml/diagnostic.hpp>
#include <krayctl/core/yaml/document.hpp>

#include <string>
#include <vector>

namespace kray::core::detail {

class SpecReader {
 public:
  SpecReader(const Document& doc, std::vector<Diagnostic>& diags) : m_doc(doc), m_diags(diags) {}

  const Document& doc() const { return m_doc; }

  void error(const std::string& pointer, std::string message, bool at_key = false) {
    m_diags.push_back(make_diagnostic(m_doc, pointer, std::move(message), at_key));
  }

  // Returns the member `key` of `obj` if it exists, else nullptr.
  static const Json* member(const Json* obj, const char* key) {
    if (obj == nullptr || !obj->is_object()) {
      return nullptr;
    }
    auto it = obj->find(key);
    return it == obj->end() ? nullptr : &*it;
  }

  static std::optional<std::string> string(const Json* v) {
    if (v == nullptr || !v->is_string()) {
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  // An integer, or nullopt for anything else, including numbers beyond
  // int64 (converting those would be undefined; the schema reports them).
  static std::optional<std::int64_t> integer(const Json* v) {
    if (v == nullptr) {
      return std::nullopt;
    }
    if (v->is_number_integer() && !v->is_number_unsigned()) {
      return v->get<std::int64_t>();
    }
    if (v->is_number_unsigned() && v->get<std::uint64_t>() <= INT64_MAX) {
      return static_cast<std::int64_t>(v->get<std::uint64_t>());
    }
    if (v->is_number_float()) {
      const double d = v->get<double>();
      if (d >= -9.2e18 && d <= 9.2e18 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
        return static_cast<std::int64_t>(d);
      }
    }
    return std::nullopt;
  }

  static std::optional<bool> boolean(const Json* v) {
    if (v == nullptr || !v->is_boolean()) {
      return std::nullopt;
    }
    return v->get<bool>();
  }

  // A scalar as the text a Kubernetes string field needs: strings as they
  // are, numbers as written in the YAML (`08` stays "08"), booleans as
  // "true"/"false".
  std::string scalar_text(const Json& v, const std::string& pointer) const {
    if (v.is_string()) {
      return v.get<std::string>();
    }
    if (const auto* m = m_doc.mark(pointer); m != nullptr && !m->raw.empty()) {
      return m->raw;
    }
    return v.dump();
  }

  // Reads a string-to-string map (labels, annotations, node selectors).
  std::map<std::string, std::string> string_map(const Json* v) const {
    std::map<std::string, std::string> out;
    if (v != nullptr && v->is_object()) {
      for (auto it = v->begin(); it != v->end(); ++it) {
        if (it.value().is_string()) {
          out[it.key()] = it.value().get<std::string>();
        }
      }
    }
    return out;
  }

  std::optional<Quantity> quantity(const Json* v) const {
    if (v == nullptr) {
      return std::nullopt;
    }
    auto q = parse_quantity_value(*v);
    if (!q || q->value < 0) {
      return std::nullopt;  // the schema's format check reports it
    }
    return *q;
  }

  std::optional<std::int64_t> duration(const Json* v) const {
    if (v == nullptr) {
      return std::nullopt;
    }
    auto d = parse_duration_seconds(*v);
    return d ? std::optional<std::int64_t>(*d) : std::nullopt;
  }

  // Reads the pod settings at `pointer` (defaults, head, or a worker group).
  PodSettings pod_settings(const Json* obj, const std::string& pointer);

 private:
  void read_env(const Json* env, const std::string& pointer, PodSettings& pod);
  void read_nccl(const Json* nccl, const std::string& pointer, PodSettings& pod);
  void read_volumes(const Json* volumes, const std::string& pointer, PodSettings& pod);

  const Document& m_doc;
  std::vector<Diagnostic>& m_diags;
};

// Returns `group` with `defaults` filled in: scalars the group leaves unset,
// map entries and env variables it does not name, volumes it does not
// define; tolerations only when the group has none.
PodSettings merge_pod_settings(const PodSettings& defaults, const PodSettings& group);

}  // namespace kray::core::detail
