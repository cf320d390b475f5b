"""precimark.privacy: consent gate, pseudonymisation, PII dropping, data-usage report.

Oracles: the standard library's ``hmac`` for the keyed hash, plain boolean masks for the
consent gate, hand-labelled column names for the PII detector.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import io
import pickle
import subprocess
import sys

import cloudpickle
import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import precimark as pm
from precimark import DataValidationError, NotFittedError
from precimark.datasets import SimulatedBase
from precimark.privacy import (
    PII_PATTERNS,
    PII_REPORT_COLUMNS,
    PURPOSES,
    USAGE_COLUMNS,
    ConsentPolicy,
    DataUse,
    Pseudonymizer,
    SupportsDataUsage,
    data_usage_report,
    drop_pii,
    pseudonymize,
    require_consent,
)

KEY = b"test-key-0123456789abcdef"  # 25 bytes
OTHER_KEY = b"another-key-0123456789abcdef"
PII_VALUES = ("alice@example.com", "Alice Smith", "+31 6 12345678", "Kerkstraat 12")


def _oracle_hex(key: bytes, value: object) -> str:
    return hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()


def _oracle_int(key: bytes, value: object) -> int:
    return int.from_bytes(hmac.new(key, str(value).encode(), hashlib.sha256).digest()[:8]) >> 1


def _customers(values: list[object], column: str = "consent_marketing") -> pd.DataFrame:
    index = pd.Index(range(101, 101 + len(values)), name="customer_id")
    return pd.DataFrame({column: pd.Series(values, index=index, dtype=object)})


# --- consent gate -------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", PURPOSES)
def test_consent_matches_a_plain_mask(sim_small: SimulatedBase, purpose: str) -> None:
    customers = sim_small.customers
    before = customers.copy()
    result = require_consent(customers, purpose)  # type: ignore[arg-type]
    granted = customers[f"consent_{purpose}"].to_numpy()
    pd.testing.assert_index_equal(result.allowed, customers.index[granted])
    pd.testing.assert_index_equal(result.excluded, customers.index[~granted])
    assert result.n_allowed + result.n_excluded == len(customers)
    assert 0 < result.n_excluded < len(customers)
    assert result.allowed.intersection(result.excluded).empty
    pd.testing.assert_frame_equal(customers, before)


def test_missing_consent_is_no_consent_unless_said_otherwise() -> None:
    customers = _customers([True, None, False, np.nan, 1, 0])
    strict = require_consent(customers, "marketing")
    assert list(strict.allowed) == [101, 105]
    assert list(strict.excluded) == [102, 103, 104, 106]
    lenient = ConsentPolicy(missing_means_consent=True).require(customers, "marketing")
    assert list(lenient.allowed) == [101, 102, 104, 105]
    nullable = pd.DataFrame(
        {"consent_marketing": pd.array([True, None, False], dtype="boolean")}, index=[7, 8, 9]
    )
    assert list(require_consent(nullable, "marketing").allowed) == [7]


def test_consent_column_name_and_custom_policy() -> None:
    customers = _customers([True, False, True], column="opt_in_email")
    by_name = require_consent(customers, "marketing", consent="opt_in_email")
    policy = ConsentPolicy({"marketing": "opt_in_email"})
    assert list(by_name.allowed) == [101, 103]
    assert list(policy.require(customers, "marketing").allowed) == [101, 103]
    with pytest.raises(
        DataValidationError, match="argument 'policy': no consent column for purpose 'profiling'"
    ):
        policy.require(customers, "profiling")


def test_consent_policy_is_checked_and_frozen() -> None:
    with pytest.raises(
        DataValidationError,
        match=r"argument 'missing_means_consent': 'false' \(a str\); expected True or False",
    ):
        ConsentPolicy(missing_means_consent="false")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="argument 'columns': 'marketting'; expected one"):
        ConsentPolicy({"marketting": "opt_in"})
    with pytest.raises(DataValidationError, match="argument 'columns' for 'marketing': None"):
        ConsentPolicy({"marketing": None})  # type: ignore[dict-item]
    with pytest.raises(DataValidationError, match="argument 'columns': a list"):
        ConsentPolicy(["consent_marketing"])  # type: ignore[arg-type]
    columns = {"marketing": "opt_in"}
    policy = ConsentPolicy(columns)
    columns["marketing"] = "something_else"
    assert policy.column_for("marketing") == "opt_in"
    assert ConsentPolicy(missing_means_consent=np.bool_(True)).missing_means_consent


@pytest.mark.parametrize(
    "roundtrip",
    [
        lambda p: pickle.loads(pickle.dumps(p)),
        lambda p: cloudpickle.loads(cloudpickle.dumps(p)),
        lambda p: joblib.load(_joblib_bytes(p)),
        copy.deepcopy,
    ],
)
def test_consent_policy_round_trips(roundtrip: object) -> None:
    policy = ConsentPolicy({"marketing": "opt_in"}, missing_means_consent=True)
    back = roundtrip(policy)  # type: ignore[operator]
    assert back == policy
    assert back.column_for("marketing") == "opt_in"
    assert back.missing_means_consent is True
    assert roundtrip(ConsentPolicy()) == ConsentPolicy()  # type: ignore[operator]


def _joblib_bytes(obj: object) -> io.BytesIO:
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    buffer.seek(0)
    return buffer


@given(st.lists(st.sampled_from([True, False, None, 1, 0]), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_consent_allows_exactly_the_true_values(values: list[object]) -> None:
    result = require_consent(_customers(values), "marketing")
    expected = [101 + i for i, v in enumerate(values) if v is not None and bool(v)]
    assert list(result.allowed) == expected
    assert sorted([*result.allowed, *result.excluded]) == list(range(101, 101 + len(values)))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: require_consent(_customers([True, "yes", "alice@example.com"]), "marketing"),
            r"column 'consent_marketing': 2 non-boolean consent values \(first customer: 102\)",
        ),
        (
            lambda: require_consent(_customers([True]), "marketing", consent="consent_x"),
            r"argument 'customers': missing column 'consent_x'",
        ),
        (
            lambda: require_consent(_customers([True]), "selling"),  # type: ignore[arg-type]
            r"argument 'purpose': 'selling'; expected one of 'profiling', 'marketing'",
        ),
        (
            lambda: require_consent(_customers([True]), "marketing", consent=3),  # type: ignore[arg-type]
            r"argument 'consent': a int; expected a column name, a ConsentPolicy, False",
        ),
        (
            lambda: require_consent(
                pd.DataFrame({"consent_marketing": [True, True]}, index=[5, 5]), "marketing"
            ),
            r"argument 'customers' index: 1 duplicated customer id \(first customer: 5\)",
        ),
    ],
)
def test_consent_errors_are_named(call: object, pattern: str) -> None:
    with pytest.raises(DataValidationError, match=pattern) as info:
        call()  # type: ignore[operator]
    assert not any(value in str(info.value) for value in PII_VALUES)


def test_consent_result_repr_shows_counts_not_ids() -> None:
    result = require_consent(_customers([True, False, False]), "marketing")
    assert repr(result) == "ConsentResult(purpose='marketing', allowed=1, excluded=2)"


# --- pseudonymisation ---------------------------------------------------------------------


@pytest.mark.parametrize("key", [KEY, b"k" * 64, b"long" * 40, "pass phrase with ümlauts"])
def test_hex_pseudonyms_equal_stdlib_hmac(key: bytes | str) -> None:
    raw = key.encode() if isinstance(key, str) else key
    ids = [0, 7, -3, 10**15, "C-001", "ëmile", "42"]
    got = Pseudonymizer(key).hash_ids(ids)
    assert list(got) == [_oracle_hex(raw, v) for v in ids]


def test_int_pseudonyms_equal_stdlib_hmac() -> None:
    ids = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64)
    got = Pseudonymizer(KEY, output="int").hash_ids(ids)
    assert got.dtype == np.int64
    assert list(got) == [_oracle_int(KEY, v) for v in ids]
    assert (got >= 0).all()


@given(st.lists(st.one_of(st.integers(-(2**63), 2**63 - 1), st.text(max_size=12)), max_size=30))
@settings(max_examples=60, deadline=None)
def test_pseudonyms_are_hmac_and_distinct(ids: list[int | str]) -> None:
    got = Pseudonymizer(KEY).hash_ids(ids)
    assert list(got) == [_oracle_hex(KEY, v) for v in ids]
    assert got.nunique() == len({str(v) for v in ids})


def test_same_key_same_output_in_another_process() -> None:
    ids = [1, 22, 333, "C-9"]
    here = list(Pseudonymizer(KEY).hash_ids(ids)) + list(
        Pseudonymizer(KEY, output="int").hash_ids(ids)
    )
    code = (
        "import sys\n"
        "from precimark.privacy import Pseudonymizer\n"
        f"ids = {ids!r}\n"
        f"key = {KEY!r}\n"
        "out = list(Pseudonymizer(key).hash_ids(ids))\n"
        "out += [str(v) for v in Pseudonymizer(key, output='int').hash_ids(ids)]\n"
        "print('\\n'.join(out))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert run.stdout.split() == [str(v) for v in here]


def test_different_keys_are_unlinkable() -> None:
    ids = np.arange(2_000)
    a = Pseudonymizer(KEY).hash_ids(ids)
    b = Pseudonymizer(OTHER_KEY).hash_ids(ids)
    assert a.is_unique
    assert a.intersection(b).empty
    ia = Pseudonymizer(KEY, output="int").hash_ids(ids)
    ib = Pseudonymizer(OTHER_KEY, output="int").hash_ids(ids)
    assert ia.intersection(ib).empty


def test_pseudonymize_frame_and_index_still_join(sim_small: SimulatedBase) -> None:
    tx, customers = sim_small.transactions, sim_small.customers
    tx_before, customers_before = tx.copy(), customers.copy()
    ptx = pseudonymize(tx, "customer_id", key=KEY, output="int")
    pcustomers = pseudonymize(customers, "customer_id", key=KEY, output="int")
    pd.testing.assert_frame_equal(tx, tx_before)
    pd.testing.assert_frame_equal(customers, customers_before)
    assert ptx["customer_id"].dtype == np.int64
    pd.testing.assert_frame_equal(ptx.drop(columns="customer_id"), tx.drop(columns="customer_id"))
    assert pcustomers.index.name == "customer_id"
    assert pcustomers.index.is_unique
    # the same customer gets the same pseudonym in both tables: per-customer sums survive
    spend = tx.groupby("customer_id")["amount"].sum()
    pspend = ptx.groupby("customer_id")["amount"].sum()
    mapping = pd.Series(pcustomers.index, index=customers.index)
    np.testing.assert_allclose(pspend.loc[mapping.loc[spend.index]].to_numpy(), spend.to_numpy())
    assert set(ptx["customer_id"]) <= set(pcustomers.index)


def test_several_columns_missing_ids_and_empty_frames() -> None:
    frame = pd.DataFrame(
        {
            "buyer": pd.array([1, None, 1], dtype="Int64"),
            "seller": ["s1", None, "s2"],
            "amount": [1.0, 2.0, 3.0],
        }
    )
    out = pseudonymize(frame, ["buyer", "seller"], key=KEY)
    assert out["seller"].dtype == pd.Series(["a", None]).dtype  # the default string dtype
    assert out["buyer"].isna().tolist() == [False, True, False]
    assert out["buyer"].iloc[0] == out["buyer"].iloc[2] == _oracle_hex(KEY, 1)
    assert out["seller"].iloc[2] == _oracle_hex(KEY, "s2")
    as_int = pseudonymize(frame, "buyer", key=KEY, output="int")
    assert str(as_int["buyer"].dtype) == "Int64"
    assert as_int["buyer"].isna().tolist() == [False, True, False]
    assert as_int["buyer"].iloc[0] == _oracle_int(KEY, 1)
    empty = pseudonymize(frame.iloc[:0], "buyer", key=KEY)
    assert list(empty.columns) == list(frame.columns)
    assert len(empty) == 0


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: Pseudonymizer(b"short-key-15byt"),
            r"argument 'key': a key of 15 bytes; expected at least 16 bytes. Generate",
        ),
        (lambda: Pseudonymizer("é" * 7), r"argument 'key': a key of 14 bytes"),
        (lambda: Pseudonymizer(12345678901234567890), r"argument 'key': a int; expected bytes"),  # type: ignore[arg-type]
        (lambda: Pseudonymizer(KEY, output="base64"), r"argument 'output': 'base64'"),  # type: ignore[arg-type]
        (
            lambda: pseudonymize(pd.DataFrame({"id": [1.0, 2.0]}), "id", key=KEY),
            r"column 'id': floating-point ids \(dtype float64\); expected integer or string ids",
        ),
        (
            lambda: pseudonymize(pd.DataFrame({"email": ["alice@example.com"]}), "user", key=KEY),
            r"argument 'frame': missing column 'user' \(columns present: 'email'\)",
        ),
        (
            lambda: pseudonymize(pd.DataFrame({"id": [1]}), [], key=KEY),
            r"argument 'columns': no column",
        ),
        (lambda: pseudonymize([1, 2], "id", key=KEY), r"argument 'frame': a list"),
        (
            lambda: pseudonymize(pd.DataFrame([[1, 2]], columns=["id", "id"]), "id", key=KEY),
            r"argument 'frame': duplicated column names",
        ),  # type: ignore[arg-type]
    ],
)
def test_pseudonymize_errors_never_show_the_key(call: object, pattern: str) -> None:
    with pytest.raises(DataValidationError, match=pattern) as info:
        call()  # type: ignore[operator]
    message = str(info.value)
    assert "short-key" not in message
    assert KEY.decode() not in message
    assert "alice@example.com" not in message


def test_a_16_byte_key_is_enough() -> None:
    assert len(Pseudonymizer("é" * 8).hash_ids([1])) == 1
    assert len(Pseudonymizer(bytearray(b"k" * 16)).hash_ids([1])) == 1  # type: ignore[arg-type]


def test_key_is_not_in_repr_and_pickling_is_refused() -> None:
    pz = Pseudonymizer(KEY)
    for text in (repr(pz), str(pz)):
        assert text == "Pseudonymizer(key=<hidden>, output='hex')"
    assert not hasattr(pz, "__dict__")  # only the keyed hash states, no key attribute
    with pytest.raises(AttributeError):
        pz.output = "int"  # type: ignore[misc]
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(pz)
    with pytest.raises(TypeError, match="cannot be pickled"):
        cloudpickle.dumps(pz)
    with pytest.raises(TypeError, match="cannot be pickled"):
        joblib.dump(pz, io.BytesIO())
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps({"inside": [pz]})
    assert copy.copy(pz) is pz
    assert copy.deepcopy([pz])[0] is pz


# --- PII columns --------------------------------------------------------------------------

DETECTED = {
    "name": "name",
    "first_name": "name",
    "LastName": "name",
    "Full Name": "name",
    "surname": "name",
    "username": "name",
    "card_holder": "name",
    "email": "email",
    "E-Mail": "email",
    "emailAddress": "email",
    "customer_email": "email",
    "phone": "phone",
    "phone_number": "phone",
    "mobile": "phone",
    "Telephone": "phone",
    "tel": "phone",
    "address": "address",
    "shipping_address": "address",
    "address_line_1": "address",
    "street": "address",
    "StreetName": "address",
    "house_number": "address",
    "zip": "address",
    "zipCode": "address",
    "postcode": "address",
    "postal_code": "address",
    "ip": "ip_address",
    "ip_address": "ip_address",
    "IPAddress": "ip_address",
    "client_ip": "ip_address",
    "birth_date": "birth_date",
    "DateOfBirth": "birth_date",
    "dob": "birth_date",
    "birthday": "birth_date",
    "iban": "bank_card",
    "credit_card": "bank_card",
    "card_number": "bank_card",
    "account_no": "bank_card",
    "ssn": "national_id",
    "passport_number": "national_id",
    "tax_id": "national_id",
}
NOT_DETECTED = [
    "customer_id",
    "product_name",
    "category_name",
    "amount",
    "date",
    "shipping",
    "hotel",
    "zipped",
    "description",
    "channel",
    "city",
    "country",
    "order_id",
]


def test_drop_pii_finds_the_documented_kinds() -> None:
    frame = pd.DataFrame({column: ["x", "y"] for column in [*DETECTED, *NOT_DETECTED]})
    before = frame.copy()
    clean, report = drop_pii(frame)
    assert list(clean.columns) == NOT_DETECTED
    assert list(report.columns) == list(PII_REPORT_COLUMNS)
    assert dict(zip(report["column"], report["kind"], strict=True)) == DETECTED
    assert set(report["kind"]) == set(PII_PATTERNS)
    assert report["reason"].str.startswith("name matches").all()
    pd.testing.assert_frame_equal(frame, before)


def test_drop_pii_sniffs_values_without_quoting_them() -> None:
    n = 40
    frame = pd.DataFrame(
        {
            "contact": [f"user{i}@shop{i % 3}.example.com" for i in range(n)],
            "reach": ["+31 6 1234 56" + f"{i:02d}" if i % 4 else None for i in range(n)],
            "hotline": pd.Categorical(["(555) 123-4567", "555-987-6543"] * (n // 2)),
            "origin": [f"10.0.{i}.1" for i in range(n)],
            "note": ["call me"] * (n - 5) + [f"x{i}@example.com" for i in range(5)],
            "order_ref": [f"{10_000_000 + i}" for i in range(n)],
            "day": pd.date_range("2024-01-01", periods=n).strftime("%Y-%m-%d"),
            "amount": np.arange(n, dtype=float),
        },
        index=pd.Index(range(500, 500 + n), name="customer_id"),
    )
    clean, report = drop_pii(frame)
    assert list(clean.columns) == ["note", "order_ref", "day", "amount"]
    pd.testing.assert_index_equal(clean.index, frame.index)
    assert dict(zip(report["column"], report["kind"], strict=True)) == {
        "contact": "email",
        "reach": "phone",
        "hotline": "phone",
        "origin": "ip_address",
    }
    assert report.loc[1, "reason"] == "30 of 30 sampled values look like phone numbers"
    assert not report["reason"].str.contains("@|555|10\\.0", regex=True).any()


def test_drop_pii_with_repeated_column_names() -> None:
    frame = pd.DataFrame([["a@b.example", "x", "y", 1]], columns=["c", "c", "email", "email2"])
    clean, report = drop_pii(frame)
    assert clean.columns.tolist() == ["c"]
    assert clean.iloc[0, 0] == "x"
    assert report["column"].tolist() == ["c", "email", "email2"]


def test_drop_pii_extra_and_keep() -> None:
    frame = pd.DataFrame({"LoyaltyCard": [1], "loyalty_card_v2": [2], "email": ["a"], "n": [3]})
    clean, report = drop_pii(
        frame, extra_columns=["LoyaltyCard", r"loyalty_card(_v[0-9])?"], keep_columns=["email"]
    )
    assert list(clean.columns) == ["email", "n"]
    assert list(report["kind"]) == ["extra", "extra"]
    assert list(report["reason"]) == [
        "listed in extra_columns",
        "name matches 'loyalty_card(_v[0-9])?'",
    ]
    with pytest.raises(DataValidationError, match=r"argument 'frame': missing column 'mail'"):
        drop_pii(frame, keep_columns=["mail"])
    with pytest.raises(DataValidationError, match=r"argument 'extra_columns': an invalid pattern"):
        drop_pii(frame[["email"]], extra_columns=["(unclosed"])  # refused even if never reached
    with pytest.raises(DataValidationError, match=r"argument 'extra_columns': an item of type int"):
        drop_pii(frame, extra_columns=[3])  # type: ignore[list-item]


def test_drop_pii_old_spellings_warn_and_give_the_same_result() -> None:
    frame = pd.DataFrame({"LoyaltyCard": [1], "email": ["a"], "n": [3]})
    expected = drop_pii(frame, extra_columns=["LoyaltyCard"], keep_columns=["email"])
    with pytest.warns(FutureWarning, match=r"use (extra|keep)_columns=") as caught:
        clean, report = drop_pii(frame, extra=["LoyaltyCard"], keep=["email"])  # type: ignore[call-arg]
    assert len(caught) == 2
    pd.testing.assert_frame_equal(clean, expected[0])
    pd.testing.assert_frame_equal(report, expected[1])
    with pytest.raises(TypeError, match="both keep="):
        drop_pii(frame, keep=["email"], keep_columns=["email"])  # type: ignore[call-arg]


def test_drop_pii_leaves_the_simulated_base_alone(sim_small: SimulatedBase) -> None:
    for frame in (sim_small.transactions, sim_small.customers):
        clean, report = drop_pii(frame)
        assert report.empty
        pd.testing.assert_frame_equal(clean, frame)


# --- data usage report --------------------------------------------------------------------


class _Declaring(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """A minimal estimator that declares its data usage in fit, as precimark's do."""

    def fit(self, X: pd.DataFrame, y: object = None) -> _Declaring:
        self.data_usage_ = tuple(DataUse(str(c), "profiling", "Declaring") for c in X.columns)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return X


