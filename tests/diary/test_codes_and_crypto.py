"""Recovery codes are long enough, easy to copy, and forgiving to read; sealed episodes only
open with their own key, in their own row."""

from __future__ import annotations

import datetime as dt

import pytest

from candid.diary.codes import BadCode, code_bytes, lookup_of, new_code
from candid.diary.crypto import CannotOpen, derive_key, new_salt, open_sealed, seal
from candid.diary.episodes import Episode


def test_a_code_carries_at_least_128_random_bits_in_groups_of_four() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    groups = code.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert len(code_bytes(code)) * 8 >= 128


def test_reading_a_code_ignores_case_spaces_dashes_and_misread_digits() -> None:
    code = new_code()
    want = code_bytes(code)
    assert code_bytes(code.lower().replace("-", " ")) == want
    assert code_bytes("  " + code.replace("-", "") + " ") == want
    if "O" in code:
        assert code_bytes(code.replace("O", "0")) == want


@pytest.mark.parametrize("typed", ["", "ABCD", "A" * 31, "!" * 32, "A" * 33])
def test_text_that_cannot_be_a_code_is_refused(typed: str) -> None:
    with pytest.raises(BadCode):
        code_bytes(typed)


def test_the_lookup_value_does_not_contain_the_code() -> None:
    raw = code_bytes(new_code())
    assert raw not in lookup_of(raw) and len(lookup_of(raw)) == 32


def test_a_sealed_episode_opens_only_with_its_key_and_in_its_own_row() -> None:
    salt = new_salt()
    code = code_bytes(new_code())
    key = derive_key(code, salt)
    episode = Episode(dt.date(2026, 11, 2), "light", "brown", "during", "none", "no", 9, "x")
    nonce, ct = seal(key, episode.to_bytes(), "diary-a:episode-1")
    assert Episode.from_bytes(open_sealed(key, nonce, ct, "diary-a:episode-1")) == episode
    with pytest.raises(CannotOpen):
        open_sealed(key, nonce, ct, "diary-b:episode-1")  # moved to another diary
    with pytest.raises(CannotOpen):
        open_sealed(derive_key(code_bytes(new_code()), salt), nonce, ct, "diary-a:episode-1")
    assert derive_key(code, salt) == key, "the same code and salt give the same key"
