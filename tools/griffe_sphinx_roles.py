"""Griffe extension for the docs build: render the docstrings' Sphinx roles as links.

The docstrings follow numpydoc and cross-reference with Sphinx roles (``:func:`~precimark.rfm_summary```),
which mkdocstrings prints literally. Once the package is loaded, every role is rewritten:
a target inside precimark becomes an optional autorefs link (a bare name is looked up from
the object's own scope outwards), anything else (numpy, pandas, scikit-learn) becomes inline
code. Only the docs build uses this file.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|exc|obj):`(~?)([^`<>]+?)`")


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring of the loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Rewrite the roles of every object of ``pkg`` once all its modules are loaded."""
        self._walk(pkg, pkg)

    def _walk(self, obj: griffe.Object, root: griffe.Module) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(lambda m: self._link(m, obj, root), obj.docstring.value)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member, root)  # type: ignore[arg-type]

    def _link(self, match: re.Match[str], obj: griffe.Object, root: griffe.Module) -> str:
        short, target = match.group(1) == "~", match.group(2).strip()
        path = self._resolve(target, obj, root)
        label = target.rsplit(".", 1)[-1] if short else target
        if path is None:
            return f"`{label}`"
        # An optional autoref: a link when the target is rendered on some page, else plain
        # code (an attribute listed in an Attributes section, a module without a page).
        return f'<autoref identifier="{path}" optional><code>{label}</code></autoref>'

    @staticmethod
    def _resolve(target: str, obj: griffe.Object, root: griffe.Module) -> str | None:
        if target.startswith(root.path + "."):
            candidates = [target]
        else:
            scopes = []
            scope: griffe.Object | None = obj
            while scope is not None:
                scopes.append(scope.path)
                scope = scope.parent
            candidates = [f"{s}.{target}" for s in scopes]
        for candidate in candidates:
            try:
                found = root.modules_collection.get_member(candidate)
            except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
                continue
            if found.is_alias and any(part.startswith("_") for part in candidate.split(".")):
                try:
                    return str(found.final_target.path)
                except griffe.AliasResolutionError:
                    return None
            return candidate
        return None
