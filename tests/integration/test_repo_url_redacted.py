"""Credentials in packaging_repo_url (https://user:token@host/...) reach no message, log,
report or artifact of a successful build: the roles show repository URLs redacted."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import play, rpm_vars

SECRET = "r3p0T0k3nX"


def test_credentials_in_the_repository_url_are_redacted(example, tmp_path):
    url = "https://user:%s@127.0.0.1:9/repos" % SECRET
    result = play("build-rpm.yaml", rpm_vars(example, tmp_path, packaging_repo_url=url),
                  callback="default")
    assert result.rc == 0, result.output[-3000:]
    assert SECRET not in result.output
    leaks = [Path(top, name) for top, _dirs, names in os.walk(tmp_path) for name in names
             if SECRET.encode() in Path(top, name).read_bytes()]
    assert leaks == []
    # the redacted URL is what the user reads
    assert "cannot read https://***@127.0.0.1:9/repos/rpm/" in result.output
