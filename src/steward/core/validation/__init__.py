"""Validation statistics: metrics, paired bootstrap, fairness, calibration, robustness, suites (pure)."""
