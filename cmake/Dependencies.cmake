# SPDX-License-Identifier: Apache-2.0
# Every dependency is a Debian package (scripts/install-deps.sh); nothing is
# downloaded at configure time.
find_package(PkgConfig REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CURL REQUIRED)
find_package(fmt REQUIRED)
find_package(tl-expected REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
if(KRAYCTL_BUILD_TESTS)
  find_package(Catch2 REQUIRED)
endif()

# yaml-cpp 0.7 exports `yaml-cpp` without a namespace.
if(TARGET yaml-cpp::yaml-cpp)
  set(KRAYCTL_YAML_CPP yaml-cpp::yaml-cpp)
else()
  set(KRAYCTL_YAML_CPP yaml-cpp)
endif()
