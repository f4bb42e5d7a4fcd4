# SPDX-License-Identifier: Apache-2.0
# Build options and the INTERFACE target `krayctl_options` that carries them.
# Linked PRIVATE into krayctl's own targets only, never into third-party code.

# Warnings are errors in a git checkout or CI (developers), not for packagers.
set(_krayctl_dev_default OFF)
if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/.git" OR DEFINED ENV{CI})
  set(_krayctl_dev_default ON)
endif()

option(KRAYCTL_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" ${_krayctl_dev_default})
set(KRAYCTL_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. 'address;undefined'")
option(KRAYCTL_BUILD_TESTS "Build the test suite" ON)
option(KRAYCTL_BUILD_BENCH "Build the benchmarks" ON)
option(KRAYCTL_CLANG_TIDY "Run clang-tidy while compiling" OFF)
option(KRAYCTL_FUZZ "Build the libFuzzer targets (clang only)" OFF)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

add_library(krayctl_options INTERFACE)
target_compile_features(krayctl_options INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_definitions(krayctl_options INTERFACE
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>
  KRAYCTL_VERSION="${PROJECT_VERSION}")

if(KRAYCTL_SANITIZE)
  string(REPLACE ";" "," _krayctl_san "${KRAYCTL_SANITIZE}")
  target_compile_options(krayctl_options INTERFACE
    -fsanitize=${_krayctl_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(krayctl_options INTERFACE -fsanitize=${_krayctl_san})
endif()

if(KRAYCTL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KRAYCTL_FUZZ needs clang (CXX=clang++)")
  endif()
  # Coverage instrumentation for the libraries; the fuzzer adds its main.
  target_compile_options(krayctl_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

if(KRAYCTL_CLANG_TIDY)
  find_program(CLANG_TIDY_EXE NAMES clang-tidy REQUIRED)
  set(KRAYCTL_CLANG_TIDY_COMMAND "${CLANG_TIDY_EXE}")
endif()

# Applies the project's options, warnings and (optionally) clang-tidy to `target`.
function(krayctl_target_defaults target)
  target_link_libraries(${target} PRIVATE krayctl_options krayctl_warnings)
  if(KRAYCTL_CLANG_TIDY)
    set_target_properties(${target} PROPERTIES CXX_CLANG_TIDY "${KRAYCTL_CLANG_TIDY_COMMAND}")
  endif()
endfunction()