def test_report_for_columns_policy_and_records() -> None:
    cols = pm.Columns(customer_id="user", date="ts", amount="paid")
    extra = DataUse("email", "marketing", "newsletter")
    report = data_usage_report([cols, ConsentPolicy({"marketing": "opt_in"}), extra, extra])
    expected = pd.DataFrame(
        [
            ["user", "profiling", "rfm_summary"],
            ["ts", "profiling", "rfm_summary"],
            ["paid", "profiling", "rfm_summary"],
            ["opt_in", "consent_check", "ConsentPolicy"],
            ["email", "marketing", "newsletter"],
        ],
        columns=list(USAGE_COLUMNS),
        dtype="str",
    )
    pd.testing.assert_frame_equal(report, expected)
    assert data_usage_report([]).columns.tolist() == list(USAGE_COLUMNS)


def test_report_for_estimators_and_pipelines() -> None:
    X = pd.DataFrame({"recency": [1.0, 2.0, 3.0, 4.0], "frequency": [0.0, 1.0, 0.0, 2.0]})
    y = np.array([0, 1, 0, 1])
    declaring = _Declaring()
    assert not isinstance(declaring, SupportsDataUsage)
    with pytest.raises(NotFittedError):
        data_usage_report(declaring)
    declared = make_pipeline(_Declaring(), StandardScaler(), LogisticRegression()).fit(X, y)
    assert isinstance(declared.steps[0][1], SupportsDataUsage)
    assert data_usage_report(declared).values.tolist() == [
        ["recency", "profiling", "Declaring"],
        ["frequency", "profiling", "Declaring"],
    ]
    plain = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    assert data_usage_report(plain).values.tolist() == [
        ["recency", "unspecified", "StandardScaler"],
        ["frequency", "unspecified", "StandardScaler"],
    ]
    with pytest.raises(NotFittedError):
        data_usage_report(make_pipeline(StandardScaler(), LogisticRegression()))
    on_array = LogisticRegression().fit(X.to_numpy(), y)
    with pytest.raises(
        DataValidationError,
        match="argument 'obj': a LogisticRegression that does not declare its data usage",
    ):
        data_usage_report(on_array)


