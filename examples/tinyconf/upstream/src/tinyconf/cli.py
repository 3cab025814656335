"""The tinyconf command: print a merged configuration or one of its keys."""

from __future__ import annotations

import sys

import click

from . import ConfigError, __version__, dump, load, user_config_path


@click.group()
@click.version_option(__version__, prog_name="tinyconf")
def main():
    """Read layered configuration files and print what they give."""


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["toml", "yaml", "json"]), default="toml",
              show_default=True, help="The format to print the configuration in.")
@click.option("--env-prefix", default=None, help="Read overrides from variables PREFIX<KEY>.")
def show(files, fmt, env_prefix):
    """Print the configuration FILES give, later files overriding earlier ones."""
    try:
        config = load(files, env_prefix=env_prefix, missing_ok=False)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    click.echo(dump(config.data, fmt), nl=False)


@main.command()
@click.argument("key")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--env-prefix", default=None, help="Read overrides from variables PREFIX<KEY>.")
def get(key, files, env_prefix):
    """Print the value of KEY (dotted: server.port); exit 1 when it is not set."""
    try:
        value = load(files, env_prefix=env_prefix, missing_ok=False).get(key)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    if value is None:
        click.echo("tinyconf: %s is not set" % key, err=True)
        sys.exit(1)
    click.echo(value)


@main.command()
@click.argument("app")
def path(app):
    """Print where the user's configuration file of APP is."""
    click.echo(user_config_path(app))


if __name__ == "__main__":  # pragma: no cover
    main()
