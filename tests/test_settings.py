"""Settings: declared once, documented from the declaration, and bad files fail fast and clearly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pantau import settings
from pantau.settings import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pantau.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key", "expected", "found"),
    [
        ('[alerts]\nbaseline_days = "fourteen"\n', "[alerts] baseline_days", "an integer", '"fourteen"'),
        ("[alerts]\nbaseline_days = 14.5\n", "[alerts] baseline_days", "an integer", "14.5"),
        ("[alerts]\nbaseline_day = 14\n", "[alerts] baseline_day", "did you mean 'baseline_days'", "unknown key"),
        ("[alert]\nwindows_hours = [24]\n", "[alert]", "did you mean [alerts]", "unknown section"),
        ('[store]\nurl = "postgres://db"\n', "[store] url", "sqlite:///path.db or http://host:port[/index-prefix]",
         '"postgres://db"'),
        ('[regions]\nwatch = ["64", "99.01"]\n', "[regions] watch", "unknown: 99.01", "99.01"),
        ('[regions]\nwatch = "64"\n', "[regions] watch", "a list of strings", '"64"'),
        ('[smtp]\nport = 70000\n', "[smtp] port", "between 1 and 65535", "70000"),
        ('[smtp]\nsecurity = "ssl"\n', "[smtp] security", '"none", "starttls", "tls"', '"ssl"'),
        ('[crawl]\nallow_private_addresses = "yes"\n', "[crawl] allow_private_addresses", "true or false",
         '"yes"'),
        ('[alerts.recipients]\n"64" = ["humas@kaltim", "ok@kaltimprov.go.id"]\n', "[alerts] recipients",
         "bad address 'humas@kaltim'", "humas@kaltim"),
        ('[alerts.recipients]\n"64" = "humas@kaltimprov.go.id"\n', "[alerts] recipients",
         "a table of list of strings", "humas@kaltimprov.go.id"),
        ('[[sources]]\nname = "a"\ntype = "atom"\nurl = "https://a.id/feed"\n', "[[sources]] #1 (a) type",
         '"rss"', '"atom"'),
        ('[[sources]]\nname = "a"\nurl = "https://a.id/feed"\n[[sources]]\nname = "a"\nurl = "https://b.id"\n',
         "[[sources]] #2 name", "a unique source name", '"a"'),
        ('[[sources]]\nname = "g"\ntype = "search"\nurl = "https://n.id/rss?q=x"\n', "[[sources]] #1 (g) url",
         "{query}", "https://n.id/rss?q=x"),
        ('[[sources]]\ntype = "rss"\nurl = "https://a.id/feed"\n', "[[sources]] #1 name", "a non-empty string",
         "<missing>"),
        ('[[sources]]\nname = "a"\nurl = "feed.xml"\n', "[[sources]] #1 (a) url", "an http(s) URL", "feed.xml"),
        ("[store\nurl = 1\n", "<syntax>", "valid TOML", ""),
        ("[nlp]\nthreads = 0\n", "[nlp] threads", "greater than 0", "0"),
        ('[regions]\ntimezone = "Asia/Samarinda"\n', "[regions] timezone", "IANA timezone", "Asia/Samarinda"),
    ],
)
def test_bad_config_fails_with_file_key_expected_found(
    tmp_path: Path, text: str, key: str, expected: str, found: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        settings.load(path, env={})
    message = str(err.value)
    assert message.startswith(f"{path}: {key}: expected ")
    assert expected in message
    assert found in message.split(", found ", 1)[1]


def test_missing_file_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        settings.load(tmp_path / "nope.toml", env={})
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[smtp]\nsender = "Humas \xe9"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        settings.load(bad, env={})


def test_defaults_watch_kaltim_and_use_sqlite() -> None:
    s = settings.load(None, env={})
    assert s.regions.watch[0] == "64" and len(s.regions.watch) == 11
    assert all(c.startswith("64.") for c in s.regions.watch[1:])
    assert s.store.url.startswith("sqlite:///pantau-data/")
    assert s.alerts.baseline_days == 14 and isinstance(s.alerts.baseline_days, int)


def test_env_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurl = "sqlite:///a.db"\n')
    assert settings.load(env={"PANTAU_CONFIG": str(path)}).store.url == "sqlite:///a.db"
    over = settings.load(env={"PANTAU_CONFIG": str(path), "PANTAU_STORE": "http://127.0.0.1:9200"})
    assert over.store.url == "http://127.0.0.1:9200"
    with pytest.raises(ConfigError, match="PANTAU_STORE"):
        settings.load(path, env={"PANTAU_STORE": "mysql://x"})


def test_init_template_is_valid_and_covers_every_key() -> None:
    text = settings.render_init()
    s = settings.from_mapping(tomllib.loads(text), "init", env={})
    assert s.regions.watch == settings.KALTIM_WATCH
    assert len(s.sources) >= 8 and not any(src.verified for src in s.sources)
    assert {src.type for src in s.sources} >= {"rss", "listing", "search"}
    assert s.sources[0].regions == ["64"]
    assert s.alerts.recipients and s.regions.watch_terms
    for section, f, _ in settings.declared():
        if section != "sources":
            assert f"# {f.metadata['help']}" in text, f"{section}.{f.name} undocumented in init"


def test_every_setting_has_help_and_docs_are_current() -> None:
    for section, f, _ in settings.declared():
        assert len(f.metadata.get("help", "")) > 10, f"{section}.{f.name} has no help text"
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert docs == settings.render_docs(), "run: pantau config docs > docs/configuration.md"
