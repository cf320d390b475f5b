from __future__ import annotations

import pickle
import secrets
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

import precimark as pm
from precimark import persistence
from precimark.persistence import _envelope

KEY = secrets.token_bytes(32)


def _record(event: str) -> str:
    _Tripwire.ran.append(event)
    return event


class _Tripwire:
    """Unpickling this object calls :func:`_record`: the attack a signature must stop."""

    ran: ClassVar[list[str]] = []

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_record, ("unpickled",))


@pytest.fixture(autouse=True)
def _reset_tripwire() -> None:
    _Tripwire.ran.clear()


def _tampered(data: bytes, payload: bytes) -> bytes:
    head = data.split(b"\n", 3)[:3]
    return b"\n".join([*head, payload])


def test_round_trip_of_a_fitted_model(tmp_path: Path, cdnow_sample: pd.DataFrame) -> None:
    rfm = pm.rfm_summary(cdnow_sample, observation_end="1997-09-30", time_unit="W")
    model = pm.BetaGeoModel().fit(rfm)
    path = tmp_path / "model.pkl"
    persistence.save(model, path, key=KEY)
    loaded = persistence.load(path, key=KEY)
    pd.testing.assert_series_equal(loaded.probability_alive(rfm), model.probability_alive(rfm))


def test_a_str_key_signs_like_its_utf8_bytes() -> None:
    text = "correct horse battery staple"
    data = persistence.dump_bytes([1], key=text)
    assert persistence.load_bytes(data, key=text.encode("utf-8")) == [1]


def test_a_tampered_payload_is_refused_before_anything_is_unpickled() -> None:
    data = persistence.dump_bytes({"x": 1}, key=KEY)
    hostile = _tampered(data, pickle.dumps(_Tripwire()))
    with pytest.raises(
        pm.DataValidationError, match=r"signature does not match.*Nothing was unpickled"
    ):
        persistence.load_bytes(hostile, key=KEY)
    assert _Tripwire.ran == []


def test_a_tampered_header_is_refused() -> None:
    data = persistence.dump_bytes({"x": 1}, key=KEY)
    magic, header, mac, payload = data.split(b"\n", 3)
    forged = header.replace(b"builtins.dict", b"builtins.list")
    with pytest.raises(pm.DataValidationError, match="signature does not match"):
        persistence.load_bytes(b"\n".join([magic, forged, mac, payload]), key=KEY)


def test_another_key_is_refused() -> None:
    data = persistence.dump_bytes({"x": 1}, key=KEY)
    with pytest.raises(pm.DataValidationError, match="signature does not match"):
        persistence.load_bytes(data, key=secrets.token_bytes(32))


def test_unsigned_or_keyless_loading_needs_an_explicit_trusted() -> None:
    unsigned = persistence.dump_bytes(_Tripwire())
    with pytest.raises(pm.DataValidationError, match=r"an unsigned envelope.*trusted=True"):
        persistence.load_bytes(unsigned)
    with pytest.raises(pm.DataValidationError, match="a signed envelope and no key"):
        persistence.load_bytes(persistence.dump_bytes(_Tripwire(), key=KEY))
    with pytest.raises(pm.DataValidationError, match="an unsigned envelope; expected one signed"):
        persistence.load_bytes(unsigned, key=KEY)
    assert _Tripwire.ran == []
    persistence.load_bytes(unsigned, trusted=True)
    assert _Tripwire.ran == ["unpickled"]


def test_trusted_does_not_skip_a_signature_check_that_a_key_asks_for() -> None:
    data = persistence.dump_bytes({"x": 1}, key=KEY)
    hostile = _tampered(data, pickle.dumps(_Tripwire()))
    with pytest.raises(pm.DataValidationError, match="signature does not match"):
        persistence.load_bytes(hostile, key=KEY, trusted=True)
    assert _Tripwire.ran == []


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (b"short", "a key of 5 bytes; expected at least 16 bytes"),
        (12345, "a int; expected bytes or str"),
    ],
)
def test_weak_or_mistyped_keys_are_refused_without_quoting_them(key: object, message: str) -> None:
    with pytest.raises(pm.DataValidationError, match=message) as err:
        persistence.dump_bytes([1], key=key)  # type: ignore[arg-type]
    assert "short" not in str(err.value) and "12345" not in str(err.value)


def test_an_incompatible_version_is_refused_before_unpickling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = persistence.dump_bytes(_Tripwire(), key=KEY)
    monkeypatch.setattr(_envelope, "_version", lambda: "9.3.0")
    with pytest.raises(
        pm.DataValidationError,
        match=r"_Tripwire written by precimark .* expected an object written by precimark 9\.3\.x.*Install precimark==",
    ):
        persistence.load_bytes(data, key=KEY)
    assert _Tripwire.ran == []


def test_a_precimark_01_pickle_loads_only_when_trusted() -> None:
    legacy = pickle.dumps(
        {
            "magic": "precimark-object",
            "format_version": 1,
            "precimark_version": pm.__version__,
            "type": "builtins.dict",
            "object": {"x": 1},
        }
    )
    with pytest.raises(
        pm.DataValidationError, match=r"not a signed precimark envelope.*trusted=True"
    ):
        persistence.load_bytes(legacy)
    assert persistence.load_bytes(legacy, trusted=True) == {"x": 1}


def test_foreign_or_broken_bytes_are_refused() -> None:
    with pytest.raises(pm.DataValidationError, match="not a precimark envelope"):
        persistence.load_bytes(pickle.dumps({"x": 1}), trusted=True)
    with pytest.raises(pm.DataValidationError, match="not a precimark envelope"):
        persistence.load_bytes(b"not a pickle", trusted=True)
    with pytest.raises(pm.DataValidationError, match="truncated"):
        persistence.load_bytes(b"precimark-object/2\n{}", trusted=True)
    with pytest.raises(pm.DataValidationError, match="unreadable header"):
        persistence.load_bytes(b"precimark-object/2\nnot json\n-\n", trusted=True)
    with pytest.raises(pm.DataValidationError, match="argument 'data': a str; expected bytes"):
        persistence.load_bytes("text")  # type: ignore[arg-type]
    good = persistence.dump_bytes({"x": 1}, key=KEY)
    corrupt = _tampered(good, b"\x80\x05garbage")
    with pytest.raises(pm.DataValidationError, match="does not unpickle"):
        persistence.load_bytes(corrupt, trusted=True)
