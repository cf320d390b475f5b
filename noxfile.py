"""Developer tasks: `nox -s tests`, `nox -s lint`, `nox -s typecheck`, `nox -s docs`, ...

Every session builds its own virtualenv from pyproject.toml, so a fresh machine with only
Python 3.11 and pip needs nothing else.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, property and doctests (warnings are errors)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


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
        session.run("python", str(script), env={"MPLBACKEND": "Agg"})


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
