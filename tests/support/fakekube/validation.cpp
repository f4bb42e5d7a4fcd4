// SPDX-License-Identifier: Apache-2.0
#include "validation.hpp"

#include "quantity.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>
#include <vector>

namespace fakekube {

namespace {

// ---- field errors (apimachinery pkg/util/validation/field/errors.go) ----

struct FieldError {
  std::string reason;  // FieldValueRequired, FieldValueInvalid ...
  std::string field;
  std::string body;  // ErrorBody(): "Required value", "Invalid value: \"x\": ..."
};
using Errors = std::vector<FieldError>;

// A bad value as ErrorBody prints it: strings quoted, numbers and booleans
// plain, anything else as JSON.
std::string render(const Json& v) {
  return v.dump();
}

std::string with_detail(std::string s, const std::string& detail) {
  return detail.empty() ? s : s + ": " + detail;
}

FieldError required(const std::string& f, const std::string& detail = "") {
  return {"FieldValueRequired", f, with_detail("Required value", detail)};
}
FieldError invalid(const std::string& f, const Json& value, const std::string& detail) {
  return {"FieldValueInvalid", f, with_detail("Invalid value: " + render(value), detail)};
}
FieldError not_supported(const std::string& f,
                         const Json& value,
                         const std::vector<std::string>& supported) {
  std::string list;
  for (const auto& s : supported) {
    list += (list.empty() ? "" : ", ") + Json(s).dump();
  }
  return {"FieldValueNotSupported", f,
          with_detail("Unsupported value: " + render(value),
                      supported.empty() ? "" : "supported values: " + list)};
}
FieldError duplicate(const std::string& f, const Json& value) {
  return {"FieldValueDuplicate", f, "Duplicate value: " + render(value)};
}
FieldError forbidden(const std::string& f, const std::string& detail) {
  return {"FieldValueForbidden", f, with_detail("Forbidden", detail)};
}
FieldError not_found(const std::string& f, const Json& value) {
  return {"FieldValueNotFound", f, "Not found: " + render(value)};
}
FieldError too_long(const std::string& f, long max) {
  return {
      "FieldValueTooLong", f,
      "Too long: may not be more than " + std::to_string(max) + (max == 1 ? " byte" : " bytes")};
}

std::string idx(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}
std::string key(const std::string& path, const std::string& k) {
  return path + "[" + k + "]";
}
std::string child(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

// "Pod", "Job.batch", "RayCluster.ray.io": how NewInvalid names a kind.
std::string qualified_kind(const ResourceType& type) {
  return type.group.empty() ? type.kind : type.kind + "." + type.group;
}

// 422 Invalid, as apimachinery's NewInvalid builds it: the errors
// aggregated (deduplicated, bracketed when more than one), one cause each.
ApiError invalid_error(const ResourceType& type, const std::string& name, const Errors& errs) {
  std::vector<std::string> msgs;
  for (const auto& e : errs) {
    const std::string m = e.field + ": " + e.body;
    if (std::find(msgs.begin(), msgs.end(), m) == msgs.end()) {
      msgs.push_back(m);
    }
  }
  std::string agg;
  for (const auto& m : msgs) {
    agg += (agg.empty() ? "" : ", ") + m;
  }
  if (msgs.size() > 1) {
    agg = "[" + agg + "]";
  }
  ApiError e{422, "Invalid", qualified_kind(type) + " " + Json(name).dump() + " is invalid: " + agg,
             Json::object()};
  e.details["name"] = name;
  if (!type.group.empty()) {
    e.details["group"] = type.group;
  }
  e.details["kind"] = type.kind;
  Json causes = Json::array();
  for (const auto& f : errs) {
    causes.push_back({{"reason", f.reason}, {"message", f.body}, {"field", f.field}});
  }
  e.details["causes"] = causes;
  return e;
}

// ---- names and labels (apimachinery pkg/util/validation) ----------------

bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::string regex_error(const std::string& msg,
                        const std::string& fmt,
                        const std::vector<std::string>& examples) {
  std::string out = msg;
  if (examples.empty()) {
    return out + " (regex used for validation is '" + fmt + "')";
  }
  out += " (e.g. ";
  for (std::size_t i = 0; i < examples.size(); ++i) {
    out += (i > 0 ? " or " : "") + ("'" + examples[i] + "', ");
  }
  return out + "regex used for validation is '" + fmt + "')";
}

std::string max_len_error(std::size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

const char* const k_qualified_fmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const char* const k_qualified_msg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool qualified_chars(std::string_view s) {
  return !s.empty() && alnum(s.front()) && alnum(s.back()) &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::vector<std::string> dns1123_subdomain_errors(const std::string& s) {
  if (auto why = invalid_dns1123_subdomain(s)) {
    return {*why};
  }
  return {};
}

std::vector<std::string> dns1123_label_errors(const std::string& s) {
  std::vector<std::string> out;
  if (s.size() > 63) {
    out.push_back(max_len_error(63));
  }
  const bool chars =
      !s.empty() && lower_alnum(s.front()) && lower_alnum(s.back()) &&
      std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
  if (!chars) {
    out.push_back(regex_error(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
        "must start and end with an alphanumeric character",
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?", {"my-name", "123-abc"}));
  }
  return out;
}

std::vector<std::string> dns1035_label_errors(const std::string& s) {
  std::vector<std::string> out;
  if (s.size() > 63) {
    out.push_back(max_len_error(63));
  }
  const bool chars =
      !s.empty() && s.front() >= 'a' && s.front() <= 'z' && lower_alnum(s.back()) &&
      std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
  if (!chars) {
    out.push_back(regex_error(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return out;
}

std::vector<std::string> qualified_name_errors(const std::string& value) {
  std::vector<std::string> errs;
  std::string name = value;
  const auto slash = value.find('/');
  if (slash != std::string::npos) {
    if (value.find('/', slash + 1) != std::string::npos) {
      return {"a qualified name " +
              regex_error(k_qualified_msg, k_qualified_fmt, {"MyName", "my.name", "123-abc"}) +
              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    const std::string prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (const auto& m : dns1123_subdomain_errors(prefix)) {
        errs.push_back("prefix part " + m);
      }
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + max_len_error(63));
  }
  if (!qualified_chars(name)) {
    errs.push_back("name part " +
                   regex_error(k_qualified_msg, k_qualified_fmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> label_value_errors(const std::string& v) {
  std::vector<std::string> errs;
  if (v.size() > 63) {
    errs.push_back(max_len_error(63));
  }
  if (!v.empty() && !qualified_chars(v)) {
    errs.push_back(regex_error(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
        "'.', and must start and end with an alphanumeric character",
        "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

// IANA_SVC_NAME, as container port names must be.
std::vector<std::string> port_name_errors(const std::string& port) {
  std::vector<std::string> errs;
  if (port.size() > 15) {
    errs.push_back(max_len_error(15));
  }
  const bool charset = !port.empty() && std::all_of(port.begin(), port.end(), [](char c) {
    return lower_alnum(c) || c == '-';
  });
  if (!charset) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  } else if (std::none_of(port.begin(), port.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    errs.push_back("must contain at least one letter (a-z)");
  }
  if (port.find("--") != std::string::npos) {
    errs.push_back("must not contain consecutive hyphens");
  }
  if (!port.empty() && (port.front() == '-' || port.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

const char* const k_port_range = "must be between 1 and 65535, inclusive";

bool valid_port(const Json& v) {
  return v.is_number_integer() && v.get<long long>() >= 1 && v.get<long long>() <= 65535;
}

std::vector<std::string> config_key_errors(const std::string& k) {
  std::vector<std::string> errs;
  if (k.size() > 253) {
    errs.push_back(max_len_error(253));
  }
  const bool chars = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return alnum(c) || c == '-' || c == '.' || c == '_';
  });
  if (!chars) {
    errs.push_back(
        regex_error("a valid config key must consist of alphanumeric characters, '-', "
                    "'_' or '.'",
                    "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  }
  if (k == ".") {
    errs.push_back("must not be '.'");
  } else if (k == "..") {
    errs.push_back("must not be '..'");
  } else if (k.rfind("..", 0) == 0) {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

std::string str(const Json& o, const char* k) {
  if (!o.is_object()) {
    return "";
  }
  auto it = o.find(k);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

bool has(const Json& o, const char* k) {
  return o.is_object() && o.contains(k) && !o[k].is_null();
}

const Json& member(const Json& o, const char* k) {
  static const Json null_json;
  if (!o.is_object()) {
    return null_json;
  }
  auto it = o.find(k);
  return it == o.end() ? null_json : *it;
}

void validate_labels(const Json& labels, const std::string& path, Errors& errs) {
  if (!labels.is_object()) {
    return;
  }
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    for (const auto& m : qualified_name_errors(it.key())) {
      errs.push_back(invalid(path, it.key(), m));
    }
    const std::string v = it->is_string() ? it->get<std::string>() : "";
    for (const auto& m : label_value_errors(v)) {
      errs.push_back(invalid(path, v, m));
    }
  }
}

void validate_annotations(const Json& annotations, const std::string& path, Errors& errs) {
  if (!annotations.is_object()) {
    return;
  }
  std::size_t total = 0;
  for (auto it = annotations.begin(); it != annotations.end(); ++it) {
    std::string lower = it.key();
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& m : qualified_name_errors(lower)) {
      errs.push_back(invalid(path, it.key(), m));
    }
    total += it.key().size() + (it->is_string() ? it->get<std::string>().size() : 0);
  }
  if (total > 256 * 1024) {
    errs.push_back(too_long(path, 256 * 1024));
  }
}

// ValidateObjectMeta's checks beyond the name (the store checks names).
void validate_meta(const Json& meta, const std::string& path, Errors& errs) {
  validate_labels(member(meta, "labels"), child(path, "labels"), errs);
  validate_annotations(member(meta, "annotations"), child(path, "annotations"), errs);
  const Json& finalizers = member(meta, "finalizers");
  if (finalizers.is_array()) {
    const std::string fpath = child(path, "finalizers");
    for (const auto& f : finalizers) {
      const std::string s = f.is_string() ? f.get<std::string>() : "";
      const auto qerrs = qualified_name_errors(s);
      for (const auto& m : qerrs) {
        errs.push_back(invalid(fpath, s, m));
      }
      if (qerrs.empty() && s.find('/') == std::string::npos && s != "kubernetes" && s != "orphan" &&
          s != "foregroundDeletion") {
        errs.push_back(invalid(
            fpath, s, "name is neither a standard finalizer name nor is it fully qualified"));
      }
    }
  }
}

// ---- the catalogue of known fields, for decoding ------------------------
//
// Type names: string, time, int32, int64, bool, number, quantity, intstr,
// bytes (base64), any (not checked), map[T], []T, or a struct below. Structs
// mapped to `any` are accepted as they come (not catalogued).

const Json& catalogue() {
  static const Json c = Json::parse(R"JSON({
  "ObjectMeta": {"name": "string", "generateName": "string", "namespace": "string",
    "selfLink": "string", "uid": "string", "resourceVersion": "string", "generation": "int64",
    "creationTimestamp": "time", "deletionTimestamp": "time",
    "deletionGracePeriodSeconds": "int64", "labels": "map[string]", "annotations": "map[string]",
    "ownerReferences": "[]OwnerReference", "finalizers": "[]string",
    "managedFields": "[]ManagedFieldsEntry"},
  "OwnerReference": {"apiVersion": "string", "kind": "string", "name": "string", "uid": "string",
    "controller": "bool", "blockOwnerDeletion": "bool"},
  "ManagedFieldsEntry": {"manager": "string", "operation": "string", "apiVersion": "string",
    "time": "time", "fieldsType": "string", "fieldsV1": "any", "subresource": "string"},
  "Pod": {"apiVersion": "string", "kind": "string", "metadata": "ObjectMeta", "spec": "PodSpec",
    "status": "any"},
  "PodSpec": {"volumes": "[]Volume", "initContainers": "[]Container", "containers": "[]Container",
    "ephemeralContainers": "[]any", "restartPolicy": "string",
    "terminationGracePeriodSeconds": "int64", "activeDeadlineSeconds": "int64",
    "dnsPolicy": "string", "nodeSelector": "map[string]", "serviceAccountName": "string",
    "serviceAccount": "string", "automountServiceAccountToken": "bool", "nodeName": "string",
    "hostNetwork": "bool", "hostPID": "bool", "hostIPC": "bool", "shareProcessNamespace": "bool",
    "securityContext": "PodSecurityContext", "imagePullSecrets": "[]LocalObjectReference",
    "hostname": "string", "subdomain": "string", "affinity": "Affinity",
    "schedulerName": "string", "tolerations": "[]Toleration", "hostAliases": "[]HostAlias",
    "priorityClassName": "string", "priority": "int32", "dnsConfig": "any",
    "readinessGates": "[]any", "runtimeClassName": "string", "enableServiceLinks": "bool",
    "preemptionPolicy": "string", "overhead": "map[quantity]",
    "topologySpreadConstraints": "[]any", "setHostnameAsFQDN": "bool", "os": "any",
    "hostUsers": "bool", "schedulingGates": "[]PodSchedulingGate", "resourceClaims": "[]any",
    "resources": "ResourceRequirements", "hostnameOverride": "string"},
  "Container": {"name": "string", "image": "string", "command": "[]string", "args": "[]string",
    "workingDir": "string", "ports": "[]ContainerPort", "envFrom": "[]EnvFromSource",
    "env": "[]EnvVar", "resources": "ResourceRequirements", "resizePolicy": "[]any",
    "restartPolicy": "string", "restartPolicyRules": "[]any", "volumeMounts": "[]VolumeMount",
    "volumeDevices": "[]any", "livenessProbe": "Probe", "readinessProbe": "Probe",
    "startupProbe": "Probe", "lifecycle": "Lifecycle", "terminationMessagePath": "string",
    "terminationMessagePolicy": "string", "imagePullPolicy": "string",
    "securityContext": "SecurityContext", "stdin": "bool", "stdinOnce": "bool", "tty": "bool"},
  "ContainerPort": {"name": "string", "hostPort": "int32", "containerPort": "int32",
    "protocol": "string", "hostIP": "string"},
  "EnvVar": {"name": "string", "value": "string", "valueFrom": "EnvVarSource"},
  "EnvVarSource": {"fieldRef": "ObjectFieldSelector", "resourceFieldRef": "ResourceFieldSelector",
    "configMapKeyRef": "ConfigMapKeySelector", "secretKeyRef": "SecretKeySelector",
    "fileKeyRef": "any"},
  "ObjectFieldSelector": {"apiVersion": "string", "fieldPath": "string"},
  "ResourceFieldSelector": {"containerName": "string", "resource": "string",
    "divisor": "quantity"},
  "ConfigMapKeySelector": {"name": "string", "key": "string", "optional": "bool"},
  "SecretKeySelector": {"name": "string", "key": "string", "optional": "bool"},
  "EnvFromSource": {"prefix": "string", "configMapRef": "ConfigMapEnvSource",
    "secretRef": "SecretEnvSource"},
  "ConfigMapEnvSource": {"name": "string", "optional": "bool"},
  "SecretEnvSource": {"name": "string", "optional": "bool"},
  "ResourceRequirements": {"limits": "map[quantity]", "requests": "map[quantity]",
    "claims": "[]any"},
  "VolumeMount": {"name": "string", "readOnly": "bool", "recursiveReadOnly": "string",
    "mountPath": "string", "subPath": "string", "mountPropagation": "string",
    "subPathExpr": "string"},
  "Probe": {"exec": "ExecAction", "httpGet": "HTTPGetAction", "tcpSocket": "TCPSocketAction",
    "grpc": "GRPCAction", "initialDelaySeconds": "int32", "timeoutSeconds": "int32",
    "periodSeconds": "int32", "successThreshold": "int32", "failureThreshold": "int32",
    "terminationGracePeriodSeconds": "int64"},
  "ExecAction": {"command": "[]string"},
  "HTTPGetAction": {"path": "string", "port": "intstr", "host": "string", "scheme": "string",
    "httpHeaders": "[]HTTPHeader"},
  "HTTPHeader": {"name": "string", "value": "string"},
  "TCPSocketAction": {"port": "intstr", "host": "string"},
  "GRPCAction": {"port": "int32", "service": "string"},
  "Lifecycle": {"postStart": "LifecycleHandler", "preStop": "LifecycleHandler",
    "stopSignal": "string"},
  "LifecycleHandler": {"exec": "ExecAction", "httpGet": "HTTPGetAction",
    "tcpSocket": "TCPSocketAction", "sleep": "SleepAction"},
  "SleepAction": {"seconds": "int64"},
  "SecurityContext": {"capabilities": "Capabilities", "privileged": "bool",
    "seLinuxOptions": "any", "windowsOptions": "any", "runAsUser": "int64",
    "runAsGroup": "int64", "runAsNonRoot": "bool", "readOnlyRootFilesystem": "bool",
    "allowPrivilegeEscalation": "bool", "procMount": "string",
    "seccompProfile": "SeccompProfile", "appArmorProfile": "any"},
  "Capabilities": {"add": "[]string", "drop": "[]string"},
  "SeccompProfile": {"type": "string", "localhostProfile": "string"},
  "PodSecurityContext": {"seLinuxOptions": "any", "windowsOptions": "any", "runAsUser": "int64",
    "runAsGroup": "int64", "runAsNonRoot": "bool", "supplementalGroups": "[]int64",
    "supplementalGroupsPolicy": "string", "fsGroup": "int64", "sysctls": "[]any",
    "fsGroupChangePolicy": "string", "seccompProfile": "SeccompProfile",
    "appArmorProfile": "any", "seLinuxChangePolicy": "string"},
  "LocalObjectReference": {"name": "string"},
  "Toleration": {"key": "string", "operator": "string", "value": "string", "effect": "string",
    "tolerationSeconds": "int64"},
  "HostAlias": {"ip": "string", "hostnames": "[]string"},
  "PodSchedulingGate": {"name": "string"},
  "Affinity": {"nodeAffinity": "any", "podAffinity": "any", "podAntiAffinity": "any"},
  "Volume": {"name": "string", "hostPath": "HostPathVolumeSource",
    "emptyDir": "EmptyDirVolumeSource", "secret": "SecretVolumeSource",
    "configMap": "ConfigMapVolumeSource",
    "persistentVolumeClaim": "PersistentVolumeClaimVolumeSource", "downwardAPI": "any",
    "projected": "any", "csi": "any", "ephemeral": "any", "nfs": "any", "image": "any",
    "awsElasticBlockStore": "any", "azureDisk": "any", "azureFile": "any", "cephfs": "any",
    "cinder": "any", "fc": "any", "flexVolume": "any", "flocker": "any",
    "gcePersistentDisk": "any", "gitRepo": "any", "glusterfs": "any", "iscsi": "any",
    "photonPersistentDisk": "any", "portworxVolume": "any", "quobyte": "any", "rbd": "any",
    "scaleIO": "any", "storageos": "any", "vsphereVolume": "any"},
  "HostPathVolumeSource": {"path": "string", "type": "string"},
  "EmptyDirVolumeSource": {"medium": "string", "sizeLimit": "quantity"},
  "SecretVolumeSource": {"secretName": "string", "items": "[]KeyToPath", "defaultMode": "int32",
    "optional": "bool"},
  "ConfigMapVolumeSource": {"name": "string", "items": "[]KeyToPath", "defaultMode": "int32",
    "optional": "bool"},
  "KeyToPath": {"key": "string", "path": "string", "mode": "int32"},
  "PersistentVolumeClaimVolumeSource": {"claimName": "string", "readOnly": "bool"},
  "Service": {"apiVersion": "string", "kind": "string", "metadata": "ObjectMeta",
    "spec": "ServiceSpec", "status": "any"},
  "ServiceSpec": {"ports": "[]ServicePort", "selector": "map[string]", "clusterIP": "string",
    "clusterIPs": "[]string", "type": "string", "externalIPs": "[]string",
    "sessionAffinity": "string", "loadBalancerIP": "string",
    "loadBalancerSourceRanges": "[]string", "externalName": "string",
    "externalTrafficPolicy": "string", "healthCheckNodePort": "int32",
    "publishNotReadyAddresses": "bool", "sessionAffinityConfig": "any",
    "ipFamilies": "[]string", "ipFamilyPolicy": "string",
    "allocateLoadBalancerNodePorts": "bool", "loadBalancerClass": "string",
    "internalTrafficPolicy": "string", "trafficDistribution": "string"},
  "ServicePort": {"name": "string", "protocol": "string", "appProtocol": "string",
    "port": "int32", "targetPort": "intstr", "nodePort": "int32"},
  "ConfigMap": {"apiVersion": "string", "kind": "string", "metadata": "ObjectMeta",
    "data": "map[string]", "binaryData": "map[bytes]", "immutable": "bool"},
  "Secret": {"apiVersion": "string", "kind": "string", "metadata": "ObjectMeta",
    "data": "map[bytes]", "stringData": "map[string]", "type": "string", "immutable": "bool"},
  "Job": {"apiVersion": "string", "kind": "string", "metadata": "ObjectMeta", "spec": "JobSpec",
    "status": "any"},
  "JobSpec": {"parallelism": "int32", "completions": "int32", "activeDeadlineSeconds": "int64",
    "podFailurePolicy": "any", "successPolicy": "any", "backoffLimit": "int32",
    "backoffLimitPerIndex": "int32", "maxFailedIndexes": "int32", "selector": "LabelSelector",
    "manualSelector": "bool", "template": "PodTemplateSpec", "ttlSecondsAfterFinished": "int32",
    "completionMode": "string", "suspend": "bool", "podReplacementPolicy": "string",
    "managedBy": "string"},
  "PodTemplateSpec": {"metadata": "ObjectMeta", "spec": "PodSpec"},
  "LabelSelector": {"matchLabels": "map[string]",
    "matchExpressions": "[]LabelSelectorRequirement"},
  "LabelSelectorRequirement": {"key": "string", "operator": "string", "values": "[]string"},
  "Event": {"apiVersion": "string", "kind": "string", "metadata": "ObjectMeta",
    "involvedObject": "ObjectReference", "reason": "string", "message": "string",
    "source": "EventSource", "firstTimestamp": "time", "lastTimestamp": "time",
    "count": "int32", "type": "string", "eventTime": "time", "series": "any",
    "action": "string", "related": "ObjectReference", "reportingComponent": "string",
    "reportingInstance": "string"},
  "ObjectReference": {"kind": "string", "namespace": "string", "name": "string", "uid": "string",
    "apiVersion": "string", "resourceVersion": "string", "fieldPath": "string"},
  "EventSource": {"component": "string", "host": "string"}
})JSON");
  return c;
}

// Go's name of a type, as json decoding errors print it.
std::string go_type(const std::string& t) {
  if (t.rfind("[]", 0) == 0) {
    return "[]" + go_type(t.substr(2));
  }
  if (t.rfind("map[", 0) == 0) {
    const std::string inner = t.substr(4, t.size() - 5);
    return inner == "quantity" ? "v1.ResourceList" : "map[string]" + go_type(inner);
  }
  if (t == "time") {
    return "v1.Time";
  }
  if (t == "bytes") {
    return "[]uint8";
  }
  if (t == "intstr") {
    return "intstr.IntOrString";
  }
  if (t == "quantity") {
    return "resource.Quantity";
  }
  if (t == "string" || t == "int32" || t == "int64" || t == "bool") {
    return t;
  }
  if (t == "number") {
    return "float64";
  }
  return "v1." + t;
}

std::string json_kind(const Json& v) {
  if (v.is_string()) {
    return "string";
  }
  if (v.is_number()) {
    return "number " + v.dump();
  }
  if (v.is_boolean()) {
    return "bool";
  }
  if (v.is_array()) {
    return "array";
  }
  return "object";
}

bool valid_base64(const std::string& s) {
  if (s.size() % 4 != 0) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool b64 = alnum(c) || c == '+' || c == '/';
    const bool pad = c == '=' && i + 2 >= s.size() && (i + 1 == s.size() || s[i + 1] == '=');
    if (!b64 && !pad) {
      return false;
    }
  }
  return true;
}

// Walks an object against the catalogue: type errors end the decoding,
// unknown fields are collected (and dropped unless `keep`), nulls dropped,
// quantities canonicalized.
struct Decoder {
  std::vector<std::string> unknown;
  std::optional<std::string> error;
  bool keep_unknown = false;

  void type_error(const Json& v,
                  const std::string& go_path,
                  const std::string& parent,
                  const std::string& type) {
    if (!error) {
      error = "json: cannot unmarshal " + json_kind(v) + " into Go struct field " + parent + "." +
              go_path + " of type " + go_type(type);
    }
  }

  void walk(Json& v,
            const std::string& type,
            const std::string& path,
            const std::string& go_path,
            const std::string& parent) {
    if (error || v.is_null() || type == "any") {
      return;
    }
    if (type == "string" || type == "time") {
      if (!v.is_string()) {
        type_error(v, go_path, parent, type);
      }
    } else if (type == "int32" || type == "int64") {
      if (!v.is_number_integer()) {
        type_error(v, go_path, parent, type);
      }
    } else if (type == "bool") {
      if (!v.is_boolean()) {
        type_error(v, go_path, parent, type);
      }
    } else if (type == "number") {
      if (!v.is_number()) {
        type_error(v, go_path, parent, type);
      }
    } else if (type == "bytes") {
      if (!v.is_string()) {
        type_error(v, go_path, parent, type);
      } else if (!valid_base64(v.get<std::string>())) {
        error = "illegal base64 data at input byte 0";
      }
    } else if (type == "quantity") {
      auto q = quantity_of(v);
      if (!q) {
        error = q.error().message;
      } else {
        v = canonical(*q);
      }
    } else if (type == "intstr") {
      if (!v.is_string() && !v.is_number_integer()) {
        if (!error) {
          error = "json: cannot unmarshal " + json_kind(v) + " into Go value of type int32";
        }
      }
    } else if (type.rfind("[]", 0) == 0) {
      if (!v.is_array()) {
        type_error(v, go_path, parent, type);
        return;
      }
      for (std::size_t i = 0; i < v.size(); ++i) {
        walk(v[i], type.substr(2), idx(path, i), go_path, parent);
      }
    } else if (type.rfind("map[", 0) == 0) {
      if (!v.is_object()) {
        type_error(v, go_path, parent, type);
        return;
      }
      const std::string inner = type.substr(4, type.size() - 5);
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (inner == "string" && !it->is_string() && !it->is_null()) {
          type_error(*it, go_path, parent, inner);
        } else {
          walk(*it, inner, child(path, it.key()), go_path, parent);
        }
      }
    } else {
      const Json& fields = catalogue().at(type);
      if (!v.is_object()) {
        type_error(v, go_path, parent, type);
        return;
      }
      std::vector<std::string> drop;
      for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string p = child(path, it.key());
        auto f = fields.find(it.key());
        if (f == fields.end()) {
          unknown.push_back(p);
          if (!keep_unknown) {
            drop.push_back(it.key());
          }
          continue;
        }
        if (it->is_null()) {
          drop.push_back(it.key());
          continue;
        }
        walk(*it, f->get<std::string>(), p, child(go_path, it.key()), type);
      }
      for (const auto& k : drop) {
        v.erase(k);
      }
    }
  }
};

// ---- defaults (pkg/apis/core/v1/defaults.go, batch/v1/defaults.go) ------

Json& obj(Json& parent, const char* k) {
  Json& v = parent[k];
  if (!v.is_object()) {
    v = Json::object();
  }
  return v;
}

void set_default(Json& o, const char* k, const Json& value) {
  if (!o.contains(k) || o[k].is_null()) {
    o[k] = value;
  }
}

// The tag of an image reference ("latest" when it has neither tag nor
// digest), as the image pull policy default reads it.
std::string image_tag(const std::string& image) {
  if (image.find('@') != std::string::npos) {
    return "";
  }
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return image.substr(colon + 1);
  }
  return "latest";
}

void default_probe(Json& probe) {
  if (!probe.is_object()) {
    return;
  }
  set_default(probe, "timeoutSeconds", 1);
  set_default(probe, "periodSeconds", 10);
  set_default(probe, "successThreshold", 1);
  set_default(probe, "failureThreshold", 3);
  if (probe.contains("httpGet") && probe["httpGet"].is_object()) {
    set_default(probe["httpGet"], "path", "/");
    set_default(probe["httpGet"], "scheme", "HTTP");
  }
}

void default_container(Json& c) {
  if (!c.is_object()) {
    return;
  }
  set_default(c, "terminationMessagePath", "/dev/termination-log");
  set_default(c, "terminationMessagePolicy", "File");
  if (!has(c, "imagePullPolicy") || str(c, "imagePullPolicy").empty()) {
    c["imagePullPolicy"] = image_tag(str(c, "image")) == "latest" ? "Always" : "IfNotPresent";
  }
  if (c.contains("ports") && c["ports"].is_array()) {
    for (auto& p : c["ports"]) {
      if (p.is_object()) {
        set_default(p, "protocol", "TCP");
      }
    }
  }
  if (c.contains("env") && c["env"].is_array()) {
    for (auto& e : c["env"]) {
      if (e.is_object() && e.contains("valueFrom") && e["valueFrom"].is_object() &&
          e["valueFrom"].contains("fieldRef") && e["valueFrom"]["fieldRef"].is_object()) {
        set_default(e["valueFrom"]["fieldRef"], "apiVersion", "v1");
      }
    }
  }
  for (const char* p : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    if (c.contains(p)) {
      default_probe(c[p]);
    }
  }
}

// SetDefaults_PodSpec and its containers (pod templates get these too).
void default_pod_spec(Json& spec) {
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "securityContext", Json::object());
  set_default(spec, "schedulerName", "default-scheduler");
  for (const char* list : {"containers", "initContainers"}) {
    if (spec.contains(list) && spec[list].is_array()) {
      for (auto& c : spec[list]) {
        default_container(c);
      }
    }
  }
  if (spec.contains("volumes") && spec["volumes"].is_array()) {
    for (auto& v : spec["volumes"]) {
      if (!v.is_object()) {
        continue;
      }
      for (const char* source : {"secret", "configMap"}) {
        if (v.contains(source) && v[source].is_object()) {
          set_default(v[source], "defaultMode", 420);
        }
      }
      if (v.contains("hostPath") && v["hostPath"].is_object()) {
        set_default(v["hostPath"], "type", "");
      }
    }
  }
}

// SetDefaults_Pod: what only Pods (not templates) get.
void default_pod(Json& pod) {
  Json& spec = obj(pod, "spec");
  default_pod_spec(spec);
  set_default(spec, "enableServiceLinks", true);
  // The ServiceAccount and Priority admission plugins.
  if (str(spec, "serviceAccountName").empty() && !str(spec, "serviceAccount").empty()) {
    spec["serviceAccountName"] = spec["serviceAccount"];  // the deprecated spelling
  }
  set_default(spec, "serviceAccountName", "default");
  spec["serviceAccount"] = spec["serviceAccountName"];
  set_default(spec, "priority", 0);
  for (const char* list : {"containers", "initContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) {
      continue;
    }
    for (auto& c : spec[list]) {
      if (!c.is_object() || !c.contains("resources") || !c["resources"].is_object()) {
        continue;
      }
      Json& r = c["resources"];
      if (r.contains("limits") && r["limits"].is_object() && !r["limits"].empty()) {
        Json& requests = obj(r, "requests");
        for (auto it = r["limits"].begin(); it != r["limits"].end(); ++it) {
          set_default(requests, it.key().c_str(), *it);
        }
      }
    }
  }
}

void default_service(Json& svc, const Json* old, const AdmitOptions& options) {
  Json& spec = obj(svc, "spec");
  set_default(spec, "type", "ClusterIP");
  set_default(spec, "sessionAffinity", "None");
  const std::string type = str(spec, "type");
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (auto& p : spec["ports"]) {
      if (!p.is_object()) {
        continue;
      }
      set_default(p, "protocol", "TCP");
      const Json target = member(p, "targetPort");
      if (target.is_null() || target == 0 || target == "") {
        p["targetPort"] = member(p, "port");
      }
    }
  }
  if (type == "ExternalName") {
    return;
  }
  set_default(spec, "internalTrafficPolicy", "Cluster");
  if (type == "NodePort" || type == "LoadBalancer") {
    set_default(spec, "externalTrafficPolicy", "Cluster");
  }
  if (type == "LoadBalancer") {
    set_default(spec, "allocateLoadBalancerNodePorts", true);
  }
  // What the registry keeps or allocates: an update without clusterIP or
  // nodePort keeps the stored ones (its patchAllocatedValues).
  const Json& old_spec = old != nullptr ? member(*old, "spec") : Json();
  if (str(spec, "clusterIP").empty()) {
    if (!str(old_spec, "clusterIP").empty()) {
      spec["clusterIP"] = old_spec["clusterIP"];
      if (old_spec.contains("clusterIPs")) {
        spec["clusterIPs"] = old_spec["clusterIPs"];
      }
    } else if (old == nullptr && options.cluster_ip) {
      spec["clusterIP"] = options.cluster_ip();
    }
  }
  if (!str(spec, "clusterIP").empty() && !has(spec, "clusterIPs")) {
    spec["clusterIPs"] = Json::array({spec["clusterIP"]});
  }
  set_default(spec, "ipFamilies", Json::array({"IPv4"}));
  set_default(spec, "ipFamilyPolicy", "SingleStack");
  if ((type == "NodePort" || type == "LoadBalancer") && spec.contains("ports") &&
      spec["ports"].is_array()) {
    for (std::size_t i = 0; i < spec["ports"].size(); ++i) {
      Json& p = spec["ports"][i];
      if (!p.is_object() || (has(p, "nodePort") && p["nodePort"] != 0)) {
        continue;
      }
      const Json& old_ports = member(old_spec, "ports");
      if (old_ports.is_array() && i < old_ports.size() && has(old_ports[i], "nodePort")) {
        p["nodePort"] = old_ports[i]["nodePort"];
      } else if (options.node_port) {
        p["nodePort"] = options.node_port();
      }
    }
  }
}

// The Job strategy's PrepareForCreate (generateSelector) and SetDefaults_Job.
void default_job(Json& job, const Json* old) {
  Json& spec = obj(job, "spec");
  if (!has(spec, "completions") && !has(spec, "parallelism")) {
    spec["completions"] = 1;
    spec["parallelism"] = 1;
  }
  set_default(spec, "parallelism", 1);
  set_default(spec, "backoffLimit", has(spec, "backoffLimitPerIndex") ? 2147483647 : 6);
  set_default(spec, "completionMode", "NonIndexed");
  set_default(spec, "suspend", false);
  set_default(spec, "podReplacementPolicy",
              has(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
  Json& tmpl = obj(spec, "template");
  default_pod_spec(obj(tmpl, "spec"));
  if (old != nullptr || member(spec, "manualSelector") == true) {
    return;  // generated once, on create
  }
  const Json& meta = member(job, "metadata");
  const std::string name = str(meta, "name");
  const std::string uid = str(meta, "uid");
  Json& labels = obj(obj(tmpl, "metadata"), "labels");
  for (const char* k : {"batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name",
                        "controller-uid", "job-name"}) {
    const std::string value = std::string(k).find("uid") != std::string::npos ? uid : name;
    set_default(labels, k, value);
  }
  Json& selector = obj(spec, "selector");
  set_default(obj(selector, "matchLabels"), "batch.kubernetes.io/controller-uid", uid);
}

void default_secret(Json& secret) {
  set_default(secret, "type", "Opaque");
  if (secret.contains("stringData") && secret["stringData"].is_object()) {
    Json& data = obj(secret, "data");
    for (auto it = secret["stringData"].begin(); it != secret["stringData"].end(); ++it) {
      data[it.key()] = base64_encode(it->is_string() ? it->get<std::string>() : "");
    }
    secret.erase("stringData");
  }
}

// ---- validation ----------------------------------------------------------

bool overcommit_allowed(const std::string& resource) {
  const auto slash = resource.find('/');
  const bool native = slash == std::string::npos ||
                      resource.substr(0, slash).find("kubernetes.io") != std::string::npos;
  return native && resource.rfind("hugepages-", 0) != 0;
}

void validate_resources(const Json& r, const std::string& path, Errors& errs) {
  if (!r.is_object()) {
    return;
  }
  const std::string lim_path = child(path, "limits");
  const std::string req_path = child(path, "requests");
  auto check_name = [&](const std::string& name, const std::string& at) {
    for (const auto& m : qualified_name_errors(name)) {
      errs.push_back(invalid(at, name, m));
    }
    if (name.find('/') == std::string::npos && name != "cpu" && name != "memory" &&
        name != "ephemeral-storage" && name.rfind("hugepages-", 0) != 0) {
      errs.push_back(invalid(at, name, "must be a standard resource for containers"));
    }
  };
  auto check_value = [&](const std::string& name, const Json& q, const std::string& at) {
    auto parsed = quantity_of(q);
    if (!parsed) {
      return;
    }
    if (parsed->nanos < 0) {
      errs.push_back(invalid(at, canonical(*parsed), "must be greater than or equal to 0"));
    }
    if (!overcommit_allowed(name) && name.rfind("hugepages-", 0) != 0 &&
        parsed->nanos % 1000000000 != 0) {
      errs.push_back(invalid(at, canonical(*parsed), "must be an integer"));
    }
  };
  const Json& limits = member(r, "limits");
  const Json& requests = member(r, "requests");
  if (limits.is_object()) {
    for (auto it = limits.begin(); it != limits.end(); ++it) {
      check_name(it.key(), key(lim_path, it.key()));
      check_value(it.key(), *it, key(lim_path, it.key()));
    }
  }
  if (requests.is_object()) {
    for (auto it = requests.begin(); it != requests.end(); ++it) {
      const std::string name = it.key();
      check_name(name, key(req_path, name));
      check_value(name, *it, key(req_path, name));
      auto req = quantity_of(*it);
      if (!req) {
        continue;
      }
      if (limits.is_object() && limits.contains(name)) {
        auto lim = quantity_of(limits[name]);
        if (!lim) {
          continue;
        }
        if (!overcommit_allowed(name) && req->nanos != lim->nanos) {
          errs.push_back(invalid(req_path, canonical(*req),
                                 "must be equal to " + name + " limit of " + canonical(*lim)));
        } else if (req->nanos > lim->nanos) {
          errs.push_back(
              invalid(req_path, canonical(*req),
                      "must be less than or equal to " + name + " limit of " + canonical(*lim)));
        }
      } else if (!overcommit_allowed(name)) {
        errs.push_back(required(lim_path, "Limit must be set for non overcommitable resources"));
      }
    }
  }
}

void validate_port_num_or_name(const Json& port, const std::string& path, Errors& errs) {
  if (port.is_number_integer()) {
    if (!valid_port(port)) {
      errs.push_back(invalid(path, port, k_port_range));
    }
  } else if (port.is_string()) {
    for (const auto& m : port_name_errors(port.get<std::string>())) {
      errs.push_back(invalid(path, port, m));
    }
  }
}

void validate_handler(const Json& h, const std::string& path, Errors& errs) {
  int handlers = 0;
  for (const char* kind : {"exec", "httpGet", "tcpSocket", "grpc", "sleep"}) {
    if (!has(h, kind)) {
      continue;
    }
    const std::string at = child(path, kind);
    if (handlers++ > 0) {
      errs.push_back(forbidden(at, "may not specify more than 1 handler type"));
      continue;
    }
    const Json& a = h[kind];
    if (std::string(kind) == "exec" && member(a, "command").empty()) {
      errs.push_back(required(child(at, "command")));
    } else if (std::string(kind) == "httpGet") {
      if (str(a, "path").empty()) {
        errs.push_back(required(child(at, "path")));
      }
      validate_port_num_or_name(member(a, "port"), child(at, "port"), errs);
      const std::string scheme = str(a, "scheme");
      if (scheme != "HTTP" && scheme != "HTTPS") {
        errs.push_back(not_supported(child(at, "scheme"), scheme, {"HTTP", "HTTPS"}));
      }
    } else if (std::string(kind) == "tcpSocket") {
      validate_port_num_or_name(member(a, "port"), child(at, "port"), errs);
    } else if (std::string(kind) == "grpc") {
      validate_port_num_or_name(member(a, "port"), child(at, "port"), errs);
    }
  }
  if (handlers == 0) {
    errs.push_back(required(path, "must specify a handler type"));
  }
}

void validate_probe(const Json& p, const std::string& path, bool success_one, Errors& errs) {
  if (!p.is_object()) {
    return;
  }
  validate_handler(p, path, errs);
  for (const char* f : {"initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                        "successThreshold", "failureThreshold"}) {
    if (p.contains(f) && p[f].is_number_integer() && p[f].get<long long>() < 0) {
      errs.push_back(invalid(child(path, f), p[f], "must be greater than or equal to 0"));
    }
  }
  if (success_one && p.value("successThreshold", 1) != 1) {
    errs.push_back(invalid(child(path, "successThreshold"), p["successThreshold"], "must be 1"));
  }
}

void validate_ports(const Json& ports, const std::string& path, Errors& errs) {
  if (!ports.is_array()) {
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const Json& p = ports[i];
    const std::string at = idx(path, i);
    const std::string name = str(p, "name");
    if (!name.empty()) {
      const auto perrs = port_name_errors(name);
      for (const auto& m : perrs) {
        errs.push_back(invalid(child(at, "name"), name, m));
      }
      if (perrs.empty() && !names.insert(name).second) {
        errs.push_back(duplicate(child(at, "name"), name));
      }
    }
    const Json& cp = member(p, "containerPort");
    if (cp.is_null() || cp == 0) {
      errs.push_back(required(child(at, "containerPort")));
    } else if (!valid_port(cp)) {
      errs.push_back(invalid(child(at, "containerPort"), cp, k_port_range));
    }
    const Json& hp = member(p, "hostPort");
    if (!hp.is_null() && hp != 0 && !valid_port(hp)) {
      errs.push_back(invalid(child(at, "hostPort"), hp, k_port_range));
    }
    const std::string protocol = str(p, "protocol");
    if (protocol.empty()) {
      errs.push_back(required(child(at, "protocol")));
    } else if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
      errs.push_back(not_supported(child(at, "protocol"), protocol, {"SCTP", "TCP", "UDP"}));
    }
  }
}

// validateContainerCommon plus the per-list checks.
void validate_container(const Json& c,
                        const std::string& path,
                        const std::set<std::string>& volumes,
                        bool init,
                        Errors& errs) {
  const std::string name = str(c, "name");
  if (name.empty()) {
    errs.push_back(required(child(path, "name")));
  } else {
    for (const auto& m : dns1123_label_errors(name)) {
      errs.push_back(invalid(child(path, "name"), name, m));
    }
  }
  if (str(c, "image").empty()) {
    errs.push_back(required(child(path, "image")));
  }
  const std::string tmp = str(c, "terminationMessagePolicy");
  if (tmp.empty()) {
    errs.push_back(required(child(path, "terminationMessagePolicy")));
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    errs.push_back(not_supported(child(path, "terminationMessagePolicy"), tmp,
                                 {"File", "FallbackToLogsOnError"}));
  }
  validate_ports(member(c, "ports"), child(path, "ports"), errs);
  const Json& env = member(c, "env");
  if (env.is_array()) {
    for (std::size_t i = 0; i < env.size(); ++i) {
      const std::string at = idx(child(path, "env"), i);
      if (str(env[i], "name").empty()) {
        errs.push_back(required(child(at, "name")));
      }
      const Json& from = member(env[i], "valueFrom");
      if (from.is_object()) {
        if (!str(env[i], "value").empty()) {
          errs.push_back(invalid(child(at, "valueFrom"), "",
                                 "may not be specified when `value` is not empty"));
        }
        if (from.size() > 1) {
          errs.push_back(invalid(child(at, "valueFrom"), "",
                                 "may not have more than one field specified at a time"));
        }
      }
    }
  }
  const Json& mounts = member(c, "volumeMounts");
  if (mounts.is_array()) {
    std::set<std::string> paths;
    for (std::size_t i = 0; i < mounts.size(); ++i) {
      const std::string at = idx(child(path, "volumeMounts"), i);
      const std::string vname = str(mounts[i], "name");
      if (vname.empty()) {
        errs.push_back(required(child(at, "name")));
      } else if (volumes.count(vname) == 0) {
        errs.push_back(not_found(child(at, "name"), vname));
      }
      const std::string mp = str(mounts[i], "mountPath");
      if (mp.empty()) {
        errs.push_back(required(child(at, "mountPath")));
      } else if (!paths.insert(mp).second) {
        errs.push_back(invalid(child(at, "mountPath"), mp, "must be unique"));
      }
    }
  }
  const std::string pull = str(c, "imagePullPolicy");
  if (pull.empty()) {
    errs.push_back(required(child(path, "imagePullPolicy")));
  } else if (pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
    errs.push_back(
        not_supported(child(path, "imagePullPolicy"), pull, {"Always", "IfNotPresent", "Never"}));
  }
  validate_resources(member(c, "resources"), child(path, "resources"), errs);
  const bool sidecar = init && str(c, "restartPolicy") == "Always";
  if (init) {
    if (has(c, "restartPolicy") && !sidecar) {
      errs.push_back(not_supported(child(path, "restartPolicy"), c["restartPolicy"], {"Always"}));
    }
    if (!sidecar) {
      for (const char* f : {"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"}) {
        if (has(c, f)) {
          errs.push_back(forbidden(
              child(path, f), "may not be set for init containers without restartPolicy=Always"));
        }
      }
      return;
    }
  } else if (has(c, "restartPolicy")) {
    errs.push_back(
        forbidden(child(path, "restartPolicy"), "may not be set for non-init containers"));
  }
  const Json& lifecycle = member(c, "lifecycle");
  for (const char* h : {"postStart", "preStop"}) {
    if (has(lifecycle, h)) {
      validate_handler(lifecycle[h], child(child(path, "lifecycle"), h), errs);
    }
  }
  validate_probe(member(c, "livenessProbe"), child(path, "livenessProbe"), true, errs);
  validate_probe(member(c, "readinessProbe"), child(path, "readinessProbe"), false, errs);
  validate_probe(member(c, "startupProbe"), child(path, "startupProbe"), true, errs);
}

const std::vector<std::string> k_volume_sources = {"hostPath",
                                                   "emptyDir",
                                                   "secret",
                                                   "configMap",
                                                   "persistentVolumeClaim",
                                                   "downwardAPI",
                                                   "projected",
                                                   "csi",
                                                   "ephemeral",
                                                   "nfs",
                                                   "image",
                                                   "awsElasticBlockStore",
                                                   "azureDisk",
                                                   "azureFile",
                                                   "cephfs",
                                                   "cinder",
                                                   "fc",
                                                   "flexVolume",
                                                   "flocker",
                                                   "gcePersistentDisk",
                                                   "gitRepo",
                                                   "glusterfs",
                                                   "iscsi",
                                                   "photonPersistentDisk",
                                                   "portworxVolume",
                                                   "quobyte",
                                                   "rbd",
                                                   "scaleIO",
                                                   "storageos",
                                                   "vsphereVolume"};

void validate_pod_spec(const Json& spec, const std::string& path, Errors& errs) {
  // Volumes.
  std::set<std::string> volumes;
  const Json& vols = member(spec, "volumes");
  if (vols.is_array()) {
    for (std::size_t i = 0; i < vols.size(); ++i) {
      const std::string at = idx(child(path, "volumes"), i);
      const std::string name = str(vols[i], "name");
      if (name.empty()) {
        errs.push_back(required(child(at, "name")));
      } else {
        for (const auto& m : dns1123_label_errors(name)) {
          errs.push_back(invalid(child(at, "name"), name, m));
        }
        if (!volumes.insert(name).second) {
          errs.push_back(duplicate(child(at, "name"), name));
        }
      }
      int sources = 0;
      for (const auto& s : k_volume_sources) {
        if (has(vols[i], s.c_str()) && sources++ > 0) {
          errs.push_back(forbidden(child(at, s), "may not specify more than 1 volume type"));
        }
      }
      if (sources == 0) {
        errs.push_back(required(at, "must specify a volume type"));
      }
    }
  }
  // Containers.
  std::set<std::string> names;
  const Json& containers = member(spec, "containers");
  const std::string cpath = child(path, "containers");
  if (!containers.is_array() || containers.empty()) {
    errs.push_back(required(cpath));
  } else {
    for (std::size_t i = 0; i < containers.size(); ++i) {
      validate_container(containers[i], idx(cpath, i), volumes, false, errs);
      const std::string name = str(containers[i], "name");
      if (!name.empty() && !names.insert(name).second) {
        errs.push_back(duplicate(child(idx(cpath, i), "name"), name));
      }
    }
  }
  const Json& inits = member(spec, "initContainers");
  if (inits.is_array()) {
    const std::string ipath = child(path, "initContainers");
    for (std::size_t i = 0; i < inits.size(); ++i) {
      validate_container(inits[i], idx(ipath, i), volumes, true, errs);
      const std::string name = str(inits[i], "name");
      if (!name.empty() && !names.insert(name).second) {
        errs.push_back(duplicate(child(idx(ipath, i), "name"), name));
      }
    }
  }
  // The pod-level fields.
  const std::string restart = str(spec, "restartPolicy");
  if (restart.empty()) {
    errs.push_back(required(child(path, "restartPolicy")));
  } else if (restart != "Always" && restart != "OnFailure" && restart != "Never") {
    errs.push_back(
        not_supported(child(path, "restartPolicy"), restart, {"Always", "OnFailure", "Never"}));
  }
  const std::string dns = str(spec, "dnsPolicy");
  if (dns.empty()) {
    errs.push_back(required(child(path, "dnsPolicy")));
  } else if (dns != "ClusterFirstWithHostNet" && dns != "ClusterFirst" && dns != "Default" &&
             dns != "None") {
    errs.push_back(not_supported(child(path, "dnsPolicy"), dns,
                                 {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}));
  }
  validate_labels(member(spec, "nodeSelector"), child(path, "nodeSelector"), errs);
  if (!has(spec, "terminationGracePeriodSeconds")) {
    errs.push_back(required(child(path, "terminationGracePeriodSeconds")));
  }
  const Json& ads = member(spec, "activeDeadlineSeconds");
  if (ads.is_number_integer() && (ads.get<long long>() < 1 || ads.get<long long>() > 2147483647)) {
    errs.push_back(invalid(child(path, "activeDeadlineSeconds"), ads,
                           "must be between 1 and 2147483647, inclusive"));
  }
  for (const char* f : {"serviceAccountName", "nodeName", "priorityClassName"}) {
    const std::string v = str(spec, f);
    if (!v.empty()) {
      for (const auto& m : dns1123_subdomain_errors(v)) {
        errs.push_back(invalid(child(path, f), v, m));
      }
    }
  }
  for (const char* f : {"hostname", "subdomain"}) {
    const std::string v = str(spec, f);
    if (!v.empty()) {
      for (const auto& m : dns1123_label_errors(v)) {
        errs.push_back(invalid(child(path, f), v, m));
      }
    }
  }
  const Json& tolerations = member(spec, "tolerations");
  if (tolerations.is_array()) {
    for (std::size_t i = 0; i < tolerations.size(); ++i) {
      const Json& t = tolerations[i];
      const std::string at = idx(child(path, "tolerations"), i);
      const std::string k = str(t, "key");
      if (!k.empty()) {
        for (const auto& m : qualified_name_errors(k)) {
          errs.push_back(invalid(child(at, "key"), k, m));
        }
      }
      const std::string op = str(t, "operator");
      if (op == "Exists" && !str(t, "value").empty()) {
        errs.push_back(invalid(child(at, "operator"), t["value"],
                               "value must be empty when `operator` is 'Exists'"));
      } else if (!op.empty() && op != "Equal" && op != "Exists") {
        errs.push_back(not_supported(child(at, "operator"), op, {"Equal", "Exists"}));
      }
      if (op.empty() && k.empty()) {
        errs.push_back(invalid(child(at, "operator"), op,
                               "operator must be Exists when `key` is empty, which means \"match "
                               "all values and all keys\""));
      }
      const std::string effect = str(t, "effect");
      if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" &&
          effect != "NoExecute") {
        errs.push_back(not_supported(child(at, "effect"), effect,
                                     {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
      }
    }
  }
  const Json& gates = member(spec, "schedulingGates");
  if (gates.is_array()) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < gates.size(); ++i) {
      const std::string g = str(gates[i], "name");
      for (const auto& m : qualified_name_errors(g)) {
        errs.push_back(invalid(idx(child(path, "schedulingGates"), i), g, m));
      }
      if (!seen.insert(g).second) {
        errs.push_back(duplicate(idx(child(path, "schedulingGates"), i), g));
      }
    }
  }
}

// ValidatePodTemplateSpec: the labels and annotations of a template, then
// its spec.
void validate_template(const Json& tmpl, const std::string& path, Errors& errs) {
  const Json& meta = member(tmpl, "metadata");
  validate_labels(member(meta, "labels"), child(path, "labels"), errs);
  validate_annotations(member(meta, "annotations"), child(path, "annotations"), errs);
  validate_pod_spec(member(tmpl, "spec"), child(path, "spec"), errs);
}

// A pod update may change only the images, activeDeadlineSeconds,
// tolerations (additions), terminationGracePeriodSeconds (negative to 1)
// and schedulingGates (removals): ValidatePodUpdate.
void validate_pod_update(const Json& spec, const Json& old_spec, Errors& errs) {
  for (const char* list : {"containers", "initContainers"}) {
    const Json& now = member(spec, list);
    const Json& was = member(old_spec, list);
    const std::size_t n = now.is_array() ? now.size() : 0;
    const std::size_t m = was.is_array() ? was.size() : 0;
    if (n != m) {
      errs.push_back(
          forbidden(std::string("spec.") + list, "pod updates may not add or remove containers"));
      return;
    }
  }
  const Json& ads = member(spec, "activeDeadlineSeconds");
  const Json& old_ads = member(old_spec, "activeDeadlineSeconds");
  if (ads.is_number_integer()) {
    if (old_ads.is_number_integer() && old_ads.get<long long>() < ads.get<long long>()) {
      errs.push_back(invalid("spec.activeDeadlineSeconds", ads,
                             "must be less than or equal to previous value"));
      return;
    }
  } else if (!old_ads.is_null()) {
    errs.push_back(invalid("spec.activeDeadlineSeconds", nullptr,
                           "must not update from a positive integer to nil value"));
  }
  const Json& tolerations = member(spec, "tolerations");
  const Json& old_tolerations = member(old_spec, "tolerations");
  if (old_tolerations.is_array()) {
    for (const auto& t : old_tolerations) {
      const bool kept =
          tolerations.is_array() && std::any_of(tolerations.begin(), tolerations.end(),
                                                [&](const Json& n) { return equivalent(n, t); });
      if (!kept) {
        errs.push_back(forbidden("spec.tolerations",
                                 "existing toleration can not be modified except its "
                                 "tolerationSeconds"));
        break;
      }
    }
  }
  const Json& gates = member(spec, "schedulingGates");
  const Json& old_gates = member(old_spec, "schedulingGates");
  if (gates.is_array()) {
    for (std::size_t i = 0; i < gates.size(); ++i) {
      const bool was = old_gates.is_array() &&
                       std::any_of(old_gates.begin(), old_gates.end(),
                                   [&](const Json& g) { return equivalent(g, gates[i]); });
      if (!was) {
        errs.push_back(forbidden(idx("spec.schedulingGates", i),
                                 "only deletion is allowed, but found new scheduling gate '" +
                                     str(gates[i], "name") + "'"));
      }
    }
  }
  Json munged = spec;
  for (const char* list : {"containers", "initContainers"}) {
    if (munged.contains(list) && munged[list].is_array()) {
      for (std::size_t i = 0; i < munged[list].size(); ++i) {
        if (munged[list][i].is_object()) {
          munged[list][i]["image"] = member(old_spec[list][i], "image");
        }
      }
    }
  }
  for (const char* f : {"activeDeadlineSeconds", "schedulingGates", "tolerations"}) {
    if (old_spec.contains(f)) {
      munged[f] = old_spec[f];
    } else {
      munged.erase(f);
    }
  }
  const Json& old_grace = member(old_spec, "terminationGracePeriodSeconds");
  if (old_grace.is_number_integer() && old_grace.get<long long>() < 0 &&
      member(munged, "terminationGracePeriodSeconds") == 1) {
    munged["terminationGracePeriodSeconds"] = old_grace;
  }
  if (equivalent(munged, old_spec)) {
    return;
  }
  // cmp.Diff's output, approximated: the top-level fields that differ.
  std::string diff = "  core.PodSpec{\n";
  std::set<std::string> keys;
  for (auto it = old_spec.begin(); it != old_spec.end(); ++it) {
    keys.insert(it.key());
  }
  for (auto it = munged.begin(); it != munged.end(); ++it) {
    keys.insert(it.key());
  }
  for (const auto& k : keys) {
    const Json& a = member(old_spec, k.c_str());
    const Json& b = member(munged, k.c_str());
    if (!equivalent(a, b)) {
      diff += "- \t" + k + ": " + a.dump() + ",\n+ \t" + k + ": " + b.dump() + ",\n";
    }
  }
  diff += "  }\n";
  errs.push_back(forbidden(
      "spec",
      "pod updates may not change fields other than `spec.containers[*].image`,"
      "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
      "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
      "set to 1 if it was previously negative)\n" +
          diff));
}

bool valid_ipv4(const std::string& s) {
  int parts = 0;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto dot = s.find('.', start);
    const std::string p =
        s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (p.empty() || p.size() > 3 ||
        !std::all_of(p.begin(), p.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
        std::stoi(p) > 255 || (p.size() > 1 && p[0] == '0')) {
      return false;
    }
    ++parts;
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  return parts == 4;
}

void validate_service(const Json& svc, const Json* old, Errors& errs) {
  const Json& spec = member(svc, "spec");
  const std::string type = str(spec, "type");
  const std::string cluster_ip = str(spec, "clusterIP");
  const bool headless = cluster_ip == "None";
  if (type != "ClusterIP" && type != "ExternalName" && type != "LoadBalancer" &&
      type != "NodePort") {
    errs.push_back(not_supported("spec.type", type,
                                 {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
  }
  if (type == "ExternalName" && str(spec, "externalName").empty()) {
    errs.push_back(required("spec.externalName"));
  }
  const Json& ports = member(spec, "ports");
  const std::size_t n = ports.is_array() ? ports.size() : 0;
  if (n == 0 && !headless && type != "ExternalName") {
    errs.push_back(required("spec.ports"));
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < n; ++i) {
    const Json& p = ports[i];
    const std::string at = idx("spec.ports", i);
    const std::string name = str(p, "name");
    if (name.empty()) {
      if (n > 1) {
        errs.push_back(required(child(at, "name")));
      }
    } else {
      for (const auto& m : dns1123_label_errors(name)) {
        errs.push_back(invalid(child(at, "name"), name, m));
      }
      if (!names.insert(name).second) {
        errs.push_back(duplicate(child(at, "name"), name));
      }
    }
    const Json& port = member(p, "port");
    if (!valid_port(port)) {
      errs.push_back(invalid(child(at, "port"), port.is_null() ? Json(0) : port, k_port_range));
    }
    const std::string protocol = str(p, "protocol");
    if (protocol.empty()) {
      errs.push_back(required(child(at, "protocol")));
    } else if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
      errs.push_back(not_supported(child(at, "protocol"), protocol, {"SCTP", "TCP", "UDP"}));
    }
    validate_port_num_or_name(member(p, "targetPort"), child(at, "targetPort"), errs);
  }
  const std::string affinity = str(spec, "sessionAffinity");
  if (affinity != "None" && affinity != "ClientIP") {
    errs.push_back(not_supported("spec.sessionAffinity", affinity, {"ClientIP", "None"}));
  }
  validate_labels(member(spec, "selector"), "spec.selector", errs);
  if (!cluster_ip.empty() && !headless && !valid_ipv4(cluster_ip)) {
    errs.push_back(invalid("spec.clusterIPs[0]", cluster_ip,
                           "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  }
  if (old != nullptr) {
    const std::string was = str(member(*old, "spec"), "clusterIP");
    if (!was.empty() && cluster_ip != was && type != "ExternalName" &&
        str(member(*old, "spec"), "type") != "ExternalName") {
      errs.push_back(
          invalid("spec.clusterIPs[0]", member(spec, "clusterIPs"), "may not change once set"));
    }
  }
}

void validate_config_keys(const Json& data,
                          const std::string& path,
                          const Json& other,
                          const std::string& other_name,
                          Errors& errs) {
  if (!data.is_object()) {
    return;
  }
  for (auto it = data.begin(); it != data.end(); ++it) {
    for (const auto& m : config_key_errors(it.key())) {
      errs.push_back(invalid(key(path, it.key()), it.key(), m));
    }
    if (other.is_object() && other.contains(it.key())) {
      errs.push_back(
          invalid(key(path, it.key()), it.key(), "duplicate of key present in " + other_name));
    }
  }
}

std::size_t data_size(const Json& data, bool decoded) {
  std::size_t total = 0;
  if (data.is_object()) {
    for (const auto& v : data) {
      const std::size_t n = v.is_string() ? v.get<std::string>().size() : 0;
      total += decoded ? n / 4 * 3 : n;
    }
  }
  return total;
}

void validate_immutable_data(const Json& object, const Json* old, Errors& errs) {
  if (old == nullptr || member(*old, "immutable") != true) {
    return;
  }
  if (member(object, "immutable") != true) {
    errs.push_back(forbidden("immutable", "field is immutable when `immutable` is set"));
  }
  for (const char* f : {"data", "binaryData"}) {
    if (!equivalent(member(object, f), member(*old, f))) {
      errs.push_back(forbidden(f, "field is immutable when `immutable` is set"));
    }
  }
}

void validate_config_map(const Json& cm, const Json* old, Errors& errs) {
  validate_config_keys(member(cm, "data"), "data", member(cm, "binaryData"), "binaryData", errs);
  validate_config_keys(member(cm, "binaryData"), "binaryData", member(cm, "data"), "data", errs);
  if (data_size(member(cm, "data"), false) + data_size(member(cm, "binaryData"), true) >
      1024 * 1024) {
    errs.push_back(too_long("", 1024 * 1024));
  }
  validate_immutable_data(cm, old, errs);
}

void validate_secret(const Json& secret, const Json* old, Errors& errs) {
  const Json& data = member(secret, "data");
  validate_config_keys(data, "data", Json(), "", errs);
  if (data_size(data, true) > 1024 * 1024) {
    errs.push_back(too_long("data", 1024 * 1024));
  }
  const std::string type = str(secret, "type");
  auto need = [&](const char* k) {
    if (!data.is_object() || !data.contains(k)) {
      errs.push_back(required(key("data", k)));
    }
  };
  if (type == "kubernetes.io/tls") {
    need("tls.crt");
    need("tls.key");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    need(".dockerconfigjson");
  } else if (type == "kubernetes.io/dockercfg") {
    need(".dockercfg");
  } else if (type == "kubernetes.io/ssh-auth") {
    need("ssh-privatekey");
  } else if (type == "kubernetes.io/basic-auth" && data.is_object() && !data.contains("username") &&
             !data.contains("password")) {
    errs.push_back(required(key("data", "username")));
    errs.push_back(required(key("data", "password")));
  }
  if (old != nullptr && str(*old, "type") != type) {
    errs.push_back(invalid("type", type, "field is immutable"));
  }
  validate_immutable_data(secret, old, errs);
}

bool selector_matches(const Json& selector, const Json& labels) {
  const Json& ml = member(selector, "matchLabels");
  if (ml.is_object()) {
    for (auto it = ml.begin(); it != ml.end(); ++it) {
      if (!labels.is_object() || !labels.contains(it.key()) || labels[it.key()] != *it) {
        return false;
      }
    }
  }
  return true;
}

void validate_job(const Json& job, const Json* old, Errors& errs) {
  const Json& spec = member(job, "spec");
  for (const char* f : {"parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished"}) {
    const Json& v = member(spec, f);
    if (v.is_number_integer() && v.get<long long>() < 0) {
      errs.push_back(invalid(child("spec", f), v, "must be greater than or equal to 0"));
    }
  }
  const Json& ads = member(spec, "activeDeadlineSeconds");
  if (ads.is_number_integer() && ads.get<long long>() <= 0) {
    errs.push_back(invalid("spec.activeDeadlineSeconds", ads, "must be greater than zero"));
  }
  const std::string mode = str(spec, "completionMode");
  if (mode != "NonIndexed" && mode != "Indexed") {
    errs.push_back(not_supported("spec.completionMode", mode, {"NonIndexed", "Indexed"}));
  }
  const Json& tmpl = member(spec, "template");
  validate_template(tmpl, "spec.template", errs);
  const std::string restart = str(member(tmpl, "spec"), "restartPolicy");
  if (restart != "OnFailure" && restart != "Never") {
    errs.push_back(
        not_supported("spec.template.spec.restartPolicy", restart, {"OnFailure", "Never"}));
  }
  const Json& labels = member(member(tmpl, "metadata"), "labels");
  const Json& selector = member(spec, "selector");
  if (member(spec, "manualSelector") != true) {
    const Json& meta = member(job, "metadata");
    const std::string uid = str(meta, "uid");
    const std::string name = str(meta, "name");
    for (const auto& [k, want] : std::vector<std::pair<std::string, std::string>>{
             {"controller-uid", uid},
             {"job-name", name},
             {"batch.kubernetes.io/controller-uid", uid},
             {"batch.kubernetes.io/job-name", name}}) {
      const std::string at = key("spec.template.metadata.labels", k);
      if (!labels.is_object() || !labels.contains(k)) {
        errs.push_back(required(at, want));
      } else if (labels[k] != want) {
        errs.push_back(invalid(at, labels, "must be '" + want + "'"));
      }
    }
    const Json& ml = member(selector, "matchLabels");
    if (!selector.is_object()) {
      errs.push_back(required("spec.selector"));
    } else if (!(ml.is_object() && ml.value("batch.kubernetes.io/controller-uid", "") == uid &&
                 selector_matches(selector, labels))) {
      errs.push_back(invalid("spec.selector", selector, "`selector` not auto-generated"));
    }
  } else if (!selector.is_object()) {
    errs.push_back(required("spec.selector"));
  } else if (!selector_matches(selector, labels)) {
    errs.push_back(invalid("spec.template.metadata.labels", labels,
                           "`selector` does not match template `labels`"));
  }
  if (old != nullptr) {
    const Json& old_spec = member(*old, "spec");
    for (const char* f : {"selector", "completions", "completionMode", "podFailurePolicy"}) {
      if (!equivalent(member(spec, f), member(old_spec, f))) {
        errs.push_back(invalid(child("spec", f), member(spec, f), "field is immutable"));
      }
    }
    if (!equivalent(tmpl, member(old_spec, "template"))) {
      errs.push_back(invalid("spec.template", tmpl, "field is immutable"));
    }
  }
}

void validate_event(const Json& event, Errors& errs) {
  const std::string ns = str(member(event, "metadata"), "namespace");
  const Json& involved = member(event, "involvedObject");
  const std::string ins = str(involved, "namespace");
  if (str(event, "eventTime").empty()) {
    if (ins.empty() ? (!ns.empty() && ns != "default") : ns != ins) {
      errs.push_back(invalid("involvedObject.namespace", ins, "does not match event.namespace"));
    }
  } else {
    if (ins.empty() && ns != "default" && ns != "kube-system") {
      errs.push_back(invalid("involvedObject.namespace", ins, "does not match event.namespace"));
    }
    const std::string rc = str(event, "reportingComponent");
    if (rc.empty()) {
      errs.push_back(required("reportingComponent"));
    }
    for (const auto& m : qualified_name_errors(rc)) {
      errs.push_back(invalid("reportingComponent", rc, m));
    }
    if (str(event, "reportingInstance").empty()) {
      errs.push_back(required("reportingInstance"));
    }
    if (str(event, "action").empty()) {
      errs.push_back(required("action"));
    }
    if (str(event, "reason").empty()) {
      errs.push_back(required("reason"));
    }
  }
  for (const auto& m : dns1123_subdomain_errors(ns)) {
    errs.push_back(invalid("namespace", ns, m));
  }
}

// The core kinds this file checks, by catalogue name.
std::string core_kind(const ResourceType& type) {
  if (type.group.empty() && type.version == "v1") {
    for (const char* k : {"Pod", "Service", "ConfigMap", "Secret", "Event"}) {
      if (type.kind == k) {
        return k;
      }
    }
  }
  if (type.group == "batch" && type.version == "v1" && type.kind == "Job") {
    return "Job";
  }
  return "";
}

}  // namespace

std::vector<std::string> duplicate_fields(const std::string& json_text) {
  struct Frame {
    bool object = false;
    std::string path;
    std::set<std::string> keys;
    std::string key;        // the member being read
    std::size_t index = 0;  // the item being read
  };
  std::vector<Frame> stack;
  std::vector<std::string> out;
  auto here = [&]() {
    if (stack.empty()) {
      return std::string();
    }
    const Frame& f = stack.back();
    return f.object ? child(f.path, f.key) : idx(f.path, f.index);
  };
  auto next_item = [&]() {
    if (!stack.empty() && !stack.back().object) {
      ++stack.back().index;
    }
  };
  using Event = Json::parse_event_t;
  Json::parser_callback_t callback = [&](int, Event event, Json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start: {
        Frame f;
        f.object = event == Event::object_start;
        f.path = here();
        stack.push_back(std::move(f));
        break;
      }
      case Event::key: {
        Frame& f = stack.back();
        f.key = parsed.is_string() ? parsed.get<std::string>() : "";
        if (!f.keys.insert(f.key).second) {
          out.push_back(child(f.path, f.key));
        }
        break;
      }
      case Event::object_end:
      case Event::array_end:
        if (!stack.empty()) {
          stack.pop_back();
        }
        next_item();
        break;
      case Event::value:
        next_item();
        break;
    }
    return true;
  };
  const Json parsed = Json::parse(json_text, callback, false);
  return parsed.is_discarded() ? std::vector<std::string>() : out;
}

Result<std::string> canonical_quantity(const Json& value) {
  auto q = quantity_of(value);
  if (!q) {
    return tl::unexpected(q.error());
  }
  return canonical(*q);
}

Result<FieldValidation> parse_field_validation(const std::string& value,
                                               const std::string& options_kind) {
  if (value.empty() || value == "Warn") {
    return FieldValidation::warn;
  }
  if (value == "Ignore") {
    return FieldValidation::ignore;
  }
  if (value == "Strict") {
    return FieldValidation::strict;
  }
  const FieldError e = not_supported("fieldValidation", value, {"", "Ignore", "Strict", "Warn"});
  ApiError err{422, "Invalid",
               options_kind + ".meta.k8s.io \"\" is invalid: " + e.field + ": " + e.body,
               Json::object()};
  err.details = {
      {"group", "meta.k8s.io"},
      {"kind", options_kind},
      {"causes", Json::array({{{"reason", e.reason}, {"message", e.body}, {"field", e.field}}})}};
  return tl::unexpected(err);
}

Result<void> admit(const ResourceType& type,
                   Json& object,
                   const Json* old,
                   Admission& admission,
                   const AdmitOptions& options) {
  if (!object.is_object()) {
    return {};  // the store answers a body that is not an object
  }
  const std::string kind = core_kind(type);
  if (old != nullptr && old->contains("metadata")) {
    // An update names the stored object, whatever its body says.
    Json& meta = object["metadata"];
    if (!meta.is_object()) {
      meta = Json::object();
    }
    for (const char* k : {"name", "namespace", "uid"}) {
      if ((*old)["metadata"].contains(k)) {
        meta[k] = (*old)["metadata"][k];
      }
    }
  }
  const std::string name = object.contains("metadata") && object["metadata"].is_object()
                               ? str(object["metadata"], "name")
                               : "";
  // Decoding.
  if (!kind.empty()) {
    Decoder d;
    d.keep_unknown = admission.field_validation == FieldValidation::strict;
    d.walk(object, kind, "", "", kind);
    auto cannot_handle = [&](const std::string& why) {
      return ApiError{400, "BadRequest",
                      type.kind + " in version \"" + type.version + "\" cannot be handled as a " +
                          type.kind + ": " + why,
                      Json::object()};
    };
    if (d.error) {
      return tl::unexpected(cannot_handle(*d.error));
    }
    if (!d.unknown.empty() || !options.duplicates.empty()) {
      std::vector<std::string> msgs;
      for (const auto& u : options.duplicates) {
        msgs.push_back("duplicate field " + Json(u).dump());
      }
      for (const auto& u : d.unknown) {
        msgs.push_back("unknown field " + Json(u).dump());
      }
      if (admission.field_validation == FieldValidation::strict) {
        std::string joined;
        for (const auto& m : msgs) {
          joined += (joined.empty() ? "" : ", ") + m;
        }
        const std::string why = "strict decoding error: " + joined;
        return tl::unexpected(options.patch ? ApiError{400, "BadRequest", why, Json::object()}
                                            : cannot_handle(why));
      }
      if (admission.field_validation == FieldValidation::warn) {
        admission.warnings.insert(admission.warnings.end(), msgs.begin(), msgs.end());
      }
    }
  }
  // Defaults.
  if (kind == "Pod") {
    default_pod(object);
  } else if (kind == "Service") {
    default_service(object, old, options);
  } else if (kind == "Job") {
    default_job(object, old);
  } else if (kind == "Secret") {
    default_secret(object);
  }
  // Validation.
  Errors errs;
  validate_meta(member(object, "metadata"), "metadata", errs);
  if (kind == "Service") {
    for (const auto& m : dns1035_label_errors(name)) {
      errs.push_back(invalid("metadata.name", name, m));
    }
    validate_service(object, old, errs);
  } else if (kind == "Pod") {
    const Json& spec = member(object, "spec");
    validate_pod_spec(spec, "spec", errs);
    if (old == nullptr) {
      if (has(spec, "ephemeralContainers") && !spec["ephemeralContainers"].empty()) {
        errs.push_back(forbidden("spec.ephemeralContainers", "cannot be set on create"));
      }
      if (!str(spec, "nodeName").empty() && has(spec, "schedulingGates") &&
          !spec["schedulingGates"].empty()) {
        errs.push_back(forbidden("spec.nodeName",
                                 "cannot be set until all schedulingGates have been cleared"));
      }
    } else {
      validate_pod_update(spec, member(*old, "spec"), errs);
    }
  } else if (kind == "Job") {
    validate_job(object, old, errs);
  } else if (kind == "ConfigMap") {
    validate_config_map(object, old, errs);
  } else if (kind == "Secret") {
    validate_secret(object, old, errs);
  } else if (kind == "Event") {
    validate_event(object, errs);
  }
  if (!errs.empty()) {
    return tl::unexpected(invalid_error(type, name, errs));
  }
  return {};
}

}  // namespace fakekube
