// SPDX-License-Identifier: Apache-2.0
// The objects a command names, as kubectl users write them: `rayjob/train`,
// `rayjobs/train`, `rayjob.ray.io/train` (what apply prints),
// `rayjob.v1.ray.io/train`, or `rayjob train other` (a type, then names).
// One parser for status and delete.
#pragma once

#include <krayctl/kube/resources.hpp>
#include <krayctl/util/error.hpp>

#include <string>
#include <vector>

namespace kray::app {

struct ObjectTarget {
  kube::ResourceRef ref;
  std::string name;
};

// The resource a type word names (case-insensitive): the kind, its plural,
// either with `.group` or `.version.group`, and the short names that the
// API server declares (po, svc, cm, ...; the KubeRay v1.6.2 CRDs declare
// none). nullopt when unknown.
std::optional<kube::ResourceRef> resource_for_type(const std::string& word);

// One object in one word: TYPE/NAME, TYPE as resource_for_type reads it.
// An unknown type gets the closest known one ("did you mean").
[[nodiscard]] Result<ObjectTarget> parse_object_ref(const std::string& arg);

// Every object that `args` name. `TYPE/NAME...` (each its own type) or
// `TYPE NAME...`, as kubectl takes them; not both at once. A type alone
// (`TYPE`, no names) is an error unless `allow_type_only`, when it yields
// one target with an empty name. Unknown types get the closest known one.
[[nodiscard]] Result<std::vector<ObjectTarget>> parse_targets(const std::vector<std::string>& args,
                                                              bool allow_type_only = false);

}  // namespace kray::app
