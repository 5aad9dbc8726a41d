#!/usr/bin/env bash
# Sourced by tools/infra/ensure-*.sh: `apt_install <package>...` installs Debian packages as root
# without letting their scripts start system-wide daemons (the project starts its own), and exits
# with a message naming the packages when it cannot. Output goes to stderr.
apt_install() {
  [ "$#" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "[apt-install] ERROR: missing $*. Install them (Debian/Ubuntu: sudo apt-get install -y $*) and run again." >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "[apt-install] ERROR: missing $* and there is no apt-get here: install them with your package manager." >&2
    exit 1
  fi
  local created_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
  fi
  echo "[apt-install] installing $* (apt-get)" >&2
  local status=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  } >&2 || status=$?
  [ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
  if [ "$status" -ne 0 ]; then
    echo "[apt-install] ERROR: apt-get install $* failed (exit $status)" >&2
    exit 1
  fi
}
