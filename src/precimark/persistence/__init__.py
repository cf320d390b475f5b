"""Saving fitted objects for services: a versioned envelope around pickle.

Every fitted precimark object pickles (pickle, joblib, cloudpickle). A service that loads a model
written by another version of precimark should fail loudly, not mis-predict quietly, so
:func:`save`/:func:`dump_bytes` wrap the object with the precimark version that wrote it, and
:func:`load`/:func:`load_bytes` refuse an object written by a different ``major.minor``
version.

Every fitted estimator and the pricing policy also offer JSON through ``to_dict()`` and
``from_dict()``. Parameter-only documents (the CLV models, the policy, KPI aggregates) carry a
format version and load in any precimark version that reads that format. Documents of
estimators that wrap scikit-learn models, and of the profiler, hold internal state, so they
load only under the same ``major.minor`` versions of precimark and scikit-learn.

Only load files you trust: unpickling runs code.

The package's private modules: ``_envelope`` (the pickle envelope), ``_header`` (the header
every JSON document starts with), ``_state`` (fitted state as a JSON tree) and ``_allowlist``
(which classes and functions a JSON document may name).
"""

from __future__ import annotations

from precimark.persistence._envelope import FORMAT_VERSION, dump_bytes, load, load_bytes, save

__all__ = ["FORMAT_VERSION", "dump_bytes", "load", "load_bytes", "save"]
