"""The redact_url filter (packaging-base's filter_plugins/), which the roles use for every
repository URL they print, report or return."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "roles" / "packaging-base" / "filter_plugins"))
from redact_url import FilterModule, redact_url  # noqa: E402


@pytest.mark.parametrize(("url", "shown"), [
    ("https://user:token@repos.example.org/deb", "https://***@repos.example.org/deb"),
    ("https://token@repos.example.org:8443/rpm?x=1#y", "https://***@repos.example.org:8443/rpm?x=1#y"),
    ("http://a@b:c@host/x", "http://***@host/x"),  # a raw '@' in the password
    ("https://repos.example.org/deb", "https://repos.example.org/deb"),
    ("file:///srv/repos/deb", "file:///srv/repos/deb"),
    ("/srv/repos/deb/bookworm/current", "/srv/repos/deb/bookworm/current"),
    ("", ""),
    (None, ""),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_the_filter_is_registered():
    assert FilterModule().filters() == {"redact_url": redact_url}
