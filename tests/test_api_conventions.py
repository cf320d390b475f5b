"""One spelling per concept: every public signature of precimark follows the naming rules.

The test walks ``precimark.__all__`` and the ``__all__`` of every public module (any module
whose dotted path has no component starting with ``_``), and inspects every public function,
every class's ``__init__`` (dataclass fields included) and every public method defined by a
precimark class. Each parameter is checked against these rules (DESIGN.md, "Conventions";
issue 14, item 5):

``seed``
    Seeds are ``random_state``. The names ``seed``, ``seeds``, ``rng`` and ``random_seed`` are
    refused, and so is any other name for a parameter annotated ``SeedLike``.
``confidence``
    Interval levels are ``confidence``. The names ``level``, ``conf_level``,
    ``confidence_level``, ``ci``, ``ci_level`` and ``interval_level`` are refused. ``alpha``
    and ``interval`` are refused when their docstring entry describes an interval (mentions
    "confidence" or "interval") and not a significance level. ``alpha`` stays legitimate as a model
    parameter (BG/NBD's ``alpha``) or as a significance level (a family-wise error rate),
    because those are different concepts: the rule looks at the documented meaning, not the
    word.
``sample_weight``
    Weights are ``sample_weight``; ``weights``, ``weight`` and ``w`` are refused.
``column``
    An argument whose value is a column name ends in ``_column`` (one name) or ``_columns``
    (several), or is spelled ``column``/``columns`` outright, or is a field of ``Columns``
    (the ``columns=`` argument). Names ending in ``_col``/``_cols`` are always refused. An
    argument *is* a column name when it is annotated with ``str`` (alone or in a union or
    sequence) and its docstring entry says "column". The concept names of DESIGN.md are the
    documented exceptions: ``treatment`` (always a column name, see below) and those in
    :data:`COLUMN_ALLOWLIST`, each with its reason.
``treatment``
    ``treatment`` is always a column name: a parameter so named is annotated ``str`` (or
    ``str | None``), never an array.
``horizon``
    ``horizon`` is a length of time: its docstring entry says so (a number in the model's time
    unit, days/weeks, or a duration such as ``"90D"``).
``deprecated``
    Old spellings survive only as keyword aliases made by
    :func:`precimark._deprecation.deprecated_alias`: calling one emits a ``FutureWarning``
    naming the new spelling, and the alias is documented in the "Other Parameters" section
    (it is not in the signature, so the API reference does not flag it) as "Deprecated since
    ...".

Known violations in modules being changed elsewhere are listed in :data:`PENDING`. Each entry is
an expected failure (strict: once fixed, its check passes and the test asks for the entry to
be removed), so the list can only shrink.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

import precimark
from precimark._deprecation import deprecated_aliases

# --------------------------------------------------------------------------------------------
# Expected failures: "rule:module.qualname(parameter)" -> the fix. Empty it as they are fixed.
# --------------------------------------------------------------------------------------------
PENDING: dict[str, str] = {}

# Column-name arguments that keep their spelling, with the reason (keys without the rule).
COLUMN_ALLOWLIST: dict[str, str] = {
    # Result attribute, not an argument: names the analysed outcome; users read it, never pass it.
    "precimark.kpi.campaign.CampaignEffect(metric)": "result field",
    "precimark.kpi.arms.ArmComparison(metric)": "result field",  # as CampaignEffect's
    # Takes a column name *or* a Series of group labels, like pandas' groupby(by=...).
    "precimark.pricing.evaluation.fairness_report(by)": "pandas' by",
    "precimark.pricing.fairness.fairness_frame(by)": "pandas' by (a column or a Series)",
    # DESIGN.md's concept "protected attributes"; part of the saved guardrails JSON.
    "precimark.pricing.guardrails.Guardrails(protected)": "concept name",
    # Not a column name: the purpose the columns are read for (the heuristic sees "columns").
    "precimark.propensity.models.feature_usage(purpose)": "not a column",
    # Issue 16's spelling (CLVTools' data.cov.trans/life, pymc-marketing's covariates): the
    # concept is "the covariates of a process", each a column of the summary frame.
    "precimark.clv.models.BetaGeoModel(purchase_covariates)": "concept name (issue 16)",
    "precimark.clv.models.BetaGeoModel(dropout_covariates)": "concept name (issue 16)",
    "precimark.clv.models.ParetoNBDModel(purchase_covariates)": "concept name (issue 16)",
    "precimark.clv.models.ParetoNBDModel(dropout_covariates)": "concept name (issue 16)",
}

SEED_NAMES = frozenset({"seed", "seeds", "rng", "random_seed"})
LEVEL_NAMES = frozenset(
    {"level", "conf_level", "confidence_level", "ci", "ci_level", "interval_level"}
)
WEIGHT_NAMES = frozenset({"weights", "weight", "w"})


@dataclass(frozen=True)
class Param:
    """One public parameter: where it is, its annotation and its docstring entry."""

    key: str  # module.qualname(parameter)
    owner: Callable[..., object]
    name: str
    annotation: str
    doc_type: str
    doc: str


def _public_modules() -> list[str]:
    names = ["precimark"]
    for info in pkgutil.walk_packages(precimark.__path__, "precimark."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return sorted(names)


def _parameter_docs(doc: str | None) -> dict[str, tuple[str, str]]:
    """``{name: (type, description)}`` from a numpydoc Parameters/Attributes section."""
    found: dict[str, tuple[str, str]] = {}
    if not doc:
        return found
    lines = inspect.cleandoc(doc).splitlines()
    section = ""
    current: list[str] = []
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"} and line.strip():
            section = line.strip()
            current = []
            continue
        if section not in {"Parameters", "Other Parameters", "Attributes"}:
            continue
        if line and not line.startswith(" ") and set(line) != {"-"}:
            head, _, kind = line.partition(" : ")
            current = [n.strip().lstrip("*") for n in head.split(",")]
            for name in current:
                found[name] = (kind.strip(), "")
        elif line.startswith(" ") and current:
            for name in current:
                kind, text = found[name]
                found[name] = (kind, f"{text} {line.strip()}".strip())
    return found


def _callables(obj: object, qualname: str) -> Iterator[tuple[str, Callable[..., object], str]]:
    """(key prefix, callable, docstring holding its Parameters) for a public object."""
    if inspect.isclass(obj):
        if not obj.__module__.startswith("precimark"):
            return
        prefix = f"{obj.__module__}.{obj.__qualname__}"
        init = obj.__dict__.get("__init__")
        if init is not None:
            yield prefix, obj, obj.__doc__ or ""
        for name, attr in vars(obj).items():
            if name.startswith("_"):
                continue
            func = attr.__func__ if isinstance(attr, staticmethod | classmethod) else attr
            if inspect.isfunction(func):
                yield f"{prefix}.{name}", func, func.__doc__ or ""
    elif inspect.isfunction(obj) and obj.__module__.startswith("precimark"):
        yield f"{obj.__module__}.{obj.__qualname__}", obj, obj.__doc__ or ""


def _collect() -> list[Param]:
    params: dict[str, Param] = {}
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for public in getattr(module, "__all__", ()):
            obj = getattr(module, public)
            for prefix, func, doc in _callables(obj, public):
                try:
                    signature = inspect.signature(func)
                except (TypeError, ValueError):
                    continue
                docs = _parameter_docs(doc)
                for p in signature.parameters.values():
                    if p.name in {"self", "cls"} or p.kind in {p.VAR_POSITIONAL, p.VAR_KEYWORD}:
                        continue
                    doc_type, text = docs.get(p.name, ("", ""))
                    annotation = (
                        p.annotation if isinstance(p.annotation, str) else str(p.annotation)
                    )
                    key = f"{prefix}({p.name})"
                    params[key] = Param(key, func, p.name, annotation, doc_type, text)
    return sorted(params.values(), key=lambda p: p.key)


ALL_PARAMS = _collect()


def _mentions_str(annotation: str) -> bool:
    return re.search(r"\bstr\b", annotation) is not None


def _is_column_name(p: Param) -> bool:
    text = f"{p.doc_type} {p.doc}".lower()
    return _mentions_str(p.annotation) and "column" in text


def _violations(rule: str, p: Param) -> str | None:
    """Why ``p`` breaks ``rule``, or None."""
    text = p.doc.lower()
    if rule == "seed":
        if p.name in SEED_NAMES or ("SeedLike" in p.annotation and p.name != "random_state"):
            return "seeds are spelled random_state"
    elif rule == "confidence":
        if p.name in LEVEL_NAMES:
            return "interval levels are spelled confidence"
        if (
            p.name in {"alpha", "interval"}
            and ("confidence" in text or "interval" in text)
            and "significance" not in text
        ):
            return f"{p.name} is documented as an interval level: spell it confidence"
    elif rule == "sample_weight":
        if p.name in WEIGHT_NAMES:
            return "weights are spelled sample_weight"
    elif rule == "column":
        if p.name.endswith(("_col", "_cols")):
            return "column names end in _column"
        if (
            _is_column_name(p)
            and not p.name.endswith(("_column", "_columns"))
            and p.name not in {"column", "columns", "treatment"}
            and p.key not in COLUMN_ALLOWLIST
        ):
            return "a column-name argument ends in _column (or _columns)"
    elif rule == "treatment":
        if p.name == "treatment" and p.annotation.replace(" ", "") not in {"str", "str|None"}:
            return f"treatment is a column name (str), not {p.annotation}"
    elif (
        rule == "horizon"
        and p.name == "horizon"
        and not re.search(
            r"length of time|duration|days|weeks|time unit|unit of t\b|model's unit", text
        )
    ):
        return "horizon is documented as a length of time"
    return None


RULES = ("seed", "confidence", "sample_weight", "column", "treatment", "horizon")


def _pending(rule: str) -> set[str]:
    return {key.partition(":")[2] for key in PENDING if key.partition(":")[0] == rule}


def test_the_walk_sees_the_whole_api() -> None:
    keys = {p.key for p in ALL_PARAMS}
    # A sample from each subpackage: a walk that lost a module would make every rule pass.
    for expected in (
        "precimark.datasets.make_transactions(random_state)",
        "precimark.kpi.intervals.proportion(confidence)",
        "precimark.propensity.uplift.TwoModelUplift.fit(sample_weight)",
        "precimark.clv.value.customer_lifetime_value(horizon)",
        "precimark.pricing.evaluation.evaluate_offline(log)",
        "precimark.profiling.clusters.BehaviouralSegmenter(random_state)",
    ):
        assert expected in keys
    assert len(keys) > 300


@pytest.mark.parametrize("rule", RULES)
def test_public_signatures_follow_the_rule(rule: str) -> None:
    broken = {
        p.key: why
        for p in ALL_PARAMS
        if (why := _violations(rule, p)) is not None and p.key not in _pending(rule)
    }
    assert broken == {}


def _pending_params() -> list[object]:
    return [
        pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=fix), id=key)
        for key, fix in sorted(PENDING.items())
    ]


@pytest.mark.parametrize("entry", _pending_params())
def test_pending_violation_is_fixed(entry: str) -> None:
    rule, _, key = entry.partition(":")
    matches = [p for p in ALL_PARAMS if p.key == key]
    assert all(_violations(rule, p) is None for p in matches)


def test_pending_and_allowlist_entries_are_real() -> None:
    assert {key.partition(":")[0] for key in PENDING} <= set(RULES)
    keys = {p.key for p in ALL_PARAMS}
    assert {key.partition(":")[2] for key in PENDING} <= keys
    assert set(COLUMN_ALLOWLIST) <= keys


def _aliased() -> list[tuple[str, Callable[..., object], str, str]]:
    found: dict[str, tuple[str, Callable[..., object], str, str]] = {}
    for p in ALL_PARAMS:
        prefix = p.key.rpartition("(")[0]
        for old, new in deprecated_aliases(p.owner).items():
            found[f"{prefix}({old})"] = (prefix, p.owner, old, new)
    return [found[k] for k in sorted(found)]


ALIASES = _aliased()


def test_renamed_arguments_are_aliased() -> None:
    # The renames of issue 14 that are done on this branch; each keeps its old spelling.
    names = {f"{prefix}({old})" for prefix, _, old, _ in ALIASES}
    assert "precimark.datasets.make_transactions(seed)" in names
    assert "precimark.datasets.make_uplift_data(seed)" in names
    assert {
        "precimark.privacy.pii.drop_pii(extra)",
        "precimark.privacy.pii.drop_pii(keep)",
        "precimark.profiling.profile.CustomerProfiler(attributes)",
        "precimark.profiling.profile.CustomerProfiler(attributes_as_of)",
        "precimark.propensity.snapshots.make_snapshots(as_of)",
        "precimark.propensity.snapshots.make_snapshots(attributes)",
    } <= names


@pytest.mark.parametrize(
    ("prefix", "owner", "old", "new"), ALIASES, ids=[f"{a[0]}({a[2]})" for a in ALIASES]
)
def test_deprecated_alias_warns_and_is_documented(
    prefix: str, owner: Callable[..., object], old: str, new: str
) -> None:
    signature = inspect.signature(owner)
    assert new in signature.parameters and old not in signature.parameters
    # The warning comes before the call reaches the function; the call itself may then fail
    # for want of the other arguments, which is not what this test is about.
    warned = pytest.warns(FutureWarning, match=rf"\({old}=\.\.\.\) is deprecated .* use {new}=")
    with warned, contextlib.suppress(Exception):
        owner(**{old: object()})
    with pytest.raises(TypeError, match=f"both {old}="):
        owner(**{old: object(), new: object()})
    entry = _parameter_docs(owner.__doc__).get(old)
    assert entry is not None, f"{prefix}: deprecated {old!r} is not in the Parameters section"
    assert re.search(rf"Deprecated since \d+\.\d+.*``{new}``", entry[1])
