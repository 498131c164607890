"""No prompt text reaches the file unless the application opted in; no secret ever does."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_data import record

from costroute.errors import LedgerError
from costroute.ledger import CallRecord, SQLiteLedger, hash_prompt

# Both strings live only inside the prompt: no other field of any record contains them.
SECRET_PROMPT = "zebra-quasar-4471 summarise the merger memo"
FAKE_KEY = "sk-proj-Zq9XcV7bN3mL1kP0tR8wY2uE"
MESSAGES = [{"role": "user", "content": f"{SECRET_PROMPT}; my key is {FAKE_KEY}"}]


def _raw_bytes(folder: Path) -> bytes:
    """Every byte of the database and its WAL and shared-memory files."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def _records(prompt_text: str | None) -> list[CallRecord]:
    digest = hash_prompt(MESSAGES)
    return [
        record(prompt_hash=digest, prompt_text=prompt_text, user="u", tags={"feature": "x"})
        for _ in range(3)
    ]


def test_prompt_never_stored_by_default(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "ledger.sqlite")
    ledger.append_many(_records(None))
    ledger.report("2026-11", group_by="user")
    while_open = _raw_bytes(tmp_path)  # database, WAL and shared memory
    ledger.close()
    for raw in (while_open, _raw_bytes(tmp_path)):
        assert SECRET_PROMPT.encode() not in raw
        assert FAKE_KEY.encode() not in raw
        assert b"sk-" not in raw
        assert hash_prompt(MESSAGES).encode() in raw  # the digest is kept, the text is not


def test_prompt_stored_when_opted_in(tmp_path: Path) -> None:
    # The control case: proves the byte search above would have found the text.
    text = MESSAGES[0]["content"]
    with SQLiteLedger(tmp_path / "ledger.sqlite") as ledger:
        ledger.append_many(_records(text))
        assert [r.prompt_text for r in ledger.records()] == [text] * 3
    assert SECRET_PROMPT.encode() in _raw_bytes(tmp_path)


def test_reprs_and_errors_do_not_show_the_prompt(tmp_path: Path) -> None:
    rec = _records(MESSAGES[0]["content"])[0]
    assert SECRET_PROMPT not in repr(rec) and FAKE_KEY not in repr(rec)
    with SQLiteLedger(tmp_path / "ledger.sqlite") as ledger:
        ledger.append(rec)
        with pytest.raises(LedgerError) as info:
            ledger.append(rec)
    assert SECRET_PROMPT not in str(info.value) and FAKE_KEY not in str(info.value)
