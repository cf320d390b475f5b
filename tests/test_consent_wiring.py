"""No customer without consent is profiled, scored, targeted or given a personalised price.

``consent=`` has one meaning at every entry point that reads a customer roster (profile,
label, score, target, recommend, price; the distributed partition functions; every CLI
subcommand), proved here for each of them:

- ``consent=None`` applies the step's default policy (column ``consent_<purpose>``);
- ``consent=False`` is the one opt-out, and the result's data-usage record says so;
- a roster without the default column is refused, naming the column and both fixes;
- without a roster there is nothing to check, and the data-usage record says so.

The helpers :func:`consent_records` and :func:`assert_consent_record` work on anything
:func:`precimark.privacy.data_usage_report` reads, so the profiler's test can use them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import precimark as pm
from precimark.cli import main
from precimark.datasets import SimulatedBase, load_cdnow
from precimark.distributed import pricing_partition_fn, propensity_partition_fn
from precimark.pricing import (
    NO_CONSENT,
    ListPrice,
    PricingPolicy,
    SensitivityDiscount,
    differentiated_pricing_policy,
)
from precimark.privacy import ConsentLike, data_usage_report
from precimark.privacy._gate import resolve_consent
from precimark.privacy.usage import CONSENT_CHECK, CONSENT_NOT_CHECKED, NO_ROSTER
from precimark.profiling import recommend_categories
from precimark.propensity import PropensityModel, make_snapshots, select_targets

SCORING_CUTOFF = pd.Timestamp("2025-03-31")
FIXES = ('consent="your_column"', "consent=False")


def consent_records(result: object) -> pd.DataFrame:
    """The consent rows of ``result``'s data-usage record (check, opt-out or no roster)."""
    report = data_usage_report(result)
    kinds = [CONSENT_CHECK, CONSENT_NOT_CHECKED, NO_ROSTER]
    return report[report["purpose"].isin(kinds)].reset_index(drop=True)


def assert_consent_record(result: object, purpose: str, column: str) -> None:
    """Assert ``result`` records exactly one consent outcome: ``purpose`` on ``column``."""
    records = consent_records(result)
    assert records[["column", "purpose"]].values.tolist() == [[column, purpose]], records


@pytest.fixture(scope="module")
def excluded(sim_small: SimulatedBase) -> dict[str, pd.Index]:
    return {
        purpose: pm.require_consent(sim_small.customers, purpose).excluded  # type: ignore[arg-type]
        for purpose in ("profiling", "marketing", "personalised_pricing")
    }


def test_every_purpose_excludes_someone(excluded: dict[str, pd.Index]) -> None:
    assert all(len(ids) > 100 for ids in excluded.values())


@pytest.mark.parametrize("consent", ["consent_profiling", None])  # None: the default policy
def test_profiler_skips_customers_without_profiling_consent(
    sim_small: SimulatedBase, excluded: dict[str, pd.Index], consent: str | None
) -> None:
    profiler = pm.CustomerProfiler(consent=consent)
    archive = profiler.fit_transform(sim_small.transactions, sim_small.customers)
    assert archive.index.intersection(excluded["profiling"]).empty
    assert len(archive) == len(sim_small.customers) - len(excluded["profiling"])


def test_scores_and_targets_skip_customers_without_marketing_consent(
    sim_small: SimulatedBase, excluded: dict[str, pd.Index]
) -> None:
    tx = sim_small.transactions
    cutoffs = [pd.Timestamp("2024-06-30"), pd.Timestamp("2024-09-30")]
    training = make_snapshots(tx, cutoffs=cutoffs, horizon=90)
    model = pm.PropensityModel(random_state=0).fit(
        training.drop(columns="label"), training["label"]
    )
    scoring = make_snapshots(
        tx,
        cutoffs=[SCORING_CUTOFF],
        horizon=90,
        labels=False,
        customers=sim_small.customers,
        as_of_column="signup_date",
        consent="consent_marketing",
    )
    assert scoring.index.get_level_values(0).intersection(excluded["marketing"]).empty
    features = make_snapshots(tx, cutoffs=[SCORING_CUTOFF], horizon=90, labels=False)
    scores = model.score_customers(
        features.drop(columns="label", errors="ignore"),
        customers=sim_small.customers,
        consent="consent_marketing",
    )
    assert scores.index.intersection(excluded["marketing"]).empty
    selection = select_targets(
        scores,
        cost_per_contact=0.5,
        value_per_conversion=40.0,
        customers=sim_small.customers,
        consent="consent_marketing",
    )
    assert selection.targets.index.intersection(excluded["marketing"]).empty
    assert selection.n_excluded >= 0


