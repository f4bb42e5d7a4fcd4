#!/usr/bin/env bash
# Installs everything krayctl needs to build and test, from Debian packages only.
# Usage: scripts/install-deps.sh   (as root, or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libcurl4-openssl-dev
  libfmt-dev catch2 libexpected-dev libcpp-httplib-dev libssl-dev zlib1g-dev
  json-schema-test-suite clang-format-14 clang-tidy-14
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
