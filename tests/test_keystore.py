"""The key store: secrets outside the database, readable by the app's user only, made once."""

from __future__ import annotations

import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from storeapp.keystore import KeyStore, new_entry


def _secret_of(directory: str, entry: str) -> bytes:
    return KeyStore(entry, Path(directory), use_keyring=False).secret("master")


def test_secrets_are_files_only_their_owner_reads(tmp_path: Path) -> None:
    store = KeyStore("till-test", tmp_path / "keys", use_keyring=False)
    made = store.secret("master")
    assert len(made) == 32 and store.secret("master") == made  # made once, then kept
    for path in (tmp_path / "keys", store.directory):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    files = list(store.directory.iterdir())
    assert [f.name for f in files] == ["master.key"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    store.put_text("hq_token", "tok-123")
    assert store.text("hq_token") == "tok-123"
    store.delete("hq_token")
    assert store.get("hq_token") is None and store.text("hq_token") == ""


def test_processes_making_a_secret_at_once_agree_on_one(tmp_path: Path) -> None:
    entry = new_entry("hq")
    with ProcessPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(_secret_of, [str(tmp_path)] * 8, [entry] * 8))
    assert len(set(made)) == 1
    assert not list((tmp_path / entry).glob("*.partial"))


@pytest.mark.parametrize("name", ["", "../master", "a/b", "x" * 65])
def test_names_cannot_leave_the_directory(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        KeyStore("till-test", tmp_path, use_keyring=False).get(name)


def test_members_keys_stay_few_in_memory_and_all_on_disk(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from storeapp import pii

    monkeypatch.setattr(pii, "CACHED_KEYS", 10)
    keys = pii.MemberKeys(KeyStore("till-test", tmp_path, use_keyring=False))
    made = keys.create_many(f"m{i}" for i in range(30))
    assert [keys.get(f"m{i}") for i in range(30)] == [made[f"m{i}"] for i in range(30)]
    assert keys.get_many(f"m{i}" for i in range(25, 35)) == {
        f"m{i}": made[f"m{i}"] for i in range(25, 30)}
    assert len(keys._cache) == 10  # the most recently used only
    keys.destroy("m29")
    assert keys.get("m29") is None and keys.get("m28") == made["m28"]
    keys.close()
