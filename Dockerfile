# socket_exporter container image: the binary, the shared libraries it links and nothing else
# (no shell, no package manager), running as uid 65532 with file capabilities.
#
#   podman build --format docker -t socket_exporter .     # or: docker build -t socket_exporter .
#   podman run -d --name socket_exporter --network host --pid host --read-only --cap-drop ALL \
#     --cap-add BPF,PERFMON,NET_ADMIN,SYS_ADMIN,SYS_PTRACE,DAC_READ_SEARCH socket_exporter \
#     --netns=all                       # a sidecar: --netns=self and only BPF,PERFMON,NET_ADMIN
#
# --format docker keeps the HEALTHCHECK (the OCI image format has no field for it). What each
# capability is for, and what the exporter drops after start-up: docs/security.md#privileges.
# The BPF objects are built from the committed bpf/vmlinux/<arch>/vmlinux.h, so the build needs
# no kernel BTF; CO-RE relocates them against the running kernel's /sys/kernel/btf/vmlinux.
ARG BUILD_BASE=debian:bookworm
ARG RUNTIME_BASE=scratch

FROM ${BUILD_BASE} AS build
COPY tools/install-deps.sh /tmp/install-deps.sh
# libcap2-bin: setcap, for the file capabilities below.
RUN /tmp/install-deps.sh && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libcap2-bin \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
ARG VERSION=0.1.0
ARG REVISION=unknown
# libstdc++ stays shared: prometheus-cpp, spdlog, fmt and yaml-cpp are shared C++ libraries
# that load it anyway, and two copies of the C++ runtime in one process would not be safe.
# An architecture without a committed vmlinux.h (only x86_64 is committed) falls back to the
# build host's /sys/kernel/btf/vmlinux, and says so.
RUN vmlinux=/src/bpf/vmlinux/$(uname -m)/vmlinux.h; btf=-DSE_VMLINUX_H=$vmlinux; \
    if [ ! -f "$vmlinux" ]; then btf=; \
      echo "no bpf/vmlinux/$(uname -m)/vmlinux.h: using this build host's kernel BTF" >&2; fi; \
    cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSE_BUILD_TESTS=OFF -DSE_BUILD_BENCH=OFF -DSE_GIT_REVISION=${REVISION} $btf \
 && cmake --build /build --target socket_exporter \
 && cc -O2 -Wall -Wextra -o /build/se-healthcheck /src/deploy/container/healthcheck.c
# The runtime tree: both binaries, every library ldd names (the loader included) in Debian's
# merged-/usr layout, and the capabilities the exporter may use at start on its file. "+p", not
# "+ep": the exporter makes them effective itself, and gets only those the runtime grants (its
# bounding set); with +ep, exec would fail with EPERM unless the runtime granted all six.
RUN set -eu; root=/rootfs; \
    mkdir -p $root/usr/local/bin $root/usr/lib $root/usr/lib64 $root/tmp; \
    ln -s usr/lib $root/lib; ln -s usr/lib64 $root/lib64; chmod 1777 $root/tmp; \
    install -s -m 0755 /build/socket_exporter /build/se-healthcheck $root/usr/local/bin/; \
    for lib in $(ldd /build/socket_exporter | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do \
      dir=$(readlink -f "$(dirname "$lib")"); mkdir -p "$root$dir"; \
      cp -L "$lib" "$root$dir/$(basename "$lib")"; \
    done; \
    setcap cap_bpf,cap_perfmon,cap_net_admin,cap_sys_admin,cap_sys_ptrace,cap_dac_read_search+p \
      $root/usr/local/bin/socket_exporter; \
    getcap $root/usr/local/bin/socket_exporter; \
    chroot $root /usr/local/bin/socket_exporter --version

FROM ${RUNTIME_BASE}
ARG VERSION=0.1.0
ARG REVISION=unknown
# The repository has no licence file yet; SPDX NOASSERTION until it does (BPF code: its SPDX line).
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="socket_exporter" \
      org.opencontainers.image.description="Prometheus exporter for Linux TCP sockets, counted with eBPF" \
      org.opencontainers.image.source="https://github.com/socket-exporter/socket_exporter" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="${LICENSES}"
COPY --from=build /rootfs/ /
# 65532: the "nonroot" user of distroless images; no /etc/passwd entry is needed.
USER 65532:65532
EXPOSE 9976
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/se-healthcheck", "127.0.0.1:9976"]
ENTRYPOINT ["/usr/local/bin/socket_exporter"]