def test_prices_are_not_personalised_without_consent(
    sim_small: SimulatedBase, excluded: dict[str, pd.Index]
) -> None:
    rng = np.random.default_rng(0)
    customers = sim_small.customers.assign(
        orders_365d=rng.integers(0, 30, len(sim_small.customers)),
        uplift=0.05,
        channel="wallet",
    )
    decisions = differentiated_pricing_policy(channel_discounts={"wallet": 0.03}).decide(
        customers, 20.0, consent="consent_personalised_pricing"
    )
    refused = decisions.loc[excluded["personalised_pricing"]]
    assert (refused["final_price"] == 20.0).all()
    assert (~refused["personalised"]).all()
    assert (refused["reason_codes"] == NO_CONSENT).all()
    assert (refused["features_used"].astype(str).str.len() == 0).all()
    consenting = decisions.drop(index=excluded["personalised_pricing"])
    assert (consenting["final_price"] < 20.0).all()  # the wallet discount applies to all of them


# --- the contract, entry point by entry point -------------------------------------------------


@dataclass(frozen=True)
class EntryPoint:
    """One roster-reading step: ``run(roster, consent)`` -> (ids it processed, result)."""

    name: str
    purpose: str
    run: Callable[[pd.DataFrame | None, ConsentLike | None], tuple[pd.Index, object]]
    needs_roster: bool = False  # the roster is the input itself: "no roster" cannot happen

    @property
    def column(self) -> str:
        return f"consent_{self.purpose}"


@pytest.fixture(scope="module")
def model(sim_small: SimulatedBase) -> PropensityModel:
    training = make_snapshots(sim_small.transactions, cutoffs="2024-09-30", horizon=90)
    X = training.drop(columns="label").droplevel("cutoff")
    return PropensityModel(calibration="sigmoid", random_state=0).fit(X, training["label"])


@pytest.fixture(scope="module")
def features(sim_small: SimulatedBase) -> pd.DataFrame:
    return make_snapshots(
        sim_small.transactions, cutoffs=SCORING_CUTOFF, horizon=90, labels=False
    ).droplevel("cutoff")


def _entry_points(
    sim: SimulatedBase, model: PropensityModel, features: pd.DataFrame
) -> list[EntryPoint]:
    tx = sim.transactions
    uplift = pd.Series(0.1, index=sim.customers.index)
    pricing = PricingPolicy([SensitivityDiscount(threshold=0.0), ListPrice()])

    def snapshots(
        roster: pd.DataFrame | None, consent: ConsentLike | None
    ) -> tuple[pd.Index, object]:
        result = make_snapshots(
            tx,
            cutoffs=SCORING_CUTOFF,
            horizon=90,
            labels=False,
            customers=roster,
            consent=consent,
            **({"as_of_column": "signup_date"} if roster is not None else {}),  # type: ignore[arg-type]
        )
        return result.index.get_level_values(0), result

    def scoring(
        roster: pd.DataFrame | None, consent: ConsentLike | None
    ) -> tuple[pd.Index, object]:
        result = model.score_customers(features, customers=roster, consent=consent)
        return result.index, result

    def targeting(
        roster: pd.DataFrame | None, consent: ConsentLike | None
    ) -> tuple[pd.Index, object]:
        result = select_targets(
            uplift,
            cost_per_contact=0.0,
            value_per_conversion=1.0,
            customers=roster,
            consent=consent,
        )
        return result.targets.index, result

    def recommending(
        roster: pd.DataFrame | None, consent: ConsentLike | None
    ) -> tuple[pd.Index, object]:
        result = recommend_categories(tx, k=1, customers=roster, consent=consent)
        return result.index, result

    def pricing_decide(
        roster: pd.DataFrame | None, consent: ConsentLike | None
    ) -> tuple[pd.Index, object]:
        assert roster is not None
        result = pricing.decide(roster, 100.0, consent=consent, at="2025-01-01")
        return result.index[result["reason_codes"] != NO_CONSENT], result

    def propensity_partition(
        roster: pd.DataFrame | None, consent: ConsentLike | None
    ) -> tuple[pd.Index, object]:
        assert roster is not None
        fn = propensity_partition_fn(model, consent=consent)
        part = features.join(roster, how="inner").reset_index()
        return pd.Index(fn(part)["customer_id"]), fn

    def pricing_partition(
        roster: pd.DataFrame | None, consent: ConsentLike | None
    ) -> tuple[pd.Index, object]:
        assert roster is not None
        fn = pricing_partition_fn(pricing, 100.0, at="2025-01-01", consent=consent)
        out = fn(roster.reset_index())
        return pd.Index(out.loc[out["reason_codes"] != NO_CONSENT, "customer_id"]), fn

    return [
        EntryPoint("make_snapshots", "marketing", snapshots),
        EntryPoint("score_customers", "marketing", scoring),
        EntryPoint("select_targets", "marketing", targeting),
        EntryPoint("recommend_categories", "marketing", recommending),
        EntryPoint("PricingPolicy.decide", "personalised_pricing", pricing_decide, True),
        EntryPoint("propensity_partition_fn", "marketing", propensity_partition, True),
        EntryPoint("pricing_partition_fn", "personalised_pricing", pricing_partition, True),
    ]


