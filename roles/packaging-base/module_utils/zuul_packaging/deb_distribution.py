# SPDX-License-Identifier: Apache-2.0
"""Check a Debian or Ubuntu distribution name against distro-info-data."""

from __future__ import annotations

DEBIAN_ALIASES = {"unstable": "sid", "rc-buggy": "experimental"}


class DistributionError(Exception):
    """An unknown distribution name."""


def classify(name, debian_codenames, ubuntu_codenames):
    """Vendor and codename of name, given the known codenames (pure)."""
    codename = DEBIAN_ALIASES.get(name, name)
    if codename in debian_codenames:
        return {"vendor": "debian", "codename": codename}
    if codename in ubuntu_codenames:
        return {"vendor": "ubuntu", "codename": codename}
    raise DistributionError(
        "unknown distribution %r: not a Debian or Ubuntu codename in distro-info-data" % name)


def known_codenames():
    import distro_info

    return set(distro_info.DebianDistroInfo().all), set(distro_info.UbuntuDistroInfo().all)
