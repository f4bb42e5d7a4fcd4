// SPDX-License-Identifier: Apache-2.0
// crd_compact: turns KubeRay CustomResourceDefinitions into the compact
// schemas krayctl compiles in (schemas/crds/*.json).
//
//   crd_compact OUT_DIR CRD.yaml...
//
// For each CRD it keeps each served version's openAPIV3Schema (v1 as
// KIND.json, v1alpha1 as KIND-v1alpha1.json) without
// `description`s and with `status` reduced to "any object" (the API server
// ignores status on writes to the main resource, so krayctl never checks it) and with
// root `metadata` left to krayctl's own ObjectMeta checks, then moves
// every subtree that occurs more than once (the Pod template appears for
// the head, every worker group and the submitter) into `definitions`, with
// `$ref`s in its place. The RayJob schema shrinks from 1.3 MB of YAML to
// about 38 KB of JSON. The output is deterministic: the same CRDs give the
// same bytes, which tests/cli/crd_schemas_test.sh checks.
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/strings.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>

namespace {

using kray::core::Json;

// Subtrees shorter than this stay inline: a $ref costs about 25 bytes.
constexpr std::size_t k_min_shared_size = 120;

Json strip(const Json& node) {
  if (node.is_object()) {
    Json out = Json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() != "description") {
        out[it.key()] = strip(it.value());
      }
    }
    return out;
  }
  if (node.is_array()) {
    Json out = Json::array();
    for (const auto& item : node) {
      out.push_back(strip(item));
    }
    return out;
  }
  return node;
}

// Key order does not matter for equality of schemas: compare sorted dumps.
std::string canonical(const Json& node) {
  return nlohmann::json(node).dump();
}

class Deduplicator {
 public:
  // Counts every schema node (not the maps of `properties`, nor `default`
  // or `enum` values, which are data).
  void count(const Json& schema) {
    if (!schema.is_object()) {
      return;
    }
    ++m_counts[canonical(schema)];
    for_each_subschema(schema, [this](const Json& sub) { count(sub); });
  }

  Json replace(const Json& node, bool top) {
    if (!node.is_object()) {
      return node;  // `additionalProperties: false`
    }
    if (!top) {
      const std::string key = canonical(node);
      if (m_counts[key] > 1 && key.size() >= k_min_shared_size) {
        auto found = m_names.find(key);
        if (found == m_names.end()) {
          const std::string name = "d" + std::to_string(m_names.size());
          m_names.emplace(key, name);
          Json body = rebuild(node);
          m_definitions[name] = std::move(body);
          return Json{{"$ref", "#/definitions/" + name}};
        }
        return Json{{"$ref", "#/definitions/" + found->second}};
      }
    }
    return rebuild(node);
  }

  Json definitions() const {
    Json out = Json::object();
    // Numeric order (d0, d1, ... d10), not string order.
    for (std::size_t i = 0; i < m_names.size(); ++i) {
      const std::string name = "d" + std::to_string(i);
      out[name] = m_definitions.at(name);
    }
    return out;
  }

 private:
  // The keywords whose values are schemas, or maps or lists of schemas.
  static bool is_schema_map(const std::string& key) {
    return key == "properties" || key == "patternProperties" || key == "definitions";
  }
  static bool is_schema_list(const std::string& key) {
    return key == "allOf" || key == "anyOf" || key == "oneOf";
  }
  static bool is_schema(const std::string& key) {
    return key == "additionalProperties" || key == "items" || key == "not";
  }

  template <typename F>
  static void for_each_subschema(const Json& schema, F&& f) {
    for (auto it = schema.begin(); it != schema.end(); ++it) {
      if (is_schema_map(it.key()) || is_schema_list(it.key()) ||
          (it.key() == "items" && it->is_array())) {
        for (const auto& sub : it.value()) {
          f(sub);
        }
      } else if (is_schema(it.key())) {
        f(it.value());
      }
    }
  }

