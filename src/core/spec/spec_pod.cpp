// SPDX-License-Identifier: Apache-2.0
// Pod settings of the compact spec: the keys shared by `defaults`, `head`
// and each worker group.
#include "spec_reader.hpp"

#include <krayctl/util/strings.hpp>

namespace kray::core::detail {
namespace {

struct NcclKnob {
  const char* key;
  const char* env;
};

// The named knobs, in the order their variables are written.
constexpr NcclKnob k_nccl_knobs[] = {
    {"ibHca", "NCCL_IB_HCA"},
    {"netGdrLevel", "NCCL_NET_GDR_LEVEL"},
    {"socketIfname", "NCCL_SOCKET_IFNAME"},
    {"ibGidIndex", "NCCL_IB_GID_INDEX"},
    {"ibDisable", "NCCL_IB_DISABLE"},
    {"net", "NCCL_NET"},
    {"debug", "NCCL_DEBUG"},
    {"debugSubsys", "NCCL_DEBUG_SUBSYS"},
    {"crossNic", "NCCL_CROSS_NIC"},
};

// Volume sources the spec accepts, with the key a bare string fills in.
struct VolumeSource {
  const char* key;
  const char* string_field;  // nullptr: no string shorthand
};

constexpr VolumeSource k_volume_sources[] = {
    {"emptyDir", nullptr}, {"persistentVolumeClaim", "claimName"},
    {"configMap", "name"}, {"secret", "secretName"},
    {"hostPath", "path"},  {"nfs", nullptr},
    {"csi", nullptr},
};

template <typename T>
void merge_named(std::vector<T>& base,
                 const std::vector<T>& over,
                 std::string (*name_of)(const T&)) {
  for (const auto& item : over) {
    auto it = std::find_if(base.begin(), base.end(),
                           [&](const T& b) { return name_of(b) == name_of(item); });
    if (it != base.end()) {
      *it = item;
    } else {
      base.push_back(item);
    }
  }
}

}  // namespace

PodSettings SpecReader::pod_settings(const Json* obj, const std::string& pointer) {
  PodSettings pod;
  if (obj == nullptr || !obj->is_object()) {
    return pod;
  }
  pod.image = string(member(obj, "image"));
  pod.cpu = quantity(member(obj, "cpu"));
  pod.memory = quantity(member(obj, "memory"));
  pod.ephemeral_storage = quantity(member(obj, "ephemeralStorage"));
  pod.gpus = integer(member(obj, "gpus"));
  pod.gpu_resource = string(member(obj, "gpuResource"));
  if (const Json* rdma = member(obj, "rdma")) {
    if (rdma->is_string()) {
      pod.rdma = Rdma{rdma->get<std::string>(), 1};
    } else if (auto resource = string(member(rdma, "resource"))) {
      pod.rdma = Rdma{*resource, integer(member(rdma, "count")).value_or(1)};
    }
  }
  if (const Json* shm = member(obj, "shm")) {
    if (shm->is_boolean()) {
      pod.shm = Shm{shm->get<bool>(), std::nullopt};
    } else if (auto size = quantity(shm)) {
      pod.shm = Shm{true, size};
    }
  }
  read_env(member(obj, "env"), pointer_append(pointer, "env"), pod);
  read_nccl(member(obj, "nccl"), pointer_append(pointer, "nccl"), pod);
  pod.node_selector = string_map(member(obj, "nodeSelector"));
  if (const Json* t = member(obj, "tolerations"); t != nullptr && t->is_array()) {
    pod.tolerations = *t;
  }
  read_volumes(member(obj, "volumes"), pointer_append(pointer, "volumes"), pod);
  pod.pod_labels = string_map(member(obj, "podLabels"));
  pod.pod_annotations = string_map(member(obj, "podAnnotations"));
  if (const Json* params = member(obj, "rayStartParams");
      params != nullptr && params->is_object()) {
    const std::string base = pointer_append(pointer, "rayStartParams");
    for (auto it = params->begin(); it != params->end(); ++it) {
      if (!it.value().is_object() && !it.value().is_array() && !it.value().is_null()) {
        pod.ray_start_params[it.key()] = scalar_text(it.value(), pointer_append(base, it.key()));
      }
    }
  }
  pod.priority_class = string(member(obj, "priorityClass"));

  // Names set twice, once by `env` and once by `nccl`, are ambiguous.
  for (const auto& [name, value] : pod.nccl_env) {
    for (const auto& e : pod.env) {
      if (e.name == name) {
        error(pointer_append(pointer_append(pointer, "env"), name),
              name + " is set both here and by nccl; keep one", true);
      }
    }
  }
  return pod;
}

void SpecReader::read_env(const Json* env, const std::string& pointer, PodSettings& pod) {
  if (env == nullptr || !env->is_object()) {
    return;
  }
  for (auto it = env->begin(); it != env->end(); ++it) {
    EnvVar var;
    var.name = it.key();
    const Json& v = it.value();
    if (v.is_object()) {
      var.value_from = v;
    } else if (v.is_string() || v.is_number()) {
      var.value = scalar_text(v, pointer_append(pointer, it.key()));
    } else {
      continue;  // reported by the schema
    }
    pod.env.push_back(std::move(var));
  }
}

void SpecReader::read_nccl(const Json* nccl, const std::string& pointer, PodSettings& pod) {
  if (nccl == nullptr || !nccl->is_object()) {
    return;
  }
  for (const auto& knob : k_nccl_knobs) {
    const Json* v = member(nccl, knob.key);
    if (v == nullptr || v->is_null() || v->is_object() || v->is_array()) {
      continue;
    }
    std::string text = v->is_boolean() ? (v->get<bool>() ? "1" : "0")
                                       : scalar_text(*v, pointer_append(pointer, knob.key));
    pod.nccl_env.emplace_back(knob.env, std::move(text));
  }
  if (const Json* extra = member(nccl, "env"); extra != nullptr && extra->is_object()) {
    const std::string base = pointer_append(pointer, "env");
    for (auto it = extra->begin(); it != extra->end(); ++it) {
      const bool named = std::any_of(pod.nccl_env.begin(), pod.nccl_env.end(),
                                     [&](const auto& kv) { return kv.first == it.key(); });
      if (named) {
        error(pointer_append(base, it.key()),
              it.key() + " is also set by a named nccl key; keep one", true);
        continue;
      }
      if (it.value().is_string() || it.value().is_number()) {
        pod.nccl_env.emplace_back(it.key(),
                                  scalar_text(it.value(), pointer_append(base, it.key())));
      }
    }
  }
}

void SpecReader::read_volumes(const Json* volumes, const std::string& pointer, PodSettings& pod) {
  if (volumes == nullptr || !volumes->is_array()) {
    return;
  }
  for (std::size_t i = 0; i < volumes->size(); ++i) {
    const Json& v = (*volumes)[i];
    const std::string ptr = pointer_append(pointer, i);
    auto name = string(member(&v, "name"));
    auto mount_path = string(member(&v, "mountPath"));
    if (!name || !mount_path) {
      continue;  // reported by the schema
    }
    for (const auto& existing : pod.volumes) {
      if (existing.volume["name"] == *name) {
        error(pointer_append(ptr, "name"), "duplicate volume name " + util::quote(*name));
      }
    }
    Volume out;
    out.volume = Json::object({{"name", *name}});
    std::vector<std::string> sources;
    for (const auto& src : k_volume_sources) {
      const Json* s = member(&v, src.key);
      if (s == nullptr) {
        continue;
      }
      sources.emplace_back(src.key);
      if (s->is_string() && src.string_field != nullptr) {
        out.volume[src.key] = Json::object({{src.string_field, s->get<std::string>()}});
      } else if (s->is_boolean()) {
        out.volume[src.key] = Json::object();
      } else {
        out.volume[src.key] = *s;
      }
    }
    if (sources.size() != 1) {
      std::vector<std::string> all;
      for (const auto& src : k_volume_sources) {
        all.emplace_back(src.key);
      }
      error(ptr, "volume " + util::quote(*name) + " needs exactly one source (" +
                     util::join(all, ", ") + ")" +
                     (sources.empty() ? std::string() : ", got " + util::join(sources, " and ")));
    }
    out.mount = Json::object({{"name", *name}, {"mountPath", *mount_path}});
    if (auto ro = boolean(member(&v, "readOnly"))) {
      out.mount["readOnly"] = *ro;
    }
    if (auto sub = string(member(&v, "subPath"))) {
      out.mount["subPath"] = *sub;
    }
    pod.volumes.push_back(std::move(out));
  }
}

PodSettings merge_pod_settings(const PodSettings& defaults, const PodSettings& group) {
  PodSettings out = group;
  auto fill = [](auto& field, const auto& fallback) {
    if (!field) {
      field = fallback;
    }
  };
  fill(out.image, defaults.image);
  fill(out.cpu, defaults.cpu);
  fill(out.memory, defaults.memory);
  fill(out.ephemeral_storage, defaults.ephemeral_storage);
  fill(out.gpus, defaults.gpus);
  fill(out.gpu_resource, defaults.gpu_resource);
  fill(out.rdma, defaults.rdma);
  fill(out.shm, defaults.shm);
  fill(out.tolerations, defaults.tolerations);
  fill(out.priority_class, defaults.priority_class);

  out.env = defaults.env;
  merge_named<EnvVar>(out.env, group.env, [](const EnvVar& e) { return e.name; });
  using Pair = std::pair<std::string, std::string>;
  out.nccl_env = defaults.nccl_env;
  merge_named<Pair>(out.nccl_env, group.nccl_env, [](const Pair& p) { return p.first; });
  out.volumes = defaults.volumes;
  merge_named<Volume>(out.volumes, group.volumes,
                      [](const Volume& v) { return v.volume["name"].get<std::string>(); });
  auto merge_map = [](std::map<std::string, std::string>& into,
                      const std::map<std::string, std::string>& base) {
    for (const auto& [k, v] : base) {
      into.emplace(k, v);  // keeps the group's value
    }
  };
  merge_map(out.node_selector, defaults.node_selector);
  merge_map(out.pod_labels, defaults.pod_labels);
  merge_map(out.pod_annotations, defaults.pod_annotations);
  merge_map(out.ray_start_params, defaults.ray_start_params);
  return out;
}

}  // namespace kray::core::detail
