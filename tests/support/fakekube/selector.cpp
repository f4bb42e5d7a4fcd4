// SPDX-License-Identifier: Apache-2.0
#include "selector.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

namespace fakekube {

namespace {

ApiError bad_selector(const std::string& message) {
  return {400, "BadRequest", "unable to parse requirement: " + message, Json::object()};
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) {
    return "";
  }
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits at commas outside parentheses.
std::vector<std::string> split_terms(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    }
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty() || !out.empty()) {
    out.push_back(trim(cur));
  }
  return out;
}

bool valid_label_key(const std::string& k) {
  if (k.empty() || k.size() > 253 + 1 + 63) {
    return false;
  }
  const auto slash = k.find('/');
  const std::string name = slash == std::string::npos ? k : k.substr(slash + 1);
  if (name.empty() || name.size() > 63 || !std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back()))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string label_value(const Json& labels, const std::string& key, bool* present) {
  *present = labels.is_object() && labels.contains(key) && labels[key].is_string();
  return *present ? labels[key].get<std::string>() : std::string();
}

// The value a field selector reads; "" for an absent field, as the API
// server's field sets hold it.
std::string field_value(const Json& object, const std::string& path) {
  const Json* cur = &object;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!cur->is_object() || !cur->contains(part)) {
      return "";
    }
    cur = &(*cur)[part];
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  if (cur->is_string()) {
    return cur->get<std::string>();
  }
  return cur->is_null() ? "" : cur->dump();
}

const std::map<std::string, std::set<std::string>>& field_labels() {
  // Per resource, beyond metadata.name and metadata.namespace
  // (pkg/registry/core/*/strategy.go ToSelectableFields).
  static const std::map<std::string, std::set<std::string>> m = {
      {"pods",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"events",
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}},
      {"secrets", {"type"}},
      {"namespaces", {"status.phase"}},
      {"nodes", {"spec.unschedulable"}},
      {"jobs", {"status.successful"}},
  };
  return m;
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(const std::string& text) {
  LabelSelector sel;
  for (const std::string& raw : split_terms(text)) {
    if (raw.empty()) {
      return tl::unexpected(bad_selector("found '', expected: identifier"));
    }
    Term t;
    auto set_op = [&](const std::string& word, Op op) {
      const auto pos = raw.find(" " + word + " ");
      if (pos == std::string::npos) {
        return false;
      }
      t.key = trim(raw.substr(0, pos));
      std::string rest = trim(raw.substr(pos + word.size() + 2));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
        return false;
      }
      for (const auto& v : split_terms(rest.substr(1, rest.size() - 2))) {
        t.values.push_back(v);
      }
      t.op = op;
      return true;
    };
    if (set_op("notin", Op::notin) || set_op("in", Op::in)) {
      // set by set_op
    } else if (raw.front() == '!') {
      t.key = trim(raw.substr(1));
      t.op = Op::not_exists;
    } else if (auto p = raw.find("!="); p != std::string::npos) {
      t = {trim(raw.substr(0, p)), Op::neq, {trim(raw.substr(p + 2))}};
    } else if (auto q = raw.find("=="); q != std::string::npos) {
      t = {trim(raw.substr(0, q)), Op::eq, {trim(raw.substr(q + 2))}};
    } else if (auto r = raw.find('='); r != std::string::npos) {
      t = {trim(raw.substr(0, r)), Op::eq, {trim(raw.substr(r + 1))}};
    } else if (auto g = raw.find('>'); g != std::string::npos) {
      t = {trim(raw.substr(0, g)), Op::gt, {trim(raw.substr(g + 1))}};
    } else if (auto l = raw.find('<'); l != std::string::npos) {
      t = {trim(raw.substr(0, l)), Op::lt, {trim(raw.substr(l + 1))}};
    } else {
      t = {raw, Op::exists, {}};
    }
    if (!valid_label_key(t.key)) {
      return tl::unexpected(bad_selector("invalid label key \"" + t.key + "\""));
    }
    sel.m_terms.push_back(std::move(t));
  }
  return sel;
}

bool LabelSelector::matches(const Json& labels) const {
  for (const auto& t : m_terms) {
    bool present = false;
    const std::string v = label_value(labels, t.key, &present);
    bool ok = false;
    switch (t.op) {
      case Op::eq:
        ok = present && v == t.values[0];
        break;
      case Op::neq:
        ok = !present || v != t.values[0];
        break;
      case Op::in:
        ok = present && std::find(t.values.begin(), t.values.end(), v) != t.values.end();
        break;
      case Op::notin:
        ok = !present || std::find(t.values.begin(), t.values.end(), v) == t.values.end();
        break;
      case Op::exists:
        ok = present;
        break;
      case Op::not_exists:
        ok = !present;
        break;
      case Op::gt:
      case Op::lt: {
        char* end = nullptr;
        const long long have = std::strtoll(v.c_str(), &end, 10);
        const long long want = std::strtoll(t.values[0].c_str(), nullptr, 10);
        ok = present && end != v.c_str() && (t.op == Op::gt ? have > want : have < want);
        break;
      }
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

Result<FieldSelector> FieldSelector::parse(const std::string& text, const ResourceType& type) {
  FieldSelector sel;
  for (const std::string& raw : split_terms(text)) {
    Term t;
    if (auto p = raw.find("!="); p != std::string::npos) {
      t = {trim(raw.substr(0, p)), false, trim(raw.substr(p + 2))};
    } else if (auto q = raw.find("=="); q != std::string::npos) {
      t = {trim(raw.substr(0, q)), true, trim(raw.substr(q + 2))};
    } else if (auto r = raw.find('='); r != std::string::npos) {
      t = {trim(raw.substr(0, r)), true, trim(raw.substr(r + 1))};
    } else {
      return tl::unexpected(ApiError{
          400, "BadRequest", "invalid selector: '" + text + "'; can't understand '" + raw + "'",
          Json::object()});
    }
    bool known = t.field == "metadata.name" || t.field == "metadata.namespace";
    if (auto it = field_labels().find(type.resource); !known && it != field_labels().end()) {
      known = it->second.count(t.field) > 0;
    }
    if (!known) {
      return tl::unexpected(
          ApiError{400, "BadRequest", "field label not supported: " + t.field, Json::object()});
    }
    sel.m_terms.push_back(std::move(t));
  }
  return sel;
}

bool FieldSelector::matches(const Json& object) const {
  for (const auto& t : m_terms) {
    // Field labels that name another path, or default when absent, as the
    // registries' ToSelectableFields write them.
    std::string v;
    if (t.field == "source") {
      v = field_value(object, "source.component");
    } else if (t.field == "status.successful") {
      v = field_value(object, "status.succeeded");
      v = v.empty() ? "0" : v;
    } else {
      v = field_value(object, t.field);
      if (v.empty() && (t.field == "spec.hostNetwork" || t.field == "spec.unschedulable")) {
        v = "false";
      }
    }
    if ((v == t.value) != t.equal) {
      return false;
    }
  }
  return true;
}

}  // namespace fakekube
