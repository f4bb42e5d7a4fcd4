// SPDX-License-Identifier: Apache-2.0
// Private to src/app: reading the node's facts for nccl-check.
#pragma once

#include <krayctl/app/deps.hpp>
#include <krayctl/core/nccl/nccl_node.hpp>

#include <string>

namespace kray::app::detail {

// GPUs, RDMA devices and ports, GPUDirect RDMA support, /dev/shm, memlock,
// IPC_LOCK, interfaces and the NCCL environment, with every path under
// `root` ("/" for this machine). What cannot be read is left unknown.
core::NodeFacts probe_node(const Deps& deps, const std::string& root);

}  // namespace kray::app::detail
