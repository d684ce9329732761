#!/usr/bin/env bash
# Builds the local stand-in for the official node:20-bookworm-slim image, for machines where no
# container registry answers (nothing can be pulled): Debian bookworm minbase from Debian's
# package mirror (debootstrap; the root file system is cached as a tarball), plus this machine's
# own Node.js 20 (binary, npm and corepack, in the official image's places under /usr/local) and
# the official image's user "node" (uid/gid 1000). Imported as $LOCAL_BASE_IMAGE into Podman's
# store, or Docker's with IC_CONTAINER_ENGINE=docker (podman import / docker import).
# Idempotent: does nothing when the image exists for this Node.js version and architecture.
# Prints the image name on stdout.
source "$(dirname "$0")/lib.sh"
ensure_engine

arch="$(dpkg --print-architecture 2>/dev/null || uname -m)"
node_bin="$(command -v node || true)"
[[ -n "$node_bin" ]] || die "no node on this machine: the local base image copies the machine's Node.js 20 (install Node.js 20, or build with a registry: --build-arg BASE_IMAGE=node:20-bookworm-slim)"
node_version="$("$node_bin" -v)"
[[ "$node_version" == v20.* ]] || die "this machine's Node.js is $node_version; the images need Node.js 20 (install it, or set IC_BASE_IMAGE to an image that has it)"
node_arch="$("$node_bin" -p process.arch)"
case "$arch:$node_arch" in
  amd64:x64 | arm64:arm64) ;;
  *) die "this machine's node is built for $node_arch but the system is $arch: the base image would not run it" ;;
esac

want="node-$node_version-$arch"
if [[ "$(engine image inspect --format '{{ index .Config.Labels "io.invoice-coordinator.base" }}' "$LOCAL_BASE_IMAGE" 2>/dev/null || true)" == "$want" ]]; then
  echo "$LOCAL_BASE_IMAGE"
  exit 0
fi

require_tool debootstrap "install Debian's debootstrap (apt-get install --no-install-recommends debootstrap)"
mirror="${IC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rootfs_tar="$CONTAINERS_CACHE/bookworm-minbase-$arch.tar"
work="$(mktemp -d "$CONTAINERS_CACHE/base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
if [[ ! -f "$rootfs_tar" ]]; then
  log "debootstrap: Debian bookworm minbase ($arch) from $mirror (about 2 minutes, once; cached in $rootfs_tar)"
  debootstrap --variant=minbase --arch="$arch" bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above); set IC_DEBIAN_MIRROR to a reachable Debian mirror"; }
  # The official slim image keeps no package lists or caches either.
  rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb
  tar -C "$work/root" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
else
  tar -C "$work/root" -xf "$rootfs_tar"
fi

log "adding this machine's Node.js $node_version to the base image"
node_modules="$(dirname "$(readlink -f "$node_bin")")/../lib/node_modules"
install -D -m 0755 "$(readlink -f "$node_bin")" "$work/root/usr/local/bin/node"
mkdir -p "$work/root/usr/local/lib/node_modules"
for m in npm corepack; do
  [[ -d "$node_modules/$m" ]] && cp -a "$node_modules/$m" "$work/root/usr/local/lib/node_modules/"
done
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/root/usr/local/bin/npx"
ln -sf ../lib/node_modules/corepack/dist/corepack.js "$work/root/usr/local/bin/corepack"
# The official image's user: node, uid/gid 1000.
grep -q '^node:' "$work/root/etc/group" || echo 'node:x:1000:' >> "$work/root/etc/group"
grep -q '^node:' "$work/root/etc/passwd" || echo 'node:x:1000:1000::/home/node:/bin/bash' >> "$work/root/etc/passwd"
mkdir -p "$work/root/home/node" && chown 1000:1000 "$work/root/home/node"

log "importing $LOCAL_BASE_IMAGE ($CONTAINER_ENGINE)"
tar -C "$work/root" -c . | engine import \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'CMD ["node"]' \
  --change "LABEL io.invoice-coordinator.base=$want" \
  --change "LABEL org.opencontainers.image.description=\"Debian bookworm minbase with Node.js $node_version (local stand-in for node:20-bookworm-slim)\"" \
  - "$LOCAL_BASE_IMAGE" >/dev/null
echo "$LOCAL_BASE_IMAGE"
