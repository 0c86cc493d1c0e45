#!/usr/bin/env bash
# Builds what the molecule scenarios need, on a fresh Debian machine without a Docker registry:
#  - /etc/containers/containers.conf (runc, ulimits) if missing (docs/testing.md: rootful podman),
#  - Debian bookworm and trixie images made with debootstrap (what a laptop has: python3, sudo,
#    git, curl, CA certificates incl. this machine's extra CAs; python3-packaging for the pip
#    module under ansible-core 2.19),
#  - a bookworm image with dnf 4, its Python bindings, rpm and createrepo_c (Debian's packages), for
#    tests/integration/test_dnf_branch.py (the pyenv role's dnf branch run by the real dnf module),
#  - local mirrors served to the roles through their ordinary options:
#      pyenv.git             bare mirror of this machine's pyenv checkout   -> pyenv_git_url
#      pyenv-virtualenv.git  bare mirror of its pyenv-virtualenv plugin      -> pyenv_virtualenv_git_url
#      python/Python-3.11.2.tar.gz  Debian's orig tarball (byte-identical to python.org's .tgz)
#                                                                           -> pyenv_python_build_cache_path
#  - a pip cache shared by the fleet scenario's workstations (bind mount, owned by uid 1000, the
#    analysts' uid in every container)                                     -> profiles_pip_settings.cache_dir
# Idempotent: images and mirrors that exist are kept. Environment:
#   PROFILES_MOLECULE_MIRRORS (default /var/cache/rudderstack-profiles/molecule-mirrors)
#   PROFILES_MOLECULE_IMAGE   (default localhost/rudderstack-profiles-molecule)
#   PROFILES_MOLECULE_SUITES  (default "bookworm trixie")
#   PROFILES_DNF_IMAGE        (default localhost/rudderstack-profiles-dnf:bookworm)
#   PROFILES_MOLECULE_PIP_CACHE (default /var/cache/rudderstack-profiles/pip-cache)
set -euo pipefail

MIRRORS=${PROFILES_MOLECULE_MIRRORS:-/var/cache/rudderstack-profiles/molecule-mirrors}
IMAGE=${PROFILES_MOLECULE_IMAGE:-localhost/rudderstack-profiles-molecule}
SUITES=${PROFILES_MOLECULE_SUITES:-bookworm trixie}
PIP_CACHE=${PROFILES_MOLECULE_PIP_CACHE:-/var/cache/rudderstack-profiles/pip-cache}
# The Debian mirror this machine's apt already uses (first URI of its sources), unless given.
DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
[ -n "$DEBIAN_MIRROR" ] || DEBIAN_MIRROR=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$DEBIAN_MIRROR" ] || { echo "no Debian mirror found in apt sources: set DEBIAN_MIRROR"; exit 1; }
CPYTHON_VERSION=3.11.2    # what bookworm's python3.11 source package ships as its orig tarball
CPYTHON_SHA256=2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849  # python.org Python-3.11.2.tgz

log() { printf '== build_images: %s\n' "$*"; }
start=$SECONDS

# --- podman configuration -------------------------------------------------------------------
if [ ! -f /etc/containers/containers.conf ]; then
  log "writing /etc/containers/containers.conf"
  mkdir -p /etc/containers
  cat > /etc/containers/containers.conf <<'EOF'
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=1024:32768"]

[engine]
runtime = "runc"
EOF
fi

