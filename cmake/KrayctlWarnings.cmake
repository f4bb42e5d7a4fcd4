# SPDX-License-Identifier: Apache-2.0
# The INTERFACE target `krayctl_warnings`: the warning set of STYLE.md §8.
add_library(krayctl_warnings INTERFACE)
target_compile_options(krayctl_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2)
if(KRAYCTL_WARNINGS_AS_ERRORS)
  target_compile_options(krayctl_warnings INTERFACE -Werror)
endif()
