"""The data plane: an inference server for one deployment.

``steward serve DEPLOYMENT`` builds :func:`steward.serving.app.create_app` and
runs it with uvicorn. The app answers the Open Inference Protocol v2
(``/v2/...``) and MLflow scoring (``/invocations``), routes each request to a
version by the deployment's weights, swaps versions in place when the
deployment changes, and logs payloads to Parquet. See docs/serving.md.
"""
