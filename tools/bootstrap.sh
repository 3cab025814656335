#!/usr/bin/env bash
# Installs what `make run` and `make test` need on a Debian 12 machine, idempotently:
# Debian packages with apt-get (only the missing ones), subordinate id ranges for the
# building user, and the Python venv (.venv) from tools/requirements.txt. The venv is
# rebuilt when the requirements file or the system Python changes (stamp holds both).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${ZUUL_PACKAGING_CACHE:-$HOME/.cache/zuul-packaging}
venv=${ZUUL_PACKAGING_VENV:-$here/.venv}

apt_packages=(
  # deb pipeline
  sbuild mmdebstrap uidmap lintian reprepro devscripts dpkg-dev fakeroot python3-debian
  python3-apt arch-test distro-info-data
  # rpm pipeline
  rpm rpm2cpio createrepo-c dnf rpmlint python3-rpm
  # common
  git gnupg make python3-venv ca-certificates cpio bzip2 xz-utils python3-distro-info
  # publishing to a repository host over ssh (and its tests: sshd, an HTTP server)
  openssh-client rsync openssh-server nginx-light
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# sbuild --chroot-mode=unshare and mmdebstrap --mode=unshare need subordinate ids.
user=$(id -un)
for f in /etc/subuid /etc/subgid; do
  if ! grep -q "^${user}:" "$f" 2>/dev/null; then
    echo "bootstrap: adding ${user}:100000:65536 to $f"
    echo "${user}:100000:65536" | "${sudo_cmd[@]}" tee -a "$f" >/dev/null
  fi
done

# The venv uses Debian's python3 with system site packages, so that the rpm and apt
# bindings from Debian packages are importable next to PyPI's specfile.
stamp="$(sha256sum "$here/tools/requirements.txt" | cut -c1-16)-$(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])')"
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "bootstrap: creating $venv"
  rm -rf "$venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  log=$(mktemp)
  if ! { PIP_CACHE_DIR="$cache/pip" "$venv/bin/pip" install -q --upgrade pip &&
         PIP_CACHE_DIR="$cache/pip" "$venv/bin/pip" install -q -r "$here/tools/requirements.txt"; } >"$log" 2>&1; then
    grep -v '^WARNING: Location' "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  echo "$stamp" > "$venv/.stamp"
fi
