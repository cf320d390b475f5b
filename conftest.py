"""Repository-level pytest configuration."""

# ``python -m precimark`` entry point: importing it runs the CLI, so doctest collection skips it.
collect_ignore = ["src/precimark/__main__.py"]
