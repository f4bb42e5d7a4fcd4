// SPDX-License-Identifier: Apache-2.0
// The one place tests include Catch2 from (Debian ships v2). Tests use only
// macros that v2 and v3 share, so moving to v3 changes this file alone.
#pragma once

#include <catch2/catch.hpp>
