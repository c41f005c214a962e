"""Round-trip properties, on every backend."""

from __future__ import annotations

import hashlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.ports import ArtifactStore


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=5000), chunk_size=st.integers(min_value=1, max_value=6000))
def test_get_of_put_is_identity_and_put_is_deterministic(
    store: ArtifactStore, data: bytes, chunk_size: int
) -> None:
    # The store is shared by the examples: content addressing makes earlier examples harmless.
    digest = store.put_bytes(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.put_stream(io.BytesIO(data)) == digest
    assert store.put_bytes(data) == digest
    assert store.get_bytes(digest) == data
    assert b"".join(store.open_chunks(digest, chunk_size)) == data
