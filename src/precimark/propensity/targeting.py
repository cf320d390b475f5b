"""Whom to contact: positive expected incremental profit, best first, within a budget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from precimark._validation import fail, fail_rows
from precimark.kpi.estimates import _finite_or_none
from precimark.privacy import ConsentLike, DataUse
from precimark.privacy._gate import resolve_consent

__all__ = ["TargetSelection", "select_targets"]


@dataclass(frozen=True)
class TargetSelection:
    """Result of :func:`select_targets`.

    Attributes
    ----------
    targets : DataFrame
        The customers to contact, best first, indexed by customer id: ``uplift``, ``value``
        (per conversion), ``expected_profit`` (``uplift * value - cost_per_contact``),
        ``cumulative_cost`` and ``cumulative_profit``.
    curve : DataFrame
        Expected profit against budget when contacting the best ``n`` eligible customers, for
        ``n = 0 ... all``: ``n_contacts``, ``budget`` (``n * cost_per_contact``) and
        ``expected_profit`` (cumulative). Its maximum is where profit stops growing.
    n_excluded : int
        Customers left out for lack of the ``"marketing"`` consent.
    data_usage_ : tuple of DataUse
        Whether and where consent was checked (``"consent_check"``), or why not (opted out
        with ``consent=False``, or no roster); see
        :func:`precimark.privacy.data_usage_report`.
    """

    targets: pd.DataFrame
    curve: pd.DataFrame
    n_excluded: int
    data_usage_: tuple[DataUse, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`targets`, the customers to contact, best first.

        Returns
        -------
        DataFrame
            Indexed by customer id: ``uplift``, ``value``, ``expected_profit``,
            ``cumulative_cost`` and ``cumulative_profit``.

        Examples
        --------
        >>> import pandas as pd
        >>> from precimark.propensity import select_targets
        >>> uplift = pd.Series([0.10, 0.02, 0.05], index=pd.Index([1, 2, 3], name="customer_id"))
        >>> select_targets(uplift, cost_per_contact=1.0, value_per_conversion=40.0).to_frame().index.tolist()
        [1, 3]
        """
        return self.targets.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return a strict-JSON-safe summary of the selection: counts and totals only.

        No per-customer row is included (neither customer ids nor their scores): the chosen
        customers are in :attr:`targets` (and :meth:`to_frame`), the full profit curve in
        :attr:`curve`. Keys: ``n_targets``; ``n_eligible`` (customers ranked, after the
        consent gate); ``n_excluded``; ``total_cost``, ``expected_profit`` and
        ``expected_uplift`` (sums over the targets, 0.0 when there are none);
        ``best_n_contacts`` and ``best_expected_profit`` (the maximum of :attr:`curve`,
        without a budget); ``data_usage`` (one ``{column, purpose, used_by}`` dict per
        :class:`~precimark.privacy.DataUse`). Numbers are plain floats and ints.

        Returns
        -------
        dict

        Examples
        --------
        >>> import json
        >>> import pandas as pd
        >>> from precimark.propensity import select_targets
        >>> uplift = pd.Series([0.10, 0.02, 0.05], index=pd.Index([1, 2, 3], name="customer_id"))
        >>> d = select_targets(uplift, cost_per_contact=1.0, value_per_conversion=40.0,
        ...                    budget=1).to_dict()
        >>> d["n_targets"], d["total_cost"], d["expected_profit"], d["best_expected_profit"]
        (1, 1.0, 3.0, 4.0)
        >>> _ = json.dumps(d, allow_nan=False)
        """
        profit = self.curve["expected_profit"].to_numpy(np.float64)
        best = int(np.argmax(profit)) if len(profit) else 0
        return {
            "n_targets": len(self.targets),
            "n_eligible": max(len(self.curve) - 1, 0),
            "n_excluded": int(self.n_excluded),
            "total_cost": _finite_or_none(self.targets["cumulative_cost"].max())
            if len(self.targets)
            else 0.0,
            "expected_profit": _finite_or_none(self.targets["expected_profit"].sum()),
            "expected_uplift": _finite_or_none(self.targets["uplift"].sum()),
            "best_n_contacts": int(self.curve["n_contacts"].iloc[best]) if len(profit) else 0,
            "best_expected_profit": _finite_or_none(profit[best]) if len(profit) else 0.0,
            "data_usage": [asdict(use) for use in self.data_usage_],
        }


def _non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise fail(f"argument '{name}'", repr(value), "a number >= 0")
    number = float(value)
    if not np.isfinite(number) or number < 0:
        raise fail(f"argument '{name}'", repr(value), "a finite number >= 0")
    return number


def _arm_costs(cost: object, scores: pd.Series[float] | pd.DataFrame) -> npt.NDArray[np.float64]:
    """One cost per arm (a single cost for a Series of scores)."""
    if not isinstance(cost, Mapping):
        number = _non_negative(cost, "cost_per_contact")
        width = scores.shape[1] if isinstance(scores, pd.DataFrame) else 1
        return np.full(width, number)
    if not isinstance(scores, pd.DataFrame):
        raise fail("argument 'cost_per_contact'", "a mapping", "a number (scores has one arm)")
    missing = [arm for arm in scores.columns if arm not in cost]
    if missing:
        raise fail(
            "argument 'cost_per_contact'",
            f"no cost for the arm(s) {missing!r}",
            "a cost for every column of 'scores'",
        )
    return np.asarray(
        [_non_negative(cost[arm], "cost_per_contact") for arm in scores.columns],
        dtype=np.float64,
    )


def select_targets(
    scores: pd.Series[float] | pd.DataFrame,
    *,
    cost_per_contact: float | Mapping[Any, float],
    value_per_conversion: float | None = None,
    clv: pd.Series[float] | None = None,
    budget: float | None = None,
    customers: pd.DataFrame | None = None,
    consent: ConsentLike | None = None,
) -> TargetSelection:
    """Choose whom to contact: positive expected incremental profit, best first, within budget.

    A customer's expected incremental profit is ``uplift * value - cost_per_contact``, where
    ``uplift`` is the predicted increase in conversion probability caused by the contact
    (e.g. :meth:`TwoModelUplift.predict`) and ``value`` the value of one conversion (a fixed
    ``value_per_conversion`` or the customer's ``clv``). Customers are ranked by it (ties by
    customer id); those with a positive value are selected in that order while the total
    cost stays within ``budget``.

    With several offers, ``scores`` is a frame with one column of predicted uplift per arm
    (e.g. ``pd.DataFrame(model.predict(X), index=ids, columns=model.arms_)``): each
    customer gets the arm with the largest expected profit, and the customers are then
    ranked by it under the one budget (a greedy choice: with equal costs per arm it is the
    most profitable plan; with different costs a cheaper arm is not traded in to fit one
    more customer).

    Parameters
    ----------
    scores : Series or DataFrame
        Predicted uplift per customer, indexed by customer id (one row each); a frame has
        one column per arm.
    cost_per_contact : float or mapping
        Cost of one contact (>= 0); with several arms, a number or a mapping from each arm
        (column of ``scores``) to its cost.
    value_per_conversion : float, optional
        Value of one incremental conversion. Give this or ``clv``.
    clv : Series, optional
        Value per customer (e.g. customer lifetime value), indexed by customer id; must cover
        every scored customer.
    budget : float, optional
        Maximum total contact cost. Default: no limit.
    customers : DataFrame, optional
        Customer roster with consent columns, indexed by customer id. When given, only
        customers with the ``"marketing"`` consent are eligible
        (:func:`precimark.privacy.require_consent`).
    consent : str, ConsentPolicy or False, optional
        Consent column or policy (needs ``customers``). Default (None): the default policy,
        column ``consent_marketing`` (a roster without it is an error). ``False`` makes
        everyone eligible without a check. Without a roster there is nothing to check.

    Returns
    -------
    TargetSelection
        ``targets`` (best first; with several arms an ``arm`` column too), the
        profit-versus-budget ``curve``, ``n_excluded`` and ``data_usage_`` (the consent
        check, or why there was none).

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark.propensity import select_targets
    >>> uplift = pd.Series([0.10, 0.02, 0.05, -0.01], index=pd.Index([1, 2, 3, 4], name="customer_id"))
    >>> chosen = select_targets(uplift, cost_per_contact=1.0, value_per_conversion=40.0, budget=5)
    >>> chosen.targets[["expected_profit", "cumulative_cost"]]
                 expected_profit  cumulative_cost
    customer_id
    1                        3.0              1.0
    3                        1.0              2.0

    Two offers, one budget:

    >>> arms = pd.DataFrame({"A": [0.10, 0.01, 0.03], "B": [0.02, 0.06, 0.01]},
    ...                     index=pd.Index([1, 2, 3], name="customer_id"))
    >>> plan = select_targets(arms, cost_per_contact={"A": 1.0, "B": 0.5},
    ...                       value_per_conversion=40.0, budget=2)
    >>> plan.targets[["arm", "uplift", "expected_profit"]]
                arm  uplift  expected_profit
    customer_id
    1             A    0.10              3.0
    2             B    0.06              1.9
    """
    if not isinstance(scores, pd.Series | pd.DataFrame):
        raise fail(
            "argument 'scores'",
            f"a {type(scores).__name__}",
            "a Series by customer id (or a frame with one column per arm)",
        )
    if scores.index.duplicated().any():
        raise fail_rows(
            "argument 'scores' index",
            scores.index.duplicated(),
            scores.index,
            "duplicated customer id",
            "one score per customer",
        )
    uplift = scores.astype(np.float64)
    bad = ~np.isfinite(uplift.to_numpy())
    if bad.ndim == 2:
        bad = bad.any(axis=1)
    if bad.any():
        raise fail_rows(
            "argument 'scores'", bad, scores.index, "missing or infinite score", "finite numbers"
        )
    costs = _arm_costs(cost_per_contact, scores)
    limit = np.inf if budget is None else _non_negative(budget, "budget")
    if (value_per_conversion is None) == (clv is None):
        raise fail(
            "arguments 'value_per_conversion' and 'clv'",
            "both given" if clv is not None else "neither given",
            "exactly one of them",
        )
    gate = resolve_consent(customers, "marketing", consent, used_by="select_targets")
    keep = gate.mask(uplift.index)
    n_excluded = int((~keep).sum())
    uplift = uplift[keep]
    if clv is not None:
        if not isinstance(clv, pd.Series):
            raise fail("argument 'clv'", f"a {type(clv).__name__}", "a Series by customer id")
        value = clv.reindex(uplift.index).astype(np.float64)
        missing = ~np.isfinite(value.to_numpy())
        if missing.any():
            raise fail_rows(
                "argument 'clv'",
                missing,
                uplift.index,
                "customer without a (finite) value",
                "a value per scored customer",
            )
        if (value < 0).any():
            raise fail_rows(
                "argument 'clv'",
                (value < 0).to_numpy(),
                uplift.index,
                "negative value",
                "values >= 0",
            )
    else:
        value = pd.Series(
            _non_negative(value_per_conversion, "value_per_conversion"), index=uplift.index
        )
    if isinstance(uplift, pd.DataFrame):
        profit = uplift.to_numpy() * value.to_numpy()[:, None] - costs
        best = np.argmax(profit, axis=1) if len(uplift) else np.zeros(0, dtype=np.intp)
        rows = np.arange(len(uplift))
        table = pd.DataFrame(
            {
                "arm": uplift.columns.to_numpy()[best],
                "uplift": uplift.to_numpy()[rows, best],
                "value": value,
                "expected_profit": profit[rows, best],
            },
            index=uplift.index,
        )
        contact_cost = pd.Series(costs[best], index=uplift.index)
    else:
        table = pd.DataFrame({"uplift": uplift, "value": value})
        table["expected_profit"] = table["uplift"] * table["value"] - costs[0]
        contact_cost = pd.Series(costs[0], index=uplift.index)
    table = table.sort_index().sort_values("expected_profit", ascending=False, kind="stable")
    if len(np.unique(costs)) <= 1:
        table["cumulative_cost"] = costs[0] * np.arange(1, len(table) + 1, dtype=np.float64)
    else:
        table["cumulative_cost"] = contact_cost.reindex(table.index).cumsum().to_numpy()
    table["cumulative_profit"] = table["expected_profit"].cumsum()
    chosen = table[(table["expected_profit"] > 0) & (table["cumulative_cost"] <= limit + 1e-9)]
    curve = pd.DataFrame(
        {
            "n_contacts": np.arange(len(table) + 1),
            "budget": np.concatenate(([0.0], table["cumulative_cost"].to_numpy())),
            "expected_profit": np.concatenate(([0.0], table["cumulative_profit"].to_numpy())),
        }
    )
    return TargetSelection(
        targets=chosen, curve=curve, n_excluded=n_excluded, data_usage_=gate.data_usage
    )
