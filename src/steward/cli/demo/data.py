"""The demo's data: a generated churn table, before and after the world changes.

Everything is seeded, so every run of ``steward demo`` sees the same rows. The
*drifted* population is what the demo sends once the model is in production: a
promotion brought in newer customers on monthly contracts, paying more, and
support calls now weigh more on whether they leave. The retraining run learns
from a labelled sample of that population (written to a Parquet file).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

TARGET = "churned"
NUMERIC = ["tenure_months", "monthly_charges", "support_calls"]
CATEGORICAL = ["contract", "payment_method"]
FEATURES = NUMERIC + CATEGORICAL
#: The seeds of the populations the demo draws (training, traffic before and after the drift, retraining).
TRAINING_SEED, TRAFFIC_SEED, DRIFTED_SEED, RECENT_SEED = 42, 7, 8, 9


def make_churn_data(rows: int = 3000, seed: int = TRAINING_SEED, *, drifted: bool = False) -> pd.DataFrame:
    """A churn-like table: customers who call support often on monthly contracts leave.

    With *drifted*, the population and the relationship change as described above."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    mix = [0.8, 0.15, 0.05] if drifted else [0.55, 0.25, 0.2]
    contract = rng.choice(["month-to-month", "one-year", "two-year"], size=rows, p=mix)
    pay = [0.2, 0.2, 0.6] if drifted else [1 / 3, 1 / 3, 1 / 3]
    payment = rng.choice(["card", "bank-transfer", "electronic-check"], size=rows, p=pay)
    tenure = rng.integers(1, 24 if drifted else 72, size=rows)
    charges = np.round(rng.normal(95 if drifted else 65, 20, size=rows).clip(15, 160), 2)
    calls = rng.poisson(3.0 if drifted else 1.5, size=rows)
    call_weight = 0.9 if drifted else 0.45
    base = -3.2 if drifted else -1.0
    logit = (
        base + 1.4 * (contract == "month-to-month") - 0.8 * (contract == "two-year")
        + 0.5 * (payment == "electronic-check") - 0.04 * tenure + 0.015 * (charges - 65)
        + call_weight * calls
    )  # fmt: skip
    churned = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype("int64")
    return pd.DataFrame(
        {
            "tenure_months": tenure.astype("int64"),
            "monthly_charges": charges,
            "support_calls": calls.astype("int64"),
            "contract": contract,
            "payment_method": payment,
            TARGET: churned,
        }
    )


def split(frame: pd.DataFrame, test_size: float = 0.25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and held-out rows, stratified on the target, seeded."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(frame, test_size=test_size, random_state=0, stratify=frame[TARGET])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's inputs: the table without the target."""
    return frame[FEATURES]


def write_recent(folder: Path, rows: int = 3000) -> tuple[Path, Path]:
    """Write the labelled recent (drifted) data the retraining run learns from, and held-out rows of
    it that the candidate is validated on; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    recent, holdout = split(make_churn_data(rows, RECENT_SEED, drifted=True))
    paths = folder / "churn-recent.parquet", folder / "churn-recent-holdout.parquet"
    recent.to_parquet(paths[0], index=False)
    holdout.to_parquet(paths[1], index=False)
    return paths
