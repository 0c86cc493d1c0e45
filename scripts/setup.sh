#!/usr/bin/env bash
# Installs everything the tests and the local onboarding run need on a fresh Debian machine.
# Idempotent: skips what is already there. Venvs live in the checkout (.venv, .venv-pb).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}

log() { printf '\n== setup: %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  [ -n "${_APT_UPDATED:-}" ] || { apt-get update -qq; _APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# PostgreSQL server binaries (the image usually has them), rsync for the sanity copy.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then apt_install postgresql; fi
apt_install rsync git
if [ "${SETUP_CONTAINERS:-1}" = 1 ]; then
  apt_install podman runc debootstrap uidmap slirp4netns fuse-overlayfs
fi

if [ ! -x .venv/bin/ansible-playbook ]; then
  log "tool venv (.venv)"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/pip install -q -r tests/requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/ansible-playbook --version >/dev/null
fi

PB_VERSION=${PB_VERSION:-0.26.4}
if [ ! -x .venv-pb/bin/pb ]; then
  log "pb venv (.venv-pb, profiles-rudderstack==$PB_VERSION)"
  "$PY" -m venv .venv-pb
  .venv-pb/bin/pip install -q "profiles-rudderstack==$PB_VERSION" 2>&1 | grep -v '^WARNING: Location' || true
fi
(eval "$("$PY" scripts/pb_env.py)"; .venv-pb/bin/pb version | sed -n 1p)

# ansible-test creates venvs without pip and tries to download get-pip.py from a host this
# machine cannot reach; this stand-in bootstraps pip from ensurepip instead (FACTS.md).
GET_PIP=~/.ansible/test/cache/get_pip_24_2.py
if [ ! -f "$GET_PIP" ]; then
  mkdir -p "$(dirname "$GET_PIP")"
  cat > "$GET_PIP" <<'PY'
import subprocess, sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PY
fi

if [ "${SETUP_CONTAINERS:-1}" = 1 ] && [ -x scripts/build_images.sh ]; then
  bash scripts/build_images.sh
fi
log done