def test_report_rejects_bad_declarations() -> None:
    class Bad:
        data_usage_ = ("email",)

    with pytest.raises(
        DataValidationError, match=r"attribute 'Bad.data_usage_': an item of type str"
    ):
        data_usage_report(Bad())
    with pytest.raises(DataValidationError, match="argument 'obj': a dict"):
        data_usage_report({"email": "marketing"})
    with pytest.raises(DataValidationError, match=r"argument 'purpose': ''; expected a non-empty"):
        DataUse("email", "", "x")


# --- no personal data in messages or reprs --------------------------------------------------


def test_messages_and_reprs_never_show_personal_data() -> None:
    """Feed personal data to every entry point's failure paths; only ids may come back."""
    index = pd.Index([901, 902], name="customer_id")
    pii = pd.DataFrame(
        {
            "consent_marketing": ["alice@example.com", "Alice Smith"],
            "email": ["alice@example.com", "bob@example.com"],
            "phone": ["+31 6 12345678", "+31 6 87654321"],
            "street": ["Kerkstraat 12", "Dorpsweg 3"],
            "score": [1.5, 2.5],
        },
        index=index,
    )

    class Leaky:
        data_usage_ = ("alice@example.com",)

    failing = [
        lambda: require_consent(pii, "marketing"),
        lambda: require_consent(pii, "marketing", consent="email"),
        lambda: pseudonymize(pii, "score", key=KEY),
        lambda: pseudonymize(pii, "name", key=KEY),
        lambda: Pseudonymizer("Alice Smith"),
        lambda: data_usage_report(Leaky()),
        lambda: drop_pii(pii, keep_columns=["nickname"]),
    ]
    texts = []
    for call in failing:
        with pytest.raises(DataValidationError) as info:
            call()
        texts.append(str(info.value))
    assert any("first customer: 901" in text for text in texts)  # ids are allowed
    _, report = drop_pii(pii)
    texts += report["reason"].tolist()
    texts += [
        repr(
            ConsentPolicy(missing_means_consent=True).require(
                pii.assign(consent_marketing=None), "marketing"
            )
        ),
        repr(Pseudonymizer("Alice Smith's secret key")),
        repr(data_usage_report(ConsentPolicy())),
    ]
    for text in texts:
        for value in (*PII_VALUES, "bob@example.com", "Dorpsweg", "87654321", "secret key"):
            assert value not in text, (value, text)