NAMES = [
    "make_snapshots",
    "score_customers",
    "select_targets",
    "recommend_categories",
    "PricingPolicy.decide",
    "propensity_partition_fn",
    "pricing_partition_fn",
]


@pytest.fixture(scope="module")
def entry_points(
    sim_small: SimulatedBase, model: PropensityModel, features: pd.DataFrame
) -> dict[str, EntryPoint]:
    return {e.name: e for e in _entry_points(sim_small, model, features)}


@pytest.mark.parametrize("name", NAMES)
def test_none_applies_the_default_policy(
    name: str, entry_points: dict[str, EntryPoint], sim_small: SimulatedBase
) -> None:
    entry = entry_points[name]
    roster = sim_small.customers
    ids, result = entry.run(roster, None)
    refused = pm.require_consent(roster, entry.purpose).excluded  # type: ignore[arg-type]
    assert len(ids) > 0
    assert ids.intersection(refused).empty
    everyone, _ = entry.run(roster, False)
    assert len(everyone.intersection(refused)) > 0  # so the check above could fail
    assert_consent_record(result, CONSENT_CHECK, entry.column)


@pytest.mark.parametrize("name", NAMES)
def test_false_is_the_recorded_opt_out(
    name: str, entry_points: dict[str, EntryPoint], sim_small: SimulatedBase
) -> None:
    entry = entry_points[name]
    roster = sim_small.customers.drop(columns=entry.column)  # not even read
    ids, result = entry.run(roster, False)
    checked, _ = entry.run(sim_small.customers, None)
    assert len(ids) > len(checked)
    assert_consent_record(result, CONSENT_NOT_CHECKED, entry.column)


@pytest.mark.parametrize("name", NAMES)
def test_a_roster_without_the_consent_column_names_it_and_both_fixes(
    name: str, entry_points: dict[str, EntryPoint], sim_small: SimulatedBase
) -> None:
    entry = entry_points[name]
    roster = sim_small.customers.drop(columns=entry.column)
    with pytest.raises(pm.DataValidationError, match=f"no consent column '{entry.column}'") as info:
        entry.run(roster, None)
    assert all(fix in str(info.value) for fix in FIXES)


@pytest.mark.parametrize("name", NAMES[:4])
def test_without_a_roster_nothing_is_checked_and_that_is_recorded(
    name: str, entry_points: dict[str, EntryPoint]
) -> None:
    entry = entry_points[name]
    assert not entry.needs_roster
    ids, result = entry.run(None, None)
    assert len(ids) > 0
    assert_consent_record(result, NO_ROSTER, entry.column)


@pytest.mark.parametrize("name", NAMES[:4])
def test_a_consent_column_without_a_roster_is_refused(
    name: str, entry_points: dict[str, EntryPoint]
) -> None:
    with pytest.raises(pm.DataValidationError, match="a customer roster when consent="):
        entry_points[name].run(None, "consent_marketing")


@pytest.mark.parametrize("value", [True, 1, "", ["consent_marketing"]])
def test_anything_else_is_not_a_consent_value(value: object, sim_small: SimulatedBase) -> None:
    with pytest.raises(pm.DataValidationError, match="argument 'consent'"):
        resolve_consent(sim_small.customers, "marketing", value, used_by="test")


