#!/usr/bin/env bash
# The one place that lists the Debian packages this project needs (build, test, run).
# Idempotent: installs only what is missing. Must run as root on Debian 12.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang-14 libclang-rt-14-dev
  # libraries
  libmariadb-dev zlib1g-dev libzstd-dev libssl-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libyaml-cpp-dev libtoml11-dev libcpp-httplib-dev libre2-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # servers and peers used by tests, the demo and benchmarks
  mariadb-server mariadb-client etcd-server etcd-client sysbench mydumper
  python3 procps iproute2 curl openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run as root (or install them with apt-get) and retry" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent on a fresh machine; refresh them once.
apt-get update -qq || apt-get update
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian starts services on install; our tests run their own throwaway servers, so stop the system ones.
for svc in mariadb etcd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
echo "deps: done"
