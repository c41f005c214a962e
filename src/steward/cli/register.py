"""``steward register``: a model file or MLflow folder becomes the next version of a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from steward.cli.modelfile import check_data_path, check_model_path, load_model, read_table
from steward.cli.options import JsonOption, TagOption, open_client, parse_metrics, parse_pairs
from steward.cli.output import Steps, cell, note, print_json, show
from steward.core.codec import version_to_dict
from steward.core.lineage import describe_dataset
from steward.core.registry import ModelRef, check_alias, check_model_name


def register(
    ctx: typer.Context,
    *,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The model's name; created on first registration.")
    ],
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="An MLflow model folder, or a model file: .onnx, .skops, .pkl/.joblib/.pickle, "
            ".ubj/.json (--flavor xgboost), .txt (--flavor lightgbm), .pt (TorchScript).",
            show_default=False,
        ),
    ],
    flavor: Annotated[
        str | None,
        typer.Option(
            metavar="FLAVOR",
            help="sklearn, xgboost, lightgbm, onnx, pytorch or python (default: from the file).",
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", metavar="KEY=NUMBER", help="A metric KEY=NUMBER (repeatable)."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", metavar="KEY=VALUE", help="A training parameter KEY=VALUE (repeatable)."
        ),
    ] = None,
    tag: TagOption = None,
    description: Annotated[
        str, typer.Option("--description", "-d", metavar="TEXT", help="What changed in this version.")
    ] = "",
    input_example: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Sample inputs (.csv or .parquet): the signature is inferred from them.",
            show_default=False,
        ),
    ] = None,
    training_data: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Training data (.csv or .parquet), fingerprinted into the lineage.",
            show_default=False,
        ),
    ] = None,
    evaluation_data: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Evaluation data (.csv or .parquet), fingerprinted into the lineage.",
            show_default=False,
        ),
    ] = None,
    alias: Annotated[
        list[str] | None,
        typer.Option(
            "--alias", "-a", metavar="ALIAS", help="Point this alias at the new version (repeatable)."
        ),
    ] = None,
    parent: Annotated[
        str | None, typer.Option(metavar="REF", help="The version this one was retrained from, e.g. churn/3.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Register PATH as the next version of NAME, and print its reference (churn/4)."""
    check_model_name(name)
    aliases = [check_alias(a) for a in alias or ()]
    if parent:
        ModelRef.parse(parent)
    options: dict[str, Any] = {
        "metrics": parse_metrics(metric),
        "params": parse_pairs(param, "--param", "max_depth=6"),
        "tags": parse_pairs(tag, "--tag"),
        "description": description,
        "aliases": aliases,
        "parent": parent,
    }
    source = check_model_path(path, flavor)
    data_files = {
        option: check_data_path(file, option)
        for option, file in (
            ("--input-example", input_example),
            ("--training-data", training_data),
            ("--evaluation-data", evaluation_data),
        )
        if file is not None
    }
    if source.runs_code:
        what = "may unpickle a model" if source.kind == "mlflow" else "unpickles it"
        note(f"Note: loading {path} {what}, which runs code from the file; register only files you trust.")

    with Steps(len(data_files) + (1 if source.kind == "mlflow" else 2)) as steps:
        datasets = []
        for option, file in data_files.items():
            steps.next(f"Reading {file.name}")
            frame = read_table(file, option)
            if option == "--input-example":
                options["input_example"] = frame
            else:
                role = "training" if option == "--training-data" else "evaluation"
                datasets.append(describe_dataset(frame, file.name, role, file.resolve().as_uri()))
        options["datasets"] = datasets
        if source.kind == "mlflow":
            steps.next("Packaging and uploading the MLflow model")
            with open_client(ctx) as client:
                version = client.import_mlflow(source.path, name, **options)
        else:
            steps.next(f"Loading {path.name}")
            model = load_model(source)
            steps.next("Packaging and uploading")
            with open_client(ctx) as client:
                version = client.register(model, name, flavor=source.flavor, **options)

    if json:
        print_json(version_to_dict(version))
        return
    aliases_text = f"; aliases: {', '.join(version.aliases)}" if version.aliases else ""
    show(f"Registered [bold]{cell(version.ref)}[/bold] ({escape(version.flavor + aliases_text)})")
