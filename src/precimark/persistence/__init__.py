"""Saving fitted objects for services: a signed, versioned envelope around pickle.

Every fitted precimark object pickles (pickle, joblib, cloudpickle). Unpickling runs code, and
a service that loads a model written by another version of precimark should fail loudly, not
mis-predict quietly. So :func:`save`/:func:`dump_bytes` write a header (the precimark version,
the type) and an HMAC-SHA256 signature made with a key the user holds, and
:func:`load`/:func:`load_bytes` check the signature and the ``major.minor`` version before
anything is unpickled. An unsigned envelope, or one whose key is not at hand, loads only with
an explicit ``trusted=True``.

Every fitted estimator and the pricing policy also offer JSON through ``to_dict()`` and
``from_dict()``. Parameter-only documents (the CLV models, the policy, KPI aggregates) carry a
format version and load in any precimark version that reads that format. Documents of
estimators that wrap scikit-learn models, and of the profiler, hold internal state, so they
load only under the same ``major.minor`` versions of precimark and scikit-learn.

JSON documents (``to_dict``) are the path for documents that cross a trust boundary; a
signed pickle is the fast path between processes that share the key.

The package's private modules: ``_envelope`` (the pickle envelope), ``_header`` (the header
every JSON document starts with), ``_state`` (fitted state as a JSON tree) and ``_allowlist``
(which classes and functions a JSON document may name).
"""

from __future__ import annotations

from precimark.persistence._envelope import (
    FORMAT_VERSION,
    MIN_KEY_BYTES,
    dump_bytes,
    load,
    load_bytes,
    save,
)

__all__ = ["FORMAT_VERSION", "MIN_KEY_BYTES", "dump_bytes", "load", "load_bytes", "save"]
