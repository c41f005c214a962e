"""Explainability: permutation importance, TreeSHAP, local contributions, PD/ICE, sensitivity.

Pure computation on pandas frames and a model's ``predict``/``predict_proba``
(and, for TreeSHAP and linear models, the framework's own object). The
service (:mod:`steward.services.explain`) loads versions, stores results and
audits; :mod:`steward.core.explain.charts` draws them.
"""

from __future__ import annotations

from steward.core.explain.explanation import (
    KINDS,
    METHODS,
    ExplainRequest,
    Explanation,
    check_kind,
    explanation_from_dict,
    explanation_to_dict,
)

__all__ = [
    "KINDS",
    "METHODS",
    "ExplainRequest",
    "Explanation",
    "check_kind",
    "explanation_from_dict",
    "explanation_to_dict",
]
