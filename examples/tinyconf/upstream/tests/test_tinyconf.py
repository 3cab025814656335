import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyconf

keys = st.text(alphabet="abcdefghij", min_size=1, max_size=4)
leaves = st.one_of(st.integers(), st.booleans(), st.text(max_size=8))
trees = st.recursive(leaves, lambda children: st.dictionaries(keys, children, max_size=4),
                     max_leaves=12)
mappings = st.dictionaries(keys, trees, max_size=5)


@pytest.mark.parametrize("name, fmt", [("a.toml", "toml"), ("b.YML", "yaml"),
                                       ("c.cfg", "ini"), ("d.json", "json")])
def test_format_for(name, fmt):
    assert tinyconf.format_for(name) == fmt


def test_format_for_unknown():
    with pytest.raises(tinyconf.ConfigError, match="unknown configuration format '.txt'"):
        tinyconf.format_for("notes.txt")


def test_parse_each_format():
    assert tinyconf.parse("[server]\nport = 80\n", "toml") == {"server": {"port": 80}}
    assert tinyconf.parse("server:\n  port: 80\n", "yaml") == {"server": {"port": 80}}
    assert tinyconf.parse('{"server": {"port": 80}}', "json") == {"server": {"port": 80}}
    assert tinyconf.parse("[server]\nport = 80\n", "ini") == {"server": {"port": "80"}}
    assert tinyconf.parse("", "yaml") == {}


def test_parse_errors_name_the_source():
    with pytest.raises(tinyconf.ConfigError, match="^app.toml: "):
        tinyconf.parse("[server\n", "toml", "app.toml")
    with pytest.raises(tinyconf.ConfigError, match="top level is a list"):
        tinyconf.parse("- 1\n", "yaml", "app.yaml")


def test_merge_nested():
    base = {"server": {"host": "a", "port": 1}, "debug": False}
    assert tinyconf.merge(base, {"server": {"port": 2}}) == {
        "server": {"host": "a", "port": 2}, "debug": False}
    assert base["server"]["port"] == 1


@given(mappings, mappings)
def test_merge_keeps_every_key_and_override_wins(base, override):
    merged = tinyconf.merge(base, override)
    assert set(merged) == set(base) | set(override)
    for key, value in override.items():
        if not (isinstance(value, dict) and isinstance(base.get(key), dict)):
            assert merged[key] == value


@given(mappings)
def test_merge_is_idempotent(data):
    assert tinyconf.merge(data, data) == data


def test_env_overrides():
    environ = {"APP_SERVER__PORT": "8080", "APP_DEBUG": "true", "OTHER": "x", "APP_": "y"}
    assert tinyconf.env_overrides(environ, "APP_") == {"server": {"port": 8080}, "debug": True}


def test_load_layers(tmp_path):
    (tmp_path / "a.toml").write_text('version = "2.1"\n[server]\nhost = "a"\nport = 1\n')
    (tmp_path / "b.yaml").write_text("server:\n  port: 2\n")
    config = tinyconf.load([tmp_path / "a.toml", tmp_path / "missing.json", tmp_path / "b.yaml"],
                           env_prefix="APP_", environ={"APP_SERVER__HOST": "b"})
    assert config.get("server.host") == "b"
    assert config.get("server.port") == 2
    assert config.get("server.user", "nobody") == "nobody"
    assert config.sources[-1] == "$APP_*"
    assert str(config.require_version(">=2,<3")) == "2.1"
    with pytest.raises(tinyconf.ConfigError, match="is not"):
        config.require_version(">=3")


def test_load_missing_not_ok(tmp_path):
    with pytest.raises(tinyconf.ConfigError, match="No such file"):
        tinyconf.load([tmp_path / "missing.toml"], missing_ok=False)


@given(mappings)
def test_dump_round_trips(data):
    for fmt in ("toml", "yaml", "json"):
        assert tinyconf.parse(tinyconf.dump(data, fmt), fmt) == data


def test_user_config_path(mocker):
    where = mocker.patch("platformdirs.user_config_dir", return_value="/home/u/.config/app")
    assert str(tinyconf.user_config_path("app")) == "/home/u/.config/app/config.toml"
    where.assert_called_once_with("app")
