"""Save a pickled scikit-learn model as an MLflow model folder, for ``mlflow models serve``.

Imports nothing of Steward, so it runs in a separate virtualenv with MLflow:
    /path/to/mlflow-venv/bin/python benchmarks/mlflow_serving.py MODEL.pkl EXAMPLE.npy OUT_DIR
The signature is inferred from the example rows as a table of float columns f0, f1, …, the shape
``dataframe_split`` requests take.
"""

from __future__ import annotations

import argparse
import logging
import pickle
import warnings

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("example")
    parser.add_argument("out")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    import mlflow.sklearn
    import pandas as pd
    from mlflow.models import infer_signature

    with open(args.model, "rb") as file:
        model = pickle.load(file)  # the benchmark's own file
    example = np.load(args.example)
    frame = pd.DataFrame(example, columns=[f"f{i}" for i in range(example.shape[1])])
    signature = infer_signature(frame, model.predict(example))
    mlflow.sklearn.save_model(model, args.out, signature=signature, serialization_format="pickle")


if __name__ == "__main__":
    main()