  Json rebuild(const Json& schema) {
    Json out = Json::object();
    for (auto it = schema.begin(); it != schema.end(); ++it) {
      const std::string& key = it.key();
      if (is_schema_map(key)) {
        Json map = Json::object();
        for (auto sub = it->begin(); sub != it->end(); ++sub) {
          map[sub.key()] = replace(sub.value(), false);
        }
        out[key] = std::move(map);
      } else if (is_schema_list(key) || (key == "items" && it->is_array())) {
        Json list = Json::array();
        for (const auto& sub : it.value()) {
          list.push_back(replace(sub, false));
        }
        out[key] = std::move(list);
      } else if (is_schema(key)) {
        out[key] = replace(it.value(), false);
      } else {
        out[key] = it.value();
      }
    }
    return out;
  }

  std::unordered_map<std::string, int> m_counts;
  std::unordered_map<std::string, std::string> m_names;
  std::map<std::string, Json> m_definitions;
};

int fail(const std::string& message) {
  std::cerr << "crd_compact: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    return fail("usage: crd_compact OUT_DIR CRD.yaml...");
  }
  const std::string out_dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      return fail(std::string("cannot read ") + argv[i]);
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto source = std::make_shared<kray::core::SourceFile>();
    source->name = argv[i];
    source->text = text.str();
    auto docs = kray::core::parse_documents(source, {.max_nodes = 10'000'000});
    if (!docs || docs->size() != 1) {
      return fail(std::string(argv[i]) + ": not one YAML document");
    }
    const Json& crd = docs->front().root;
    const Json* versions = kray::core::find_pointer(crd, "/spec/versions");
    const Json* kind_name = kray::core::find_pointer(crd, "/spec/names/kind");
    if (versions == nullptr || !versions->is_array() || kind_name == nullptr ||
        !kind_name->is_string()) {
      return fail(std::string(argv[i]) + ": not a CustomResourceDefinition");
    }
    const std::string kind = kind_name->get<std::string>();
    bool have_v1 = false;
    // Every served version: v1 as kind.json, others (v1alpha1) as
    // kind-VERSION.json, so that older manifests are checked against the
    // schema the API server checks them with.
    for (const auto& version : *versions) {
      const std::string name = version.value("name", "");
      if (!version.value("served", false)) {
        continue;
      }
      have_v1 = have_v1 || name == "v1";
      const Json* schema = kray::core::find_pointer(version, "/schema/openAPIV3Schema");
      if (schema == nullptr) {
        return fail(std::string(argv[i]) + ": version " + name + " has no schema");
      }
      Json stripped = strip(*schema);
      // Status: allowed, never checked (see above).
      stripped["properties"]["status"] = {{"type", "object"},
                                          {"x-kubernetes-preserve-unknown-fields", true}};
      // The API server checks ObjectMeta itself, not through the CRD schema
      // (which says only `type: object`); so does core/validate/validate.cpp.
      stripped["properties"]["metadata"] = {{"type", "object"},
                                            {"x-kubernetes-preserve-unknown-fields", true}};

      Deduplicator dedup;
      dedup.count(stripped);
      Json root = Json::object();
      root["$comment"] = "KubeRay v1.6.2 " + kind + " CRD schema (ray.io/" + name +
                         "), Apache-2.0: see LICENSE. Generated by "
                         "tools/crd_compact.cpp; do not edit.";
      Json body = dedup.replace(stripped, true);
      for (auto it = body.begin(); it != body.end(); ++it) {
        root[it.key()] = it.value();
      }
      root["definitions"] = dedup.definitions();

      const std::string out_path =
          out_dir + "/" + kray::util::to_lower(kind) + (name == "v1" ? "" : "-" + name) + ".json";
      std::ofstream out(out_path, std::ios::binary);
      out << root.dump() << "\n";
      if (!out) {
        return fail("cannot write " + out_path);
      }
      std::cout << out_path << ": " << root.dump().size() + 1 << " bytes, "
                << root["definitions"].size() << " shared subtrees\n";
    }
    if (!have_v1) {
      return fail(std::string(argv[i]) + ": no v1 version");
    }
  }
  return 0;
}
