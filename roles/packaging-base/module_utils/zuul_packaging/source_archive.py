# SPDX-License-Identifier: Apache-2.0
"""The upstream source archive of one commit, with its git submodules.

`git archive` leaves submodules out: their directories come out empty. An upstream that
vendors code as submodules would then build from an incomplete tarball (or fail at build
time far from the cause). `write_archive` writes the superproject's archive and, when the
commit has submodules (gitlinks, recursively), appends each submodule's own `git archive` of
the commit the superproject records, under its path, into one tarball.

The submodules must be present in the checkout at that commit's objects (`git submodule
update --init --recursive` makes them so; `init_submodules` runs it, with git's own protocol
policy: no `ext::`, no local `file://` unless the node's git config allows it). A missing one
fails with one line naming its path and commit.

Without submodules the output is exactly `git archive`'s, byte for byte, so existing
tarballs do not change. With submodules the tarball is reproducible: members in order,
git's own mtimes, gzip/xz/bz2 headers without a timestamp."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import subprocess
import tarfile

from ansible.module_utils.zuul_packaging.git import GIT_ENV, git

GITLINK = "160000"
COMPRESSORS = {
    "tar": None,
    "tar.gz": "gz",
    "tgz": "gz",
    "tar.xz": "xz",
    "tar.bz2": "bz2",
}


class ArchiveError(Exception):
    """A submodule that cannot be archived or a failed git archive, named in one line."""


def parse_gitlinks(ls_tree_output):
    """[(path, commit)] of the gitlinks in `git ls-tree -r -z` output (pure)."""
    found = []
    for entry in ls_tree_output.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[0] == GITLINK and parts[1] == "commit":
            found.append((path, parts[2]))
    return found


def gitlinks(repo, commit):
    """[(path, commit)] of the submodules recorded in commit's tree."""
    code, out, err = _git_raw("ls-tree", "-r", "-z", "--end-of-options", commit, cwd=repo)
    if code != 0:
        raise ArchiveError("git ls-tree of %s in %s failed: %s" % (
            commit, repo, err or "no output"))
    return parse_gitlinks(out)


def _git_raw(*args, cwd=None):
    # ls-tree -z output must keep its trailing NULs and tabs: no strip
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                          env=dict(os.environ, **GIT_ENV))
    return (proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"),
            proc.stderr.decode("utf-8", "replace").strip())


def has_commit(repo, commit):
    code, _, _ = git("cat-file", "-e", "--end-of-options", commit + "^{commit}", cwd=repo)
    return code == 0


def submodule_tree(repo, commit, init=False, prefix=""):
    """[(path relative to the top, repository dir, commit)] of every submodule, recursively;
    raises naming the first one that is not checked out with its commit."""
    found = []
    links = gitlinks(repo, commit)
    if links and init:
        code, _, err = git("submodule", "update", "--init", "--recursive", cwd=repo)
        if code != 0:
            raise ArchiveError("git submodule update --init --recursive in %s failed: %s" % (
                repo, " | ".join(err.splitlines()[-2:]) or "no output"))
    for path, sub_commit in links:
        sub_repo = os.path.join(repo, path)
        shown = prefix + path
        if not os.path.exists(os.path.join(sub_repo, ".git")) or not has_commit(sub_repo,
                                                                                 sub_commit):
            raise ArchiveError(
                "upstream submodule %s (commit %s) is not checked out in %s; run `git "
                "submodule update --init --recursive` there (the source archive must hold "
                "it)" % (shown, sub_commit[:12], repo))
        found.append((shown, sub_repo, sub_commit))
        found.extend(submodule_tree(sub_repo, sub_commit, False, shown + "/"))
    return found


def _tar_of(repo, commit, prefix):
    argv = ["git", "-C", repo, "archive", "--format=tar"]
    if prefix:
        argv.append("--prefix=%s" % prefix)
    argv += ["--end-of-options", commit]
    proc = subprocess.run(argv, capture_output=True, check=False,
                          env=dict(os.environ, **GIT_ENV))
    if proc.returncode != 0:
        raise ArchiveError("git archive of %s in %s failed: %s" % (
            commit[:12], repo, proc.stderr.decode("utf-8", "replace").strip() or "no output"))
    return proc.stdout


def _compress(data, kind):
    if kind is None:
        return data
    if kind == "gz":
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
            handle.write(data)
        return buffer.getvalue()
    if kind == "xz":
        return lzma.compress(data)
    return bz2.compress(data)


