"""Feedback (issue 21): the silent ``precimark`` logger and ``verbose=`` progress on stderr."""

from __future__ import annotations

import io
import logging

import numpy as np
import pandas as pd
import pytest

import precimark
from precimark import DataValidationError
from precimark._progress import Progress
from precimark.clv import BetaGeoModel
from precimark.datasets import load_cdnow, make_transactions
from precimark.exceptions import ConvergenceWarning
from precimark.kpi import bootstrap
from precimark.profiling import CustomerProfiler
from precimark.profiling.rfm import rfm_summary
from precimark.propensity import PropensityModel


def test_the_library_logger_is_silent_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("precimark")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)
    assert precimark.clv._base._logger.parent is not None  # a child of "precimark"
    assert logging.getLogger("precimark.clv._base").name.startswith("precimark.")
    rfm = rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    BetaGeoModel().fit(rfm)
    assert capsys.readouterr().err == ""


def test_clv_fits_log_their_starts_timing_and_parameters(caplog: pytest.LogCaptureFixture) -> None:
    rfm = rfm_summary(load_cdnow(sample=True), observation_end="1997-09-30", time_unit="W")
    with caplog.at_level(logging.DEBUG, logger="precimark"):
        model = BetaGeoModel().fit(rfm)
    messages = [r.getMessage() for r in caplog.records if r.name == "precimark.clv._base"]
    assert any(m.startswith("BetaGeoModel: start 1 of ") for m in messages)
    fitted = [m for m in messages if m.startswith("BetaGeoModel fitted (engine native)")]
    assert len(fitted) == 1
    assert "on 2357 customers" in fitted[0]
    assert f"r {model.params_['r']:.6g}" in fitted[0]
    assert f"log-likelihood {model.log_likelihood_:.4f}" in fitted[0]


def test_consent_exclusions_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    sim = make_transactions(200, random_state=2)
    roster = sim.customers
    expected = int((~roster["consent_profiling"].astype(bool)).sum())
    assert expected > 0
    with caplog.at_level(logging.INFO, logger="precimark"):
        CustomerProfiler().fit(sim.transactions, roster)
    gate = [r.getMessage() for r in caplog.records if r.name == "precimark.privacy._gate"]
    assert set(gate) == {  # the profiler consults the gate once per pass over the roster
        f"CustomerProfiler: {expected} of {len(roster)} customers in the roster without "
        "profiling consent (column 'consent_profiling') are excluded"
    }


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_writes_few_lines_off_a_terminal(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="precimark"),
        Progress("step", 1_000, verbose=True) as p,
    ):
        for _ in range(1_000):
            p.advance()
    lines = capsys.readouterr().err.splitlines()
    assert 15 <= len(lines) <= 20
    assert lines[-1].startswith("step: 1000/1000 (") and lines[0].startswith("step: 50/1000 (")
    assert [r.getMessage().split(" done in ")[0] for r in caplog.records] == ["step:"]


def test_progress_rewrites_one_line_in_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with Progress("step", 3, verbose=True) as p:
        for _ in range(3):
            p.advance(detail="rows")
    text = terminal.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "\rstep: 3/3 rows (" in text


def test_progress_is_silent_unless_verbose_and_checks_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Progress("step", 3, verbose=False) as p:
        p.advance(3)
    assert capsys.readouterr().err == ""
    with pytest.raises(DataValidationError, match="argument 'verbose'"):
        Progress("step", 3, verbose=1)  # type: ignore[arg-type]


def test_bootstrap_verbose_shows_resamples_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(size=200)

    def diff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x.mean(axis=-1) - y.mean(axis=-1)

    quiet = bootstrap(diff, a, b, random_state=1)
    assert capsys.readouterr().err == ""
    loud = bootstrap(diff, a, b, random_state=1, verbose=True)
    assert loud == quiet
    assert capsys.readouterr().err.splitlines()[-1].startswith("bootstrap: 2000/2000 resamples (")


def test_propensity_and_profiler_show_their_stages(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    y = (X["a"] + rng.normal(size=400) > 0).astype(int)
    quiet = PropensityModel(random_state=0).fit(X, y).predict_proba(X)
    loud = PropensityModel(random_state=0).fit(X, y, verbose=True).predict_proba(X)
    np.testing.assert_array_equal(quiet, loud)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("PropensityModel.fit: 1/2 400 rows x 3 features checked; fitting ")
    assert lines[1].startswith(
        "PropensityModel.fit: 2/2 fitted the default classifier (logistic regression, small "
        "boosted trees or their mean) with sigmoid calibration on out-of-fold predictions; "
        "chosen by out-of-fold log-loss: logistic ("
    )

    sim = make_transactions(150, random_state=3)
    archive = CustomerProfiler(consent=False).fit_transform(sim.transactions, verbose=True)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" ")[1] for line in lines] == ["1/4", "2/4", "3/4", "4/4"]
    assert f"archive of {len(archive):,} customers" in lines[-1]
    CustomerProfiler(consent=False).fit(sim.transactions, verbose=True)
    assert len(capsys.readouterr().err.splitlines()) == 3


def test_same_day_transactions_are_a_logged_finding(caplog: pytest.LogCaptureFixture) -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-01-05"]),
            "amount": [10.0, 5.0, 7.0, 3.0],
        }
    )
    with caplog.at_level(logging.INFO, logger="precimark"):
        rfm = rfm_summary(tx, observation_end="2024-03-01", time_unit="D")
    assert rfm["frequency"].tolist() == [1, 0]
    messages = [r.getMessage() for r in caplog.records if r.name == "precimark.profiling.rfm"]
    assert messages == [
        "4 transactions are 3 purchases: a customer's transactions of one day are summed"
    ]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="precimark"):
        rfm_summary(tx.drop(index=1), observation_end="2024-03-01", time_unit="D")
    assert not [r for r in caplog.records if r.name == "precimark.profiling.rfm"]


def test_a_boundary_fit_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Poisson buyers who never drop out (as tests/clv/test_engine.py): a -> 0 on the boundary."""
    rng = np.random.default_rng(3)
    T = rng.uniform(10, 40, 2_000)
    x = rng.poisson(rng.gamma(2.0, 0.15, 2_000) * T).astype(float)
    recency = np.array([0.0 if k == 0 else t * rng.beta(k, 1) for k, t in zip(x, T, strict=True)])
    rfm = pd.DataFrame({"frequency": x, "recency": recency, "T": T})
    with (
        caplog.at_level(logging.INFO, logger="precimark"),
        pytest.warns(ConvergenceWarning, match="no interior maximum"),
    ):
        model = BetaGeoModel().fit(rfm, time_unit="W")
    messages = [r.getMessage() for r in caplog.records if r.name == "precimark.clv._base"]
    assert model.boundary_["a"] == "zero"
    assert any(m.startswith("BetaGeoModel: boundary fit (") and "a -> 0" in m for m in messages)
