"""The shared filters of plugins/filter/settings.py."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("settings", ROOT / "plugins" / "filter" / "settings.py")
assert spec is not None
assert spec.loader is not None
settings = importlib.util.module_from_spec(spec)
spec.loader.exec_module(settings)
control_characters = settings.FilterModule().filters()["control_characters"]
url_credentials = settings.FilterModule().filters()["url_credentials"]
system_paths = settings.FilterModule().filters()["system_paths"]
bad_names = settings.FilterModule().filters()["bad_names"]
spec = importlib.util.spec_from_file_location("urls", ROOT / "plugins" / "filter" / "urls.py")
assert spec is not None
assert spec.loader is not None
urls = importlib.util.module_from_spec(spec)
spec.loader.exec_module(urls)


def test_one_line_values_pass():
    assert control_characters({"proxy": "http://u:p@proxy:3128", "users": ["ada"], "opts": {"a": {"b": "c"}}}) == []


def test_a_line_break_an_escape_or_a_nul_anywhere_is_named_without_the_value():
    found = control_characters(
        {
            "proxy": "http://proxy:3128\nLD_PRELOAD=/x.so",
            "users": ["ada", "ben\x1b[2J"],
            "env": {"TOKEN": "s3cret\x00"},
            "config": {"url.https://h/.insteadOf\n": "x"},
            "fine": 3,
        }
    )
    assert found == ["proxy", "users[1]", "env.TOKEN", "config (a key)"]
    assert not any("s3cret" in place for place in found)


def test_the_places_named_multiline_may_hold_line_breaks_only():
    pem = "-----BEGIN CERTIFICATE-----\r\nMIIB\n-----END CERTIFICATE-----\n"
    keys = [{"name": "id", "private_key": pem}, {"name": "id\n", "private_key": pem + "\t"}]
    assert control_characters({"keys": keys}, ["keys[].private_key"]) == ["keys[1].name", "keys[1].private_key"]
    assert control_characters({"keys": keys}) == ["keys[0].private_key", "keys[1].name", "keys[1].private_key"]
    # name.* covers a mapping's values whatever their keys, never the keys themselves.
    cas = {"registry.team:5000": pem, "bad\n": pem, "other": pem + "\x1b"}
    assert control_characters({"cas": cas}, ["cas.*"]) == ["cas (a key)", "cas.other"]


def test_credentials_in_urls_are_found_in_values_and_keys():
    found = url_credentials(
        {
            "a": "https://oauth2:glpat-x@git.example.com/x.git",
            "b": "https://ghp_token@github.com/x.git",
            "c": {"url.https://oauth2:t@host/.insteadOf": "https://host/"},
            "d": ["s3://bucket/path?X-Amz-Signature=abc", "https://h/simple?access_token=1"],
            "e": "ssh://git@host:22/x.git",  # an ssh user is no credential
            "f": "https://host/path?page=2",
            "g": "http://[::1]:8080/x",
        }
    )
    assert found == ["a", "b", "c (a key)", "d[0]", "d[1]"]


def test_system_directories_and_climbing_paths_are_refused():
    found = system_paths(
        {
            "a": "/",
            "b": "/etc/",
            "c": "//usr//local",
            "d": ["/srv/dvc-cache", "/home/../etc", ""],
            "e": "/home/ada/workspace",
            "f": "/var/lib/docker-data",
            "g": "/var/lib",
        }
    )
    assert found == ["a", "b", "c", "d[1]", "g"]


def test_names_follow_their_consumers_grammar():
    assert bad_names({"a": "mlops-dev", "b": ["ada", "bob"], "c": {"dev": 1}, "d": ""}, "docker") == []
    assert bad_names({"a": "-rm", "b": ["ok", "x y"], "c": {"a/b": 1}}, "docker") == ["a", "b[1]", "c['a/b']"]
    assert bad_names({"env": {"HTTP_PROXY": 1, "1X": 2, "A-B": 3}}, "env") == ["env['1X']", "env['A-B']"]
    assert bad_names({"users": ["ada", "Ada", "a" * 33, "x;y"]}, "unix") == ["users[1]", "users[2]", "users[3]"]
    assert bad_names({"r": {"hdd": {}, "-f": {}}}, "dvc_remote") == ["r['-f']"]
    assert bad_names({"p": "MLops"}, "compose") == ["p"]
    assert bad_names({"h": "mlops-dev.example", "i": "-bad", "j": "a_b"}, "hostname") == ["i", "j"]


@pytest.mark.parametrize(
    ("url", "masked", "plain"),
    [
        (
            "https://ci:t0k:en@pypi.example.com/simple",
            "https://ci:***@pypi.example.com/simple",
            "https://pypi.example.com/simple",
        ),
        (
            "https://t0ken@idx.example:8443/simple",
            "https://***@idx.example:8443/simple",
            "https://idx.example:8443/simple",
        ),
        ("http://u:p%40ss@proxy:3128", "http://u:***@proxy:3128", "http://proxy:3128"),
        ("user:pa@ss@proxy:3128", "user:***@proxy:3128", "proxy:3128"),
        ("https://pypi.org/simple", "https://pypi.org/simple", "https://pypi.org/simple"),
    ],
)
def test_a_url_is_shown_and_written_without_its_credentials(url, masked, plain):
    assert urls.url_masked(url) == masked
    assert urls.url_without_credentials(url) == plain


def test_netrc_carries_each_hosts_first_credentials_decoded():
    text = urls.url_netrc(
        [
            "https://ci:t0k%40en@pypi.example.com/simple",
            "https://a.example/simple",
            "https://x:y@pypi.example.com/2",
            "https://t0ken@idx.example:8443/simple",
        ]
    )
    assert text == (
        "machine pypi.example.com\n  login ci\n  password t0k@en\nmachine idx.example\n  login t0ken\n  password \n"
    )
    assert urls.url_netrc(["https://pypi.org/simple", ""]) == ""


def test_netrc_refuses_what_it_cannot_carry_without_showing_it():
    with pytest.raises(urls.AnsibleFilterError, match=r"idx\.example") as refused:
        urls.url_netrc(["https://ci:t0k%20en@idx.example/simple"])
    assert "t0k" not in str(refused.value)
