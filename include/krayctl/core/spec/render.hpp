// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/spec/spec.hpp>
#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/error.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kray::core {

// The base manifests that rendering lays a spec over (templates/ in the
// source tree; compiled in). See templates/*.yaml for what each holds.
struct Templates {
  Json raycluster;   // raycluster.yaml: a RayCluster; its spec is the base of every cluster spec
  Json workergroup;  // workergroup.yaml: one item of workerGroupSpecs
  Json rayjob;       // rayjob.yaml
  Json rayservice;   // rayservice.yaml
};

// The template file names, in the order above.
inline constexpr const char* k_template_files[] = {"raycluster.yaml", "workergroup.yaml",
                                                   "rayjob.yaml", "rayservice.yaml"};

// Returns the compiled-in templates.
[[nodiscard]] Result<Templates> builtin_templates();

// Returns the templates with `overrides` (file name -> contents, as read
// from a --templates directory, with `dir` for messages) replacing the
// compiled-in files they name. Fails with the location of a file that is
// not one YAML mapping, or that names no Ray container.
[[nodiscard]] Result<Templates> load_templates(const std::map<std::string, std::string>& overrides,
                                               const std::string& dir);

// Renders `spec` into a RayCluster, RayJob or RayService manifest: the
// spec's own objects laid over the templates (MergeMode::fill), then
// `spec.patch` (MergeMode::overlay); keys in the conventional order
// (apiVersion, kind, metadata, spec), label and annotation maps sorted.
// A RayService spec must have its serve config text resolved.
[[nodiscard]] Json render(const Spec& spec, const Templates& templates);

// Where the parts of a rendered manifest come from in its compact spec:
// pairs of (manifest pointer, spec pointer), such as
// ("/spec/rayClusterSpec/workerGroupSpecs/1", "/workers/1"). Problems found
// in the manifest are reported at the nearest of these (see
// app::detail::rendered_document), so a lint about a worker group points at
// that worker in the spec.
std::vector<std::pair<std::string, std::string>> spec_origins(const Json& manifest);

// Where the parts of a rendered manifest come from in the spec's `patch`:
// pairs of (manifest pointer, spec pointer under "/patch") for every node
// the patch wrote, found in `manifest` as merge_into placed them (named
// list items by their name, other lists by index). A typo or a bad value
// in a patch is then reported at its own line, not at the group's.
std::vector<std::pair<std::string, std::string>> patch_origins(const Json& manifest,
                                                               const Json& patch);

}  // namespace kray::core
