"""deb_distribution: names checked against the real distro-info-data."""

from __future__ import annotations

import pytest
from ansible.module_utils.zuul_packaging import deb_distribution as dd


@pytest.fixture(scope="module")
def known():
    return dd.known_codenames()


@pytest.mark.parametrize(("name", "vendor", "codename"), [
    ("bookworm", "debian", "bookworm"),
    ("bullseye", "debian", "bullseye"),
    ("sid", "debian", "sid"),
    ("unstable", "debian", "sid"),
    ("experimental", "debian", "experimental"),
    ("rc-buggy", "debian", "experimental"),
    ("noble", "ubuntu", "noble"),
    ("jammy", "ubuntu", "jammy"),
])
def test_known_names(known, name, vendor, codename):
    assert dd.classify(name, *known) == {"vendor": vendor, "codename": codename}


@pytest.mark.parametrize("name", ["bookwork", "Bookworm", "", "el9"])
def test_unknown_name_raises_naming_it(known, name):
    with pytest.raises(dd.DistributionError) as info:
        dd.classify(name, *known)
    assert str(info.value).startswith("unknown distribution %r:" % name)


def test_known_codenames_come_from_distro_info_data(known):
    debian, ubuntu = known
    assert {"buster", "bullseye", "bookworm", "sid"} <= debian
    assert {"focal", "jammy", "noble"} <= ubuntu
    assert not debian & {"noble", "jammy"}


def test_classify_is_pure():
    assert dd.classify("foo", {"foo"}, set()) == {"vendor": "debian", "codename": "foo"}
    assert dd.classify("foo", set(), {"foo"}) == {"vendor": "ubuntu", "codename": "foo"}
    with pytest.raises(dd.DistributionError, match="'foo'"):
        dd.classify("foo", set(), set())
