#!/usr/bin/env bash
# Debian's chromium, for the operator console's browser test (playwright-core drives it; no
# browser is ever downloaded by a test tool). Idempotent: does nothing when /usr/bin/chromium is
# there. Needs root and apt-get; prints nothing on stdout.
source "$(dirname "$0")/lib.sh"
[[ -x /usr/bin/chromium ]] && exit 0
require_tool apt-get "the browser test uses Debian's chromium package; install chromium by hand and set IC_CHROMIUM=<path> elsewhere"
[[ "$(id -u)" == 0 ]] || die "installing chromium needs root (apt-get install -y --no-install-recommends chromium)"
log "installing Debian's chromium (for the operator console's browser test)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2 ||
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2; } ||
  die "installing chromium with apt-get failed (see above)"
