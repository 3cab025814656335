from click.testing import CliRunner

import tinyconf
from tinyconf.cli import main


def test_show_and_get(tmp_path):
    (tmp_path / "a.toml").write_text("[server]\nport = 1\n")
    (tmp_path / "b.json").write_text('{"server": {"port": 2}}')
    files = [str(tmp_path / "a.toml"), str(tmp_path / "b.json")]
    runner = CliRunner()
    shown = runner.invoke(main, ["show", "--format", "yaml", *files])
    assert shown.exit_code == 0, shown.output
    assert shown.output == "server:\n  port: 2\n"
    got = runner.invoke(main, ["get", "server.port", *files])
    assert (got.exit_code, got.output) == (0, "2\n")


def test_get_unset_and_bad_file(tmp_path):
    (tmp_path / "a.yaml").write_text("a: [1\n")
    runner = CliRunner()
    assert runner.invoke(main, ["get", "nothing"]).exit_code == 1
    bad = runner.invoke(main, ["show", str(tmp_path / "a.yaml")])
    assert bad.exit_code == 1 and "a.yaml" in bad.output


def test_env_prefix(monkeypatch):
    monkeypatch.setenv("TC_NAME", "value")
    result = CliRunner().invoke(main, ["get", "--env-prefix", "TC_", "name"])
    assert result.output == "value\n"


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.output == "tinyconf, version %s\n" % tinyconf.__version__
