"""Layered configuration files with environment overrides.

The layers are read in order, each one overriding the keys of the ones before it; mappings
are merged key by key, every other value is replaced.
"""

from __future__ import annotations

import configparser
import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import platformdirs
import tomli_w
import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = [
    "Config",
    "ConfigError",
    "dump",
    "env_overrides",
    "format_for",
    "load",
    "merge",
    "parse",
    "user_config_path",
]
__version__ = "1.2.0"

FORMATS = {
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".ini": "ini",
    ".cfg": "ini",
    ".json": "json",
}


class ConfigError(ValueError):
    """A configuration that cannot be read, with the file it comes from."""


def format_for(path: str | os.PathLike) -> str:
    """The format of a configuration file, from its suffix.

    >>> format_for("app.yml")
    'yaml'
    """
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise ConfigError("%s: unknown configuration format %r" % (path, suffix)) from None


def parse(text: str, fmt: str, source: str = "<string>") -> dict[str, Any]:
    """The mapping a configuration text holds."""
    try:
        if fmt == "toml":
            data = tomllib.loads(text)
        elif fmt == "yaml":
            data = yaml.safe_load(text) or {}
        elif fmt == "json":
            data = json.loads(text)
        elif fmt == "ini":
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text, source=source)
            data = {name: dict(parser[name]) for name in parser.sections()}
        else:
            raise ConfigError("%s: unknown configuration format %r" % (source, fmt))
    except (tomllib.TOMLDecodeError, yaml.YAMLError, ValueError, configparser.Error) as error:
        if isinstance(error, ConfigError):
            raise
        raise ConfigError("%s: %s" % (source, error)) from error
    if not isinstance(data, dict):
        raise ConfigError("%s: the top level is a %s, not a mapping" % (source, type(data).__name__))
    return data


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A new mapping: base with override's keys on top, mappings merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def env_overrides(environ: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """The keys that environment variables named PREFIX<KEY> set; a double underscore nests
    (MYAPP_SERVER__PORT=80 is server.port = 80); values are read as YAML scalars."""
    found: dict[str, Any] = {}
    for name in sorted(environ):
        if not name.startswith(prefix) or name == prefix:
            continue
        path = name[len(prefix) :].lower().split("__")
        try:
            value = yaml.safe_load(environ[name])
        except yaml.YAMLError:
            value = environ[name]
        nested: Any = value
        for part in reversed(path):
            nested = {part: nested}
        found = merge(found, nested)
    return found


def user_config_path(app: str, name: str = "config.toml") -> Path:
    """Where the user's configuration file of app is (the platform's config directory)."""
    return Path(platformdirs.user_config_dir(app)) / name


def dump(data: Mapping[str, Any], fmt: str) -> str:
    """A configuration mapping written in fmt (toml, yaml or json)."""
    if fmt == "toml":
        return tomli_w.dumps(dict(data))
    if fmt == "yaml":
        return yaml.safe_dump(dict(data), sort_keys=True, default_flow_style=False)
    if fmt == "json":
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    raise ConfigError("cannot write the format %r" % fmt)


@attrs.frozen
class Config:
    """A merged configuration and the files it was read from."""

    data: dict[str, Any] = attrs.field(factory=dict)
    sources: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of a dotted key (server.port), or default."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def require_version(self, specifier: str, key: str = "version") -> Version:
        """The configuration's format version, checked against a specifier such as >=2,<3."""
        raw = self.get(key)
        if raw is None:
            raise ConfigError("no %s key in %s" % (key, ", ".join(self.sources) or "<data>"))
        try:
            version = Version(str(raw))
            wanted = SpecifierSet(specifier)
        except (InvalidVersion, InvalidSpecifier) as error:
            raise ConfigError(str(error)) from error
        if version not in wanted:
            raise ConfigError("%s %s is not %s" % (key, version, wanted))
        return version


def load(
    paths: Iterable[str | os.PathLike],
    env_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
    missing_ok: bool = True,
) -> Config:
    """Read the files in order (missing ones skipped when missing_ok), then the environment."""
    data: dict[str, Any] = {}
    sources = []
    for path in paths:
        path = Path(path).expanduser()
        if not path.exists() and missing_ok:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError("%s: %s" % (path, error.strerror)) from error
        data = merge(data, parse(text, format_for(path), str(path)))
        sources.append(str(path))
    if env_prefix:
        overrides = env_overrides(os.environ if environ is None else environ, env_prefix)
        if overrides:
            data = merge(data, overrides)
            sources.append("$%s*" % env_prefix)
    return Config(data, sources)
