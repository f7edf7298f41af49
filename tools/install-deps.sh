#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build socket_exporter (and, with --test,
# to run its tests). Needs root.
set -euo pipefail

# nlohmann-json3-dev: the JSON API; libjs-chart.js: the live view's charts, embedded at build.
# libmicrohttpd-dev + libgnutls28-dev: the event-driven HTTP server and its TLS;
# libcrypt-dev (libxcrypt): bcrypt for basic auth; libcap-dev + libseccomp-dev: dropping
# privileges after start-up; libdeflate-dev: gzip of /metrics (zlib1g-dev: libbpf's, and the
# tests' independent inflate of that gzip).
packages=(cmake ninja-build g++ clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev libdeflate-dev
          prometheus-cpp-dev libspdlog-dev libfmt-dev libyaml-cpp-dev iproute2
          nlohmann-json3-dev libjs-chart.js libmicrohttpd-dev libgnutls28-dev libcrypt-dev
          libcap-dev libseccomp-dev)
if [[ "${1:-}" == "--test" ]]; then
  # chromium renders the live view; nodejs/npm validate the dashboards against @grafana/schema.
  # libclang-rt-14-dev: libFuzzer and the sanitizer runtimes (clang only recommends it).
  packages+=(googletest libgtest-dev libgmock-dev prometheus prometheus-alertmanager curl
             chromium libclang-rt-14-dev openssl)
  # A machine may carry its own Node.js build (which bundles npm and conflicts with Debian's).
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
  # kubectl renders deploy/kubernetes offline (kubectl kustomize); Debian's kubernetes-client
  # provides it where no other kubectl is installed.
  command -v kubectl >/dev/null || packages+=(kubernetes-client)
  # systemd-analyze checks deploy/systemd (verify, security --offline); no running systemd needed.
  command -v systemd-analyze >/dev/null || packages+=(systemd)
  # The container image test builds the Dockerfile with podman on a debootstrap base image;
  # runc because crun fails on this cgroup layout; getcap (libcap2-bin) reads its capabilities.
  packages+=(podman runc debootstrap libcap2-bin)
  # python3: the podman attribution test's containers serve their ports with the host's python3.
  packages+=(python3)
fi

# Debian packages bpftool on its own; Ubuntu ships it in linux-tools.
bpftool_packages=(bpftool)
if ! apt-cache show bpftool >/dev/null 2>&1 && grep -qi ubuntu /etc/os-release; then
  bpftool_packages=(linux-tools-common "linux-tools-$(uname -r)")
fi
command -v bpftool >/dev/null || [[ -x /usr/sbin/bpftool ]] || packages+=("${bpftool_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
