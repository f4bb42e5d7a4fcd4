// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kray::util {

// Standard base64 with padding (RFC 4648 §4), as Go's encoding/base64
// StdEncoding writes it.
std::string base64_encode(std::string_view bytes);

// Decodes standard base64 as Go's StdEncoding does for kubeconfig `*-data`
// fields: padding required, '\r' and '\n' skipped. On failure, nullopt and
// `bad_offset` (when given) set to the offset of the first bad byte.
std::optional<std::string> base64_decode(std::string_view text, std::size_t* bad_offset = nullptr);

}  // namespace kray::util
