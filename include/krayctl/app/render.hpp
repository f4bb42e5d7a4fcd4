// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/core/validate/validate.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/error.hpp>

#include <string>
#include <vector>

namespace kray::app {

enum class OutputFormat { yaml, json };

struct RenderOptions {
  std::vector<std::string> inputs;  // spec files; "-" reads stdin
  OutputFormat output = OutputFormat::yaml;
  std::vector<std::string> sets;         // --set PATH=VALUE, applied to every spec
  std::vector<std::string> set_strings;  // --set-string PATH=VALUE, after the --sets
  std::string templates_dir;             // --templates: overrides the built-in templates
  std::string namespace_;                // -n: the namespace of specs that name none
  core::ValidateOptions validation;      // lints to disable in the output check
};

// The manifests of a set of inputs, or every problem found in them.
struct Rendered {
  std::vector<core::Json> manifests;
};

// Reads, parses and renders every input. Compact specs are rendered;
// documents that are already manifests (they have apiVersion) pass
// through. Every KubeRay manifest is then validated as `krayctl validate`
// would; lint warnings go to stderr. All-or-nothing: on any problem, every diagnostic is written to
// the console's stderr and the result is an ErrorCode::invalid_spec error
// (`reported` set), with no manifest returned.
[[nodiscard]] Result<Rendered> render_inputs(const RenderOptions& options, const Deps& deps);

// `krayctl render`: render_inputs, then the manifests on stdout as one
// YAML stream or JSON (one object, or a v1 List of several).
[[nodiscard]] Result<void> run_render(const RenderOptions& options, const Deps& deps);

// Returns `manifests` in `format`, as `run_render` writes them.
std::string format_manifests(const std::vector<core::Json>& manifests, OutputFormat format);

}  // namespace kray::app
