#!/usr/bin/env bash
# Turns an embedded example into git repositories under DEST (default build/example):
#   make-repos.sh [DEST] [greeter]  greeter, a shell script with a Makefile:
#     DEST/upstream      greeter, tagged v0.1.0, plus one commit after the tag
#     DEST/distgit-deb   debian/ for greeter (branch main)
#     DEST/distgit-rpm   greeter.spec (branch main)
#   make-repos.sh DEST tinyconf     tinyconf, a Python library (setuptools, pytest, Sphinx):
#     DEST/upstream      tinyconf, tagged v1.2.0, plus one commit after the tag
#     DEST/distgit-deb   debian/ of python-tinyconf, pybuild (branch main)
#     DEST/distgit-rpm   python-tinyconf.spec (branch main)
# Commit dates and identities are fixed, so the shas (and so the snapshot versions) are the
# same on every machine. Re-running recreates the same repositories.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/../build/example}
example=${2:-greeter}
case $example in
  greeter | tinyconf) ;;
  *) echo "make-repos.sh: no example named '$example' (greeter, tinyconf)" >&2; exit 2 ;;
esac
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

identity() { # name, email
  export GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2"
  export GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2"
}

commit() { # repo, message, date
  GIT_AUTHOR_DATE="$3" GIT_COMMITTER_DATE="$3" git -C "$1" commit -q -m "$2"
}

fresh() { # name, source directory
  rm -rf "${dest:?}/$1"
  mkdir -p "$dest/$1"
  cp -a "$2/." "$dest/$1/"
  git -C "$dest/$1" init -q -b main
  git -C "$dest/$1" add -A
}

greeter() {
  identity "Greeter Developers" "dev@greeter.example"
  fresh upstream "$here/greeter/upstream"
  commit "$dest/upstream" "Initial import of greeter" "2026-11-02T10:00:00Z"
  GIT_COMMITTER_DATE="2026-11-02T10:00:00Z" git -C "$dest/upstream" tag -a v0.1.0 -m "greeter 0.1.0"
  printf '\nRun `greeter NAME` to greet NAME.\n' >> "$dest/upstream/README.md"
  git -C "$dest/upstream" add README.md
  commit "$dest/upstream" "Document how to greet a name" "2026-11-03T10:00:00Z"

  fresh distgit-deb "$here/greeter/distgit-deb"
  commit "$dest/distgit-deb" "Initial packaging of greeter" "2026-11-02T11:00:00Z"

  fresh distgit-rpm "$here/greeter/distgit-rpm"
  commit "$dest/distgit-rpm" "Initial packaging of greeter" "2026-11-02T11:00:00Z"
}

tinyconf() {
  identity "Tinyconf Developers" "dev@tinyconf.example"
  fresh upstream "$here/tinyconf/upstream"
  commit "$dest/upstream" "Initial import of tinyconf" "2026-11-02T10:00:00Z"
  GIT_COMMITTER_DATE="2026-11-02T10:00:00Z" git -C "$dest/upstream" tag -a v1.2.0 -m "tinyconf 1.2.0"
  printf '\nThe `tinyconf path APP` command prints where the user configuration of APP is.\n' \
    >> "$dest/upstream/README.md"
  git -C "$dest/upstream" add README.md
  commit "$dest/upstream" "Document the path command" "2026-11-03T10:00:00Z"

  identity "Tinyconf Packagers" "packagers@tinyconf.example"
  fresh distgit-deb "$here/tinyconf/distgit-deb"
  commit "$dest/distgit-deb" "Initial packaging of python-tinyconf" "2026-11-02T11:00:00Z"

  fresh distgit-rpm "$here/tinyconf/distgit-rpm"
  commit "$dest/distgit-rpm" "Initial packaging of python-tinyconf" "2026-11-02T11:00:00Z"
}

"$example"
echo "example repositories in $dest: upstream distgit-deb distgit-rpm"
