"""An event's digest is the SHA-256 of its canonical JSON text, as tills and head office have
always written it; the quick way of writing that text must give the same bytes."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from storeapp.continuity import event_digest


def canonical(seq: int, event_id: str, event_type: str, payload: str) -> str:
    text = json.dumps([seq, event_id, event_type, payload], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@given(st.integers(min_value=-2**70, max_value=2**70), texts, texts,
       texts | st.builds(json.dumps, st.dictionaries(texts, texts | st.integers())))
def test_the_digest_is_that_of_the_canonical_json(seq: int, event_id: str, event_type: str,
                                                  payload: str) -> None:
    assert event_digest(seq, event_id, event_type, payload) == canonical(
        seq, event_id, event_type, payload)


def test_a_known_event_keeps_its_digest() -> None:
    payload = '{"store": "0001", "name": "张三\\n", "note": "tab\\there \\"q\\" \\u2028"}'
    assert event_digest(7, "e-1", "member_registered", payload) == canonical(
        7, "e-1", "member_registered", payload)
    assert event_digest(True, "e", "t", "p") == canonical(True, "e", "t", "p")  # type: ignore[arg-type]
