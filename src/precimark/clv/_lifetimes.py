"""The one place precimark imports ``lifetimes``: lazily, quietly, and without side effects.

``lifetimes`` (archived, last release 2020) sets a deprecated global pandas option when it is
imported and emits warnings on pandas 3. Everything here imports it inside
``warnings.catch_warnings()`` and puts pandas' options back as they were, so importing
precimark (or fitting a model) changes no global state.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["build_fitter", "fit", "fitter_class", "log_likelihood", "quiet"]

_FITTERS = {
    "BetaGeo": "BetaGeoFitter",
    "ParetoNBD": "ParetoNBDFitter",
    "ModifiedBetaGeo": "ModifiedBetaGeoFitter",
    "GammaGamma": "GammaGammaFitter",
    "BetaGeoBetaBinom": "BetaGeoBetaBinomFitter",
}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence lifetimes: its warnings, its prints, and its pandas-option side effect."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        options = _pandas_options()
        try:
            yield
        finally:
            _restore_pandas_options(options)


def _pandas_options() -> dict[str, Any]:
    # The only option lifetimes touches; read without triggering pandas' deprecation machinery.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {"mode.chained_assignment": pd.get_option("mode.chained_assignment")}
        except (KeyError, pd.errors.OptionError):
            return {}


def _restore_pandas_options(options: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, value in options.items():
            pd.set_option(key, value)


def fitter_class(model: str) -> Any:
    """Return the lifetimes fitter class for a model key (``"BetaGeo"``, ...)."""
    with quiet():
        import lifetimes

        return getattr(lifetimes, _FITTERS[model])


def build_fitter(model: str, params: dict[str, float], penalizer: float = 0.0) -> Any:
    """Rebuild a lifetimes fitter from fitted parameters (no data attached)."""
    fitter = fitter_class(model)(penalizer_coef=penalizer)
    fitter.params_ = pd.Series(params, dtype=np.float64)
    if hasattr(fitter, "conditional_expected_number_of_purchases_up_to_time"):
        fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time  # as fit() does
    return fitter


def fit(
    model: str,
    data: Sequence[npt.NDArray[np.float64]],
    weights: npt.NDArray[np.float64],
    *,
    penalizer: float,
    initial_params: npt.NDArray[np.float64] | None,
    names: Sequence[str],
) -> dict[str, float]:
    """Fit with lifetimes and return the parameters (the fitter and its data are dropped)."""
    with quiet():
        fitter = fitter_class(model)(penalizer_coef=penalizer)
        fitter.fit(*data, weights=weights, initial_params=initial_params)
        return {name: float(fitter.params_[name]) for name in names}


def log_likelihood(
    model: str, params: Sequence[float], data: Sequence[npt.NDArray[np.float64]]
) -> npt.NDArray[np.float64]:
    """Per-row log-likelihood from lifetimes' own formula (for models without a native one)."""
    cls = fitter_class(model)
    function: Callable[..., Any] = (
        cls._conditional_log_likelihood if model == "ParetoNBD" else cls._loglikelihood
    )
    with quiet():
        return np.asarray(function(np.asarray(params, dtype=np.float64), *data), dtype=np.float64)
