"""Request bodies to validated batches: Open Inference Protocol and MLflow scoring.

Both protocols end in the same place: the inputs checked against the serving
version's signature (:func:`validated`), a column or tensor at a time.
"""

from __future__ import annotations

from typing import Any

from steward.core.errors import InvalidInputError
from steward.core.signature import Signature
from steward.serving import binary, mlflow_format, oip
from steward.serving.errors import UnsupportedMediaTypeError
from steward.serving.http import RequestHeaders, loads
from steward.serving.routing import Served
from steward.serving.validation import Batch, columns_batch, tensors_batch, unchecked_batch

NO_SIGNATURE = Signature(inputs=())
CSV_TYPES = (b"text/csv", b"application/csv")
JSON_TYPES = (b"", b"application/json", b"application/x-json", b"text/json")


def validated(data: Any, signature: Signature | None, max_rows: int) -> Batch:
    """*data* checked against *signature* (only counted when the version has none)."""
    if signature is None:
        return unchecked_batch(data, max_rows)
    if signature.kind == "tensor":
        return tensors_batch(data, signature, max_rows)
    return columns_batch(data, signature, max_rows)


def decode_oip(
    body: bytes, headers: RequestHeaders, route: Served, max_rows: int
) -> tuple[Batch, list[str], oip.Request]:
    """An OIP v2 infer body (JSON, or the binary tensor extension): batch, outputs wanted, request."""
    binary_ok = headers.header_length is not None and headers.content_type == binary.CONTENT_TYPE
    if headers.content_type not in JSON_TYPES and not binary_ok:
        shown = headers.content_type.decode("latin-1")
        raise UnsupportedMediaTypeError(f"Content-Type {shown!r} is not supported: use JSON.")
    request = oip.read_request(body, headers.header_length)
    signature = route.signature
    tensors = signature is not None and signature.kind == "tensor"
    data = oip.tensors_of(request.inputs) if tensors else oip.columns_of(request.inputs)
    batch = validated(data, signature, max_rows)
    if request.outputs is None:
        wanted = ["predict", "predict_proba"] if route.has_proba else ["predict"]
    else:
        wanted = request.outputs
        if "predict_proba" in wanted and not route.has_proba:
            raise InvalidInputError(
                f"Version {route.label} has no predict_proba; ask for the predict output."
            )
    return batch, wanted, request


def decode_mlflow(body: bytes, headers: RequestHeaders, route: Served, max_rows: int) -> Batch:
    """An MLflow scoring body (``dataframe_split``, ``dataframe_records``, ``instances``, ``inputs``, CSV)."""
    if headers.header_length is not None:
        raise InvalidInputError(
            "The binary tensor extension (Inference-Header-Content-Length) is for /v2/…/infer: "
            "send /invocations JSON or CSV."
        )
    signature = route.signature
    if headers.content_type in CSV_TYPES:
        if not body.strip():
            raise InvalidInputError("The CSV body is empty: send a header row and at least one row.")
        data = mlflow_format.parse_csv(body, signature or NO_SIGNATURE)
    elif headers.content_type in JSON_TYPES:
        data = mlflow_format.parse_json(loads(body), signature or NO_SIGNATURE)
    else:
        shown = headers.content_type.decode("latin-1")
        raise UnsupportedMediaTypeError(
            f"Content-Type {shown!r} is not supported: send application/json or text/csv."
        )
    return validated(data, signature, max_rows)
