// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: arbitrary bytes through the whole offline pipeline.
// Properties checked, beyond "does not crash, leak or hit UB":
//   - every rendered manifest, emitted as YAML and read back, is the same
//     JSON (the emitter's promise that types survive a YAML 1.1 reader);
//   - every parsed document, emitted and read back, is the same JSON;
//   - validating any document (KubeRay manifests included) terminates;
//   - a spec without `patch` that parse_spec accepts renders a manifest
//     with no validation errors (parse_spec must catch what the API server
//     and the operator would refuse).
// Build: CXX=clang++ cmake -B build-fuzz -DKRAYCTL_FUZZ=ON -DKRAYCTL_BUILD_TESTS=OFF
//        -DKRAYCTL_SANITIZE="address;undefined" && cmake --build build-fuzz
// Run:   build-fuzz/tests/fuzz/parse_spec_fuzzer -max_total_time=60 tests/fuzz/corpus
#include <krayctl/core/spec/render.hpp>
#include <krayctl/core/spec/spec.hpp>
#include <krayctl/core/validate/validate.hpp>
#include <krayctl/core/yaml/document.hpp>
#include <krayctl/core/yaml/yaml_emit.hpp>

#include <cstdio>
#include <cstdlib>

namespace {

void check_round_trip(const kray::core::Json& value) {
  const std::string yaml = kray::core::emit_yaml(value);
  auto back = kray::core::parse_documents(
      std::make_shared<kray::core::SourceFile>(kray::core::SourceFile{"emitted", yaml}));
  const bool same = back && back->size() == 1 && back->front().root == value;
  // An empty mapping or list at the top emits as `{}` / `[]`, which reads
  // back fine; null at the top is an empty document.
  if (!same && !value.is_null()) {
    const auto shown = value.dump(-1, ' ', false, kray::core::Json::error_handler_t::replace);
    std::fprintf(stderr, "round trip changed the value:\n%s\n---\n%s\n", shown.c_str(),
                 yaml.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto source = std::make_shared<kray::core::SourceFile>(
      kray::core::SourceFile{"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)});
  auto docs = kray::core::parse_documents(source);
  if (!docs) {
    return 0;
  }
  static const auto templates = kray::core::builtin_templates();
  for (const auto& doc : *docs) {
    check_round_trip(doc.root);
    if (!kray::core::is_compact_spec(doc)) {
      std::vector<kray::core::Diagnostic> diags;
      kray::core::validate_object(doc, "", {}, diags);
      continue;
    }
    auto parsed = kray::core::parse_spec(doc);
    if (!parsed.spec) {
      continue;
    }
    if (parsed.spec->serve && parsed.spec->serve->config_file) {
      parsed.spec->serve->config_text = "applications: []\n";
    }
    kray::core::Document rendered;
    rendered.source = source;
    rendered.root = kray::core::render(*parsed.spec, *templates);
    check_round_trip(rendered.root);
    std::vector<kray::core::Diagnostic> diags;
    kray::core::validate_object(rendered, "", {}, diags);
    if (kray::core::has_errors(diags) && !doc.root.contains("patch")) {
      for (const auto& d : diags) {
        if (d.severity == kray::core::Severity::error) {
          std::fprintf(stderr, "rendered manifest is invalid: %s (%s)\n", d.message.c_str(),
                       kray::core::pointer_to_path(d.pointer).c_str());
        }
      }
      std::abort();
    }
  }
  return 0;
}
