"""One real Zuul for the whole session (see harness.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, Zuul  # noqa: E402


@pytest.fixture(scope="session")
def zuul(tmp_path_factory):
    example = tmp_path_factory.mktemp("zuul-example")
    subprocess.run([str(ROOT / "examples" / "make-repos.sh"), str(example)], check=True,
                   capture_output=True)
    # PostgreSQL runs as user postgres: its state must not be under pytest's root-only tmp.
    # short path: the executor makes unix sockets below it (108-byte limit)
    home = tempfile.mkdtemp(prefix="zp-", dir="/var/tmp")
    os.chmod(home, 0o755)
    # the node's own files (sshd, home, /tmp, the jobs' work directory): outside home, which
    # the node does not see
    node = tempfile.mkdtemp(prefix="zp-node-", dir="/var/tmp")
    node_b = tempfile.mkdtemp(prefix="zp-node-b-", dir="/var/tmp")
    for path in (node, node_b):
        os.chmod(path, 0o755)
    server = Zuul(home, node, node_b)
    try:
        server.start(example)
        yield server
    finally:
        server.stop()
        keep = os.environ.get("ZUUL_PACKAGING_KEEP_LOGS")
        if keep:  # the build logs and the components' logs, for a failure's details
            for name in ("log-server", "logs"):
                shutil.copytree(Path(home) / name, Path(keep) / name, dirs_exist_ok=True)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(node, ignore_errors=True)
        shutil.rmtree(node_b, ignore_errors=True)