def merged_tar(parts, rename=None):
    """One tar (bytes) of the members of several tars, in order, later paths not repeated.

    rename(name) -> new name, or None to leave the member out (default: keep every member)."""
    out = io.BytesIO()
    seen = set()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as merged:
        for data in parts:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as part:
                if part.pax_headers.get("comment") and not merged.pax_headers:
                    merged.pax_headers = {"comment": part.pax_headers["comment"]}
                for member in part.getmembers():
                    name = rename(member.name) if rename else member.name
                    if name is None:
                        continue
                    if name in seen and member.isdir():
                        continue  # the submodule's directory, empty in the superproject
                    seen.add(name)
                    fileobj = part.extractfile(member) if member.isfile() else None
                    member.name = name
                    merged.addfile(member, fileobj)
    return out.getvalue()


def _under(name, top):
    """name relative to top ('' for top itself), or None when name is not under it (pure)."""
    name = name.rstrip("/")
    if name == top:
        return ""
    if name.startswith(top + "/"):
        return name[len(top) + 1:]
    return None


def excluding(prefix, exclude):
    """A merged_tar rename that leaves out prefix+path and everything under it, for each
    path of exclude (pure)."""
    tops = [prefix + path.strip("/") for path in exclude]

    def rename(name):
        return None if any(_under(name, top) is not None for top in tops) else name
    return rename


def rerooted(subdir, prefix):
    """A merged_tar rename that keeps what is under subdir, moved under prefix (pure)."""
    def rename(name):
        rest = _under(name, subdir.strip("/"))
        if rest is None:
            return None
        return (prefix + rest) if rest else (prefix.rstrip("/") or None)
    return rename


def _all_parts(repo, commit, prefix, subs):
    parts = [_tar_of(repo, commit, prefix)]
    parts += [_tar_of(sub_repo, sub_commit, prefix + path + "/")
              for path, sub_repo, sub_commit in subs]
    return parts


def _write(output, data, fmt):
    with open(output, "wb") as handle:
        handle.write(_compress(data, COMPRESSORS[fmt]))


def write_archive(repo, commit, output, fmt="tar.gz", prefix="", init_submodules=False,
                  exclude=()):
    """Write the archive of commit (prefix: the top directory with its trailing '/', or '');
    return the submodule paths it includes. exclude: paths (relative to the top) left out
    with everything under them (gbp leaves a component's directory out of the main
    tarball)."""
    subs = submodule_tree(repo, commit, init_submodules)
    if not subs and not exclude:
        argv = ["-c", "tar.tar.xz.command=xz -c", "-c", "tar.tar.bz2.command=bzip2 -c",
                "-C", repo, "archive", "--format=" + fmt, "--output=" + output]
        if prefix:
            argv.append("--prefix=%s" % prefix)
        code, _, err = git(*argv, "--end-of-options", commit)
        if code != 0:
            raise ArchiveError("git archive of %s in %s failed: %s" % (
                commit[:12], repo, " | ".join(err.splitlines()[-2:]) or "no output"))
        return []
    if fmt not in COMPRESSORS:
        raise ArchiveError("the upstream has submodules (%s); a %s source archive cannot hold "
                           "them, use a tar format" % (subs[0][0], fmt) if subs else
                           "a %s source archive cannot leave paths out, use a tar format" % fmt)
    _write(output, merged_tar(_all_parts(repo, commit, prefix, subs),
                              excluding(prefix, exclude) if exclude else None), fmt)
    return [path for path, _, _ in subs]


def write_subtree_archive(repo, commit, subdir, output, fmt="tar.gz", prefix="",
                          init_submodules=False):
    """Write the archive of the directory subdir of commit (with the submodules under it),
    its members moved under prefix (gbp's additional component tarballs); return the
    submodule paths the whole commit has. Raises when commit has no such directory."""
    if fmt not in COMPRESSORS:
        raise ArchiveError("a %s archive cannot hold a subdirectory, use a tar format" % fmt)
    code, out, _ = git("cat-file", "-t", "--end-of-options",
                       "%s:%s" % (commit, subdir.strip("/")), cwd=repo)
    if code != 0 or out != "tree":
        raise ArchiveError("the upstream tree of %s has no directory %s" % (commit[:12], subdir))
    subs = submodule_tree(repo, commit, init_submodules)
    _write(output, merged_tar(_all_parts(repo, commit, "", subs), rerooted(subdir, prefix)), fmt)
    return [path for path, _, _ in subs]
