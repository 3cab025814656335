# SPDX-License-Identifier: Apache-2.0
"""git helpers shared by the modules: one git command with a fixed environment, a checkout's
commit, and URL redaction for messages and reports."""

from __future__ import annotations

import os
import re
import subprocess

GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}

# scheme://userinfo@host...: the userinfo runs to the last '@' before the path, query or
# fragment (a password with a raw '@' is redacted whole).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s'\"]*@")


def git(*args, cwd=None):
    """(exit code, stdout, stderr) of one git command."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          env=dict(os.environ, **GIT_ENV))
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def redact_url(text):
    """text (a URL, or a message holding URLs) with every URL's userinfo replaced by *** (pure).

    >>> redact_url("https://user:s3cret@git.example.org/rpms/x.git")
    'https://***@git.example.org/rpms/x.git'
    """
    return _USERINFO.sub(r"\1***@", text or "")


def head(path):
    """The commit checked out at path ('' when there is none)."""
    if not os.path.isdir(path):
        return ""
    code, out, _ = git("rev-parse", "--verify", "--quiet", "--end-of-options", "HEAD", cwd=path)
    return out if code == 0 else ""