def test_every_entry_point_is_covered(entry_points: dict[str, EntryPoint]) -> None:
    assert sorted(entry_points) == sorted(NAMES)


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("consent_cli")
    tx = load_cdnow(sample=True)
    tx.to_csv(folder / "tx.csv", index=False)
    ids = np.sort(tx["customer_id"].unique())
    rng = np.random.default_rng(3)
    roster = pd.DataFrame(
        {
            "customer_id": ids,
            "consent_profiling": rng.random(len(ids)) < 0.8,
            "consent_marketing": rng.random(len(ids)) < 0.7,
            "consent_personalised_pricing": rng.random(len(ids)) < 0.6,
            "price_sensitivity": rng.random(len(ids)),
        }
    )
    roster.to_csv(folder / "customers.csv", index=False)
    return folder / "tx.csv", folder / "customers.csv", roster.set_index("customer_id")


COMMANDS = {
    "profile": ("profiling", []),
    "clv": ("profiling", ["--periods", "2"]),
    "score": ("marketing", ["--training-cutoffs", "1"]),
    "price": ("personalised_pricing", ["--list-price", "15"]),
}


def _cli(command: str, tx: Path, out: Path, *extra: str) -> tuple[int, pd.Index]:
    code = main([command, str(tx), *COMMANDS[command][1], *extra, "--output", str(out)])
    if code != 0:
        return code, pd.Index([])
    frame = pd.read_csv(out)
    if command == "price":  # everyone is priced; the refused get the list price
        return code, pd.Index(frame.loc[frame["reason_codes"] != NO_CONSENT, "customer_id"])
    return code, pd.Index(frame["customer_id"])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_applies_the_default_consent_column(
    command: str,
    cli_files: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tx, customers, roster = cli_files
    column = f"consent_{COMMANDS[command][0]}"
    code, ids = _cli(command, tx, tmp_path / "out.csv", "--customers", str(customers))
    err = capsys.readouterr().err
    assert code == 0, err
    allowed = roster.index[roster[column]]
    assert len(ids) > 0 and ids.isin(allowed).all()
    assert f"consent checked in column '{column}'" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_consent_names_another_column(
    command: str,
    cli_files: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tx, _, roster = cli_files
    renamed = tmp_path / "roster.csv"
    column = f"consent_{COMMANDS[command][0]}"
    roster.rename(columns={column: "ok"}).to_csv(renamed)
    code, ids = _cli(
        command, tx, tmp_path / "out.csv", "--customers", str(renamed), "--consent", "ok"
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert len(ids) > 0 and ids.isin(roster.index[roster[column]]).all()
    assert "consent checked in column 'ok'" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_no_consent_check_is_the_reported_opt_out(
    command: str,
    cli_files: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tx, _, roster = cli_files
    column = f"consent_{COMMANDS[command][0]}"
    bare = tmp_path / "roster.csv"
    roster.drop(columns=column).to_csv(bare)
    code, ids = _cli(
        command, tx, tmp_path / "out.csv", "--customers", str(bare), "--no-consent-check"
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert not ids.isin(roster.index[roster[column]]).all()  # the refused are processed too
    assert "consent not checked (--no-consent-check)" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_roster_without_the_column_names_it_and_both_flags(
    command: str,
    cli_files: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tx, _, roster = cli_files
    column = f"consent_{COMMANDS[command][0]}"
    bare = tmp_path / "roster.csv"
    roster.drop(columns=column).to_csv(bare)
    code, _ = _cli(command, tx, tmp_path / "out.csv", "--customers", str(bare))
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert f"no consent column '{column}'" in err
    assert "--consent COLUMN, or --no-consent-check" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_cli_without_a_roster_says_nothing_was_checked(
    command: str,
    cli_files: tuple[Path, Path, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tx, _, roster = cli_files
    code, ids = _cli(command, tx, tmp_path / "out.csv")
    err = capsys.readouterr().err
    assert code == 0, err
    if command == "price":  # no consent to personalised pricing on record: list price for all
        assert len(ids) == 0 and "no --customers roster" in err
    else:
        assert len(ids) == len(roster)
        assert "consent not checked (no --customers roster)" in err


def test_cli_consent_and_no_consent_check_exclude_each_other(
    cli_files: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    tx, _, _ = cli_files
    with pytest.raises(SystemExit):
        main(["profile", str(tx), "--consent", "ok", "--no-consent-check"])