# --- images ---------------------------------------------------------------------------------
build_image() {
  local suite=$1 tag="$IMAGE:$1" root t0=$SECONDS
  if podman image exists "$tag"; then log "image $tag exists"; return 0; fi
  log "debootstrap $suite"
  root=$(mktemp -d "/var/tmp/profiles-$suite-XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$root'" RETURN
  debootstrap --variant=minbase \
    --include=python3,python3-apt,python3-packaging,sudo,ca-certificates,git,curl,xz-utils \
    "$suite" "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1 || { tail -20 "$root.log"; rm -f "$root.log"; return 1; }
  rm -f "$root.log"
  # This machine's extra CAs (egress proxy): without them nothing in the container reaches PyPI.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  chroot "$root" update-ca-certificates >/dev/null
  # Package lists stay (a laptop has them; apt's cache_valid_time trusts their age).
  chroot "$root" apt-get clean
  tar -C "$root" -c . | podman import -q -c 'CMD ["sleep", "infinity"]' - "$tag" >/dev/null
  log "image $tag built in $((SECONDS - t0)) s"
}
for suite in $SUITES; do build_image "$suite"; done

DNF_IMAGE=${PROFILES_DNF_IMAGE:-localhost/rudderstack-profiles-dnf:bookworm}
if podman image exists "$DNF_IMAGE"; then log "image $DNF_IMAGE exists"; else
  t0=$SECONDS
  c=$(podman run -d "$IMAGE:bookworm" sleep infinity)
  install='DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnf python3-dnf rpm createrepo-c >/dev/null'
  podman exec "$c" bash -c "{ $install || { apt-get update -qq && $install; }; } && apt-get clean" \
    || { podman rm -f -t 0 "$c" >/dev/null; exit 1; }
  podman commit -q "$c" "$DNF_IMAGE" >/dev/null
  podman rm -f -t 0 "$c" >/dev/null
  log "image $DNF_IMAGE built in $((SECONDS - t0)) s"
fi

# --- mirrors --------------------------------------------------------------------------------
mkdir -p "$MIRRORS/python"

# mirror_checkout SRC DEST: bare mirror of a git checkout; a plain directory becomes one commit.
mirror_checkout() {
  local src=$1 dest=$2
  if [ -d "$dest" ]; then log "mirror $dest exists"; return 0; fi
  if git -C "$src" rev-parse --git-dir >/dev/null 2>&1 && [ "$(git -C "$src" rev-parse --show-toplevel)" = "$(cd "$src" && pwd -P)" ]; then
    git clone -q --bare "file://$(cd "$src" && pwd -P)" "$dest"
  else
    local tmp; tmp=$(mktemp -d)
    cp -a "$src/." "$tmp/"
    rm -rf "$tmp/.git"
    git -C "$tmp" init -q -b master
    git -C "$tmp" add -A
    git -C "$tmp" -c user.name=build_images -c user.email=build_images@localhost commit -qm "snapshot of $src"
    git clone -q --bare "$tmp" "$dest"
    rm -rf "$tmp"
  fi
  # Served read-only to other users in the containers (the analyst clones it).
  chmod -R a+rX "$dest"
  log "mirror $dest: $(git --git-dir="$dest" rev-parse --short HEAD) ($(git --git-dir="$dest" describe --tags --always 2>/dev/null))"
}

PYENV_SRC=${PYENV_ROOT_SOURCE:-}
if [ -z "$PYENV_SRC" ]; then
  if command -v pyenv >/dev/null; then PYENV_SRC=$(pyenv root); else PYENV_SRC=$HOME/.pyenv; fi
fi
[ -x "$PYENV_SRC/bin/pyenv" ] || { echo "no pyenv checkout at $PYENV_SRC (set PYENV_ROOT_SOURCE)"; exit 1; }
mirror_checkout "$PYENV_SRC" "$MIRRORS/pyenv.git"
if [ -x "$PYENV_SRC/plugins/pyenv-virtualenv/bin/pyenv-virtualenv" ]; then
  mirror_checkout "$PYENV_SRC/plugins/pyenv-virtualenv" "$MIRRORS/pyenv-virtualenv.git"
else
  echo "no pyenv-virtualenv plugin under $PYENV_SRC/plugins"; exit 1
fi

TARBALL="$MIRRORS/python/Python-$CPYTHON_VERSION.tar.gz"
if [ ! -f "$TARBALL" ]; then
  log "fetching Debian's orig tarball of python3.11 ($CPYTHON_VERSION)"
  apt_dir=$(mktemp -d)
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/src"
  echo "deb-src $DEBIAN_MIRROR bookworm main" > "$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
            -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$apt_dir/src" && apt-get "${apt_opts[@]}" source --download-only -qq python3.11 >/dev/null)
  cp "$apt_dir/src/python3.11_$CPYTHON_VERSION.orig.tar.gz" "$TARBALL.tmp"
  # python-build accepts a cached tarball only with python.org's checksum (its 3.11.2 definition).
  echo "$CPYTHON_SHA256  $TARBALL.tmp" | sha256sum -c --quiet
  mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$apt_dir"
fi
chmod -R a+rX "$MIRRORS"
mkdir -p "$PIP_CACHE"
chown 1000:1000 "$PIP_CACHE"
log "mirrors in $MIRRORS ready; done in $((SECONDS - start)) s"