# --- consent=False and frames' data-usage records ----------------------------------------


def test_consent_false_allows_everyone_without_reading_a_column() -> None:
    customers = pd.DataFrame({"tier": [1, 2, 3]}, index=[7, 8, 9])  # no consent column at all
    result = require_consent(customers, "marketing", consent=False)
    assert list(result.allowed) == [7, 8, 9] and result.n_excluded == 0


def test_report_reads_a_frames_record_and_refuses_a_frame_without_one() -> None:
    import json

    from precimark.privacy import CONSENT_CHECK, DATA_USAGE_ATTR
    from precimark.privacy._gate import record_usage, resolve_consent

    customers = _customers([True, False])
    gate = resolve_consent(customers, "marketing", None, used_by="step")
    frame = record_usage(
        pd.DataFrame({"x": [1.0]}), [DataUse("x", "marketing", "step"), *gate.data_usage]
    )
    json.dumps(frame.attrs)  # JSON-safe, so the frame still writes to Parquet
    report = data_usage_report(frame)
    assert report.values.tolist() == [
        ["x", "marketing", "step"],
        ["consent_marketing", CONSENT_CHECK, "step"],
    ]
    with pytest.raises(DataValidationError, match=r"without attrs\['data_usage'\]"):
        data_usage_report(pd.DataFrame({"x": [1.0]}))
    broken = pd.DataFrame({"x": [1.0]})
    broken.attrs[DATA_USAGE_ATTR] = "everything"
    with pytest.raises(DataValidationError, match=r"attrs\['data_usage'\]: a str"):
        data_usage_report(broken)
