#!/bin/sh
# Run inside the Containerfile's assemble stages (cwd /src: the workspace with one service's
# production dependencies installed): copies into /app only that service, the workspace
# packages it depends on (pnpm linked them into node_modules/@ic), their production
# node_modules, and what they read at run time (protos, Avro schemas, migrations, the
# libsecp256k1 addon, a page built into dist/). Tests, benches and test fakes stay behind.
set -eu
service="$1"
[ -d "services/$service" ] || { echo "no service $service" >&2; exit 1; }
keep="services/$service"
# Follows the @ic links transitively: a package's own workspace dependencies are linked in its node_modules.
changed=1
while [ "$changed" = 1 ]; do
  changed=0
  for pkg in $keep; do
    for link in "$pkg"/node_modules/@ic/*; do
      [ -e "$link" ] || continue
      dir="$(readlink -f "$link")"; dir="${dir#/src/}"
      case " $keep " in *" $dir "*) ;; *) keep="$keep $dir"; changed=1 ;; esac
    done
  done
done
for pkg in $keep; do
  mkdir -p "/app/$pkg"
  cp -a "$pkg/package.json" "/app/$pkg/"
  for part in src build dist migrations node_modules; do
    if [ -e "$pkg/$part" ]; then cp -a "$pkg/$part" "/app/$pkg/"; fi
  done
done
cp -a node_modules package.json proto schemas /app/
cp infra/containers/healthcheck.mjs /app/healthcheck.mjs
find /app -path /app/node_modules -prune -o \( -name '*.spec.ts' -o -name bench -o -name testing \) -prune -exec rm -rf {} +
echo "$keep" | tr ' ' '\n' > /app/.workspace-packages
