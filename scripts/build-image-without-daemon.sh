#!/usr/bin/env bash
# Builds the Dockerfile without a Docker daemon, with buildah, then proves the image works:
# `syncbot --help`, `syncbot serve` on SQLite answering the image's own HEALTHCHECK, as a
# user that is not root, with no source or pip left in it. Needs root and Debian's buildah
# (and debootstrap for the local base): apt-get install -y buildah debootstrap.
#
#   scripts/build-image-without-daemon.sh              # local Debian base (no registry)
#   BASE_IMAGE=docker.io/library/python:3.11-slim-bookworm@sha256:... scripts/build-...sh
#   POSTGRES_URL=postgres://USER@127.0.0.1:5432/EMPTY_DB scripts/build-...sh   # + compose's roles
#   SKIP_BUILD=1 scripts/build-...sh                   # check the image already built
#
# Without BASE_IMAGE the base is made here: `debootstrap bookworm` with Debian's python3
# (3.11, as in the official image), committed as localhost/debian-python-base. That is for
# machines that cannot reach a registry; the Dockerfile's default is the official image.
# Storage is vfs and isolation chroot, which need neither overlayfs nor user namespaces;
# the format is docker because the OCI image format has no HEALTHCHECK.
set -euo pipefail
cd "$(dirname "$0")/.."

work="${SYNCBOT_IMAGE_WORK:-/tmp/syncbot-image}"
image="${IMAGE:-localhost/syncbot:dev}"
port="${PORT:-8000}"
bah=(buildah --storage-driver vfs)
mkdir -p "$work"

if [ -z "${BASE_IMAGE:-}" ]; then
    BASE_IMAGE=localhost/debian-python-base
    if ! "${bah[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
        echo "== making $BASE_IMAGE with debootstrap"
        rootfs="$work/rootfs"
        if [ ! -x "$rootfs/usr/bin/python3" ]; then
            debootstrap --variant=minbase \
                --include=python3,python3-venv,python-is-python3,ca-certificates \
                bookworm "$rootfs" http://deb.debian.org/debian
        fi
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
        # Behind a TLS-intercepting proxy the host trusts extra CAs: so must the base, or pip
        # cannot reach the index. pip reads its own bundle unless PIP_CERT names one.
        extra_cas=(/usr/local/share/ca-certificates/*.crt)
        if [ -e "${extra_cas[0]}" ]; then
            cp "${extra_cas[@]}" "$rootfs/usr/local/share/ca-certificates/"
            chroot "$rootfs" update-ca-certificates
        fi
        base="$("${bah[@]}" from scratch)"
        mount="$("${bah[@]}" mount "$base")"
        cp -a "$rootfs"/. "$mount"/   # cp -a keeps owners, modes and links
        "${bah[@]}" umount "$base"
        "${bah[@]}" config --env LANG=C.UTF-8 --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
            --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            --cmd python3 "$base"
        "${bah[@]}" commit --rm "$base" "$BASE_IMAGE"
    fi
fi

if [ -z "${SKIP_BUILD:-}" ]; then
    echo "== building $image on $BASE_IMAGE"
    start=$(date +%s)
    nice -n 10 "${bah[@]}" bud --isolation chroot --format docker \
        --build-arg BASE_IMAGE="$BASE_IMAGE" --tag "$image" .
    echo "built in $(($(date +%s) - start)) s"
fi
"${bah[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -E "syncbot|debian-python-base"

echo "== running it"
ctr="$("${bah[@]}" from "$image")"
running=()
stop_all() {
    for pid in "${running[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${running[@]}"; do wait "$pid" || true; done
    running=()
}
cleanup() {
    stop_all
    "${bah[@]}" rm "$ctr" >/dev/null
}
trap cleanup EXIT
in_image=("${bah[@]}" run --isolation chroot "$ctr" --)
inside() { "${in_image[@]}" "$@"; }
# A process in the background is started as buildah itself, so that its pid is buildah's:
# buildah passes SIGTERM on to the process in the container.

inside syncbot --help >/dev/null
echo "syncbot --help: ok"
echo "user: $(inside id -u):$(inside id -g) ($(inside id -un))"
test "$(inside id -u)" != 0 || { echo "FAIL: the image runs as root"; exit 1; }
inside sh -c 'test ! -e /src && test ! -e /wheels && ! command -v pip'
echo "no /src, /wheels or pip in the runtime image: ok"
inside python -c 'import syncbot, connectors; print("syncbot from", syncbot.__file__)'

# chroot isolation shares the host's network: the port must be free on this machine.
"${in_image[@]}" syncbot serve --host 127.0.0.1 --port "$port" &
running+=($!)
# The image's own HEALTHCHECK command, as configured (its port adjusted to $port).
health="$("${bah[@]}" inspect --type image --format '{{index .Docker.Config.Healthcheck.Test 3}}' "$image")"
health="${health//:8000\//:$port/}"
for _ in $(seq 60); do
    if inside python -c "$health" 2>/dev/null; then break; fi
    sleep 1
done
inside python -c "$health"
echo "HEALTHCHECK ($health): ok"
inside python -c "import urllib.request; print('/healthz:', urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=4).read().decode())"
inside python -c "import urllib.request; print('/readyz:', urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=4).read().decode())"
# The database serve created belongs to the image's user, which is not root.
inside sh -c 'ls -ln /data; owner="$(stat -c %u /data/syncbot.db)"; test "$owner" = "$(id -u)" && test "$owner" != 0'
echo "serve ran as uid $(inside id -u): ok"
stop_all

# compose.yaml's roles without compose: on PostgreSQL, `migrate`, then two
# `serve --no-scheduler` and one `worker`; the worker, and only it, leads the scheduler.
if [ -n "${POSTGRES_URL:-}" ]; then
    echo "== compose's roles on PostgreSQL"
    on_pg=(env SYNCBOT_DATABASE_URL="$POSTGRES_URL")
    inside "${on_pg[@]}" syncbot migrate
    for web in 1 2; do
        "${in_image[@]}" "${on_pg[@]}" syncbot serve --no-scheduler --host 127.0.0.1 \
            --port $((port + web)) >"$work/web-$web.log" 2>&1 &
        running+=($!)
    done
    "${in_image[@]}" "${on_pg[@]}" syncbot worker >"$work/worker.log" 2>&1 &
    running+=($!)
    for web in 1 2; do
        ready="import urllib.request; urllib.request.urlopen('http://127.0.0.1:$((port + web))/readyz', timeout=4)"
        for _ in $(seq 60); do inside python -c "$ready" 2>/dev/null && break; sleep 1; done
        inside python -c "$ready"
        echo "serve --no-scheduler on $((port + web)): /readyz ok"
    done
    for _ in $(seq 60); do grep -q '"leading: ' "$work/worker.log" && break; sleep 1; done
    grep '"leading: ' "$work/worker.log"
    if grep -q '"leading: ' "$work"/web-*.log; then echo "FAIL: a web process leads"; exit 1; fi
    echo "the worker leads the scheduler, no web process does: ok"
fi
