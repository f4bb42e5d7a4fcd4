// SPDX-License-Identifier: Apache-2.0
// The API server's admission of a write to a core kind, as kube-apiserver
// does it between decoding a body and storing it:
// - decoding: fields of the wrong JSON type and malformed quantities give
//   400 BadRequest ("Pod in version \"v1\" cannot be handled as a Pod:
//   ..."); unknown fields are dropped with a warning, dropped silently or
//   refused with 400, as `fieldValidation` says (admission.hpp). Quantities
//   are stored in their canonical form ("1000m" becomes "1").
// - defaulting (kubernetes pkg/apis/core/v1/defaults.go, pkg/apis/batch/v1/
//   defaults.go, the Job strategy's generated selector, the Service
//   registry's clusterIP allocation);
// - validation (kubernetes pkg/apis/core/validation/validation.go:
//   ValidatePodCreate, ValidatePodUpdate, ValidateService(Update),
//   ValidateConfigMap, ValidateSecret, ValidateEvent; pkg/apis/batch/
//   validation: ValidateJob(Update); apimachinery's ObjectMeta, label and
//   name checks): 422 Invalid with one cause per field error, worded as
//   apimachinery's field errors word them.
// The core kinds checked: Pod, Service, ConfigMap, Secret, Event and
// batch/v1 Job; every kind (custom resources too) gets the ObjectMeta
// checks (labels, annotations, finalizers).
#pragma once

#include "admission.hpp"
#include "store.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fakekube {

struct AdmitOptions {
  // A PATCH (not POST or PUT): a strict decoding error is not prefixed
  // with "<Kind> in version ... cannot be handled as a <Kind>: ".
  bool patch = false;
  // For a new Service: a free cluster IP and a free node port. Empty: the
  // Service gets none.
  std::function<std::string()> cluster_ip;
  std::function<int()> node_port;
  // Fields the JSON body named twice ("metadata.name"), from
  // duplicate_fields(): reported with the unknown fields.
  std::vector<std::string> duplicates;
};

// The fields a JSON text names more than once, as paths
// ("spec.containers[0].name"), in order; the parsed value keeps the last.
std::vector<std::string> duplicate_fields(const std::string& json_text);

// The one entry point of the write paths (create, update, every patch
// type): decodes, defaults and validates `object` in place. `old` is the
// stored object for an update, null for a create; for a create the object
// already carries its name, namespace and uid. Warnings go to
// `admission.warnings`.
Result<void> admit(const ResourceType& type,
                   Json& object,
                   const Json* old,
                   Admission& admission,
                   const AdmitOptions& options = {});

// The `fieldValidation` query parameter: "" (Warn), Ignore, Warn, Strict;
// anything else is 422, as the API server validates CreateOptions,
// UpdateOptions and PatchOptions (`options_kind` names which).
Result<FieldValidation> parse_field_validation(const std::string& value,
                                               const std::string& options_kind);

// A Kubernetes quantity (apimachinery pkg/api/resource): its canonical
// form ("1000m" -> "1", "1024Mi" -> "1Gi", "0.5" -> "500m"), or the
// decoding error ("quantities must match the regular expression ...").
Result<std::string> canonical_quantity(const Json& value);

}  // namespace fakekube
