#!/usr/bin/env bash
# Prepares what `sam local` needs to run our python3.12 functions: a running Docker daemon and
# the Lambda base image SAM CLI looks up (public.ecr.aws/lambda/python:3.12-<arch>).
#
#   scripts/sam-base-image.sh [--install-docker]
#
# Docker: used if it answers; started (dockerd --iptables=false) if installed but not running;
# installed from Debian's docker.io with --install-docker (as root, where apt-get works).
# Image: kept when already tagged (the build is cached); else pulled from public.ecr.aws; where no
# registry is reachable, built locally as its equivalent: a minimal Debian root filesystem
# (debootstrap --variant=minbase), the machine's pyenv Python 3.12 copied in (much faster than
# compiling), awslambdaric and boto3 from PyPI, and /var/runtime/bootstrap, which SAM CLI's
# runtime interface emulator starts for every invocation.
#
# Exit codes: 0 ready; 3 Docker cannot be had here (one line on stderr says why); 1 other errors.
set -euo pipefail

ARCH="${SAM_ARCH:-$(uname -m)}"
case "$ARCH" in
  x86_64 | amd64) ARCH=x86_64 DEB_ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 DEB_ARCH=arm64 ;;
  *) echo "sam-local: unsupported architecture $ARCH" >&2; exit 1 ;;
esac
IMAGE="${SAM_BASE_IMAGE:-public.ecr.aws/lambda/python:3.12-$ARCH}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/u22a8/sam-base-image-$ARCH"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/u22a8-dockerd.log}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Shared libraries of CPython's extension modules (ssl, ctypes, sqlite3, bz2, lzma, readline...).
DEBIAN_LIBS="ca-certificates,libssl3,libffi8,libsqlite3-0,libbz2-1.0,liblzma5,zlib1g,libreadline8,libncursesw6,libuuid1,libexpat1"

say() { echo "sam-local: $*" >&2; }
no_docker() {
  echo "!!! NO DOCKER: $* - sam local, and the SAM CLI gateway tests, cannot run here !!!" >&2
  exit 3
}

docker_answers() { docker info >/dev/null 2>&1; }

# Debian packages, as root; the package lists are refreshed only when the first try fails.
apt_install() {
  [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 || return 1
  say "installing $* (apt-get)"
  local install=(apt-get install -y --no-install-recommends "$@")
  DEBIAN_FRONTEND=noninteractive "${install[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive "${install[@]}" >/dev/null 2>&1; }
}

start_docker() {
  docker_answers && return 0
  if ! command -v dockerd >/dev/null 2>&1; then
    if [[ "${1:-}" == "--install-docker" ]]; then
      apt_install docker.io || no_docker "Docker is not installed and apt-get could not install it"
    else
      no_docker "Docker is not installed (Debian: apt-get install docker.io)"
    fi
  fi
  command -v docker >/dev/null 2>&1 || no_docker "the docker client is missing"
  [[ "$(id -u)" == 0 ]] || no_docker "the Docker daemon is not running, and only root can start it"
  say "starting dockerd (log: $DOCKERD_LOG)"
  # No iptables: the machine may not allow it. Containers reach the host (and moto on it) directly
  # over the default bridge's gateway address, which needs no NAT.
  setsid nohup dockerd --iptables=false >>"$DOCKERD_LOG" 2>&1 &
  for _ in $(seq 1 60); do
    docker_answers && return 0
    sleep 0.5 # waiting for the daemon's socket, bounded (30 s)
  done
  no_docker "dockerd did not start (see $DOCKERD_LOG)"
}

pyenv_python() {
  local found
  found=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.* 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$found" && -x "$found/bin/python3.12" ]] || { say "no pyenv Python 3.12 to copy"; exit 1; }
  echo "$found"
}

build_local_image() {
  local python root site
  python=$(pyenv_python)
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap ||
    { say "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
  root="$CACHE/rootfs"
  if [[ ! -f "$CACHE/rootfs.done" ]]; then
    say "building a minimal Debian root filesystem in $root (a few minutes, once)"
    rm -rf "$root" && mkdir -p "$root"
    debootstrap --variant=minbase --arch="$DEB_ARCH" --include="$DEBIAN_LIBS" bookworm "$root" \
      "$DEBIAN_MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
      { say "debootstrap failed (see $CACHE/debootstrap.log)"; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    touch "$CACHE/rootfs.done"
  fi
  say "copying $python into the image, with awslambdaric and boto3"
  # The same path inside, because a pyenv build has its prefix compiled in.
  rm -rf "$root$python" && mkdir -p "$root$python"
  tar -C "$python" --exclude=./lib/python3.12/test --exclude=./lib/python3.12/idlelib \
    --exclude=./lib/python3.12/tkinter --exclude=./lib/python3.12/turtledemo \
    --exclude='./lib/python3.12/site-packages/*' -cf - . | tar -C "$root$python" -xf -
  ln -sf "$python/bin/python3.12" "$root/usr/local/bin/python3.12"
  ln -sf python3.12 "$root/usr/local/bin/python3"
  site="$root$python/lib/python3.12/site-packages"
  PIP_ROOT_USER_ACTION=ignore "$python/bin/python3.12" -m pip install --quiet --no-compile \
    --disable-pip-version-check --target "$site" awslambdaric boto3 >"$CACHE/pip.log" 2>&1 ||
    { say "pip install awslambdaric boto3 failed (see $CACHE/pip.log)"; exit 1; }
  mkdir -p "$root/var/runtime" "$root/var/task" "$root/opt"
  cat >"$root/var/runtime/bootstrap" <<'EOF'
#!/bin/sh
# The python3.12 runtime: the function's code, then the layers, then the runtime's own packages.
export PYTHONPATH="/var/task:/opt/python:/opt/python/lib/python3.12/site-packages${PYTHONPATH:+:$PYTHONPATH}"
export LAMBDA_TASK_ROOT="${LAMBDA_TASK_ROOT:-/var/task}"
cd /var/task
exec /usr/local/bin/python3.12 -m awslambdaric "$_HANDLER"
EOF
  chmod 755 "$root/var/runtime/bootstrap"
  say "importing $IMAGE"
  tar -C "$root" -cf - . | docker import \
    --change "ENV LANG=C.UTF-8 TZ=:/etc/localtime PATH=/usr/local/bin:/usr/bin:/bin LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime" \
    --change "WORKDIR /var/task" \
    --change 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
    - "$IMAGE" >/dev/null
}

main() {
  start_docker "${1:-}"
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "$IMAGE is ready (cached)"
    return 0
  fi
  if timeout 60 docker pull "${IMAGE%-"$ARCH"}" >/dev/null 2>&1; then
    docker tag "${IMAGE%-"$ARCH"}" "$IMAGE"
    say "$IMAGE pulled"
    return 0
  fi
  say "public.ecr.aws is not reachable: building the local equivalent of $IMAGE"
  mkdir -p "$CACHE"
  build_local_image
  say "$IMAGE is ready"
}

main "$@"
