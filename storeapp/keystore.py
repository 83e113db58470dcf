"""Secrets kept outside the database: the OS keyring where there is one, else key files that only
the app's user can read.

A till's database and its backups hold only ciphertext and keyed hashes of members' personal data
(:mod:`storeapp.pii`); the keys that open them live here, so a copied database file or backup
reads as noise. Each database names its entry (a random id kept in the database, not a secret),
so a database restored to another path finds its keys, and a copy of the file alone finds none.

Where the keys go:

- the OS keyring (``keyring``: Secret Service, macOS Keychain, Windows Credential Locker) when a
  real backend is present;
- otherwise ``$STOREAPP_KEY_DIR`` or the user's config directory (``~/.config/storeapp/keys``
  on Linux), one directory per entry (mode 0700) with one file per secret (mode 0600), written
  atomically. The config directory is deliberately not the data directory the database and its
  backups live in.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets as _random
from pathlib import Path

import platformdirs

KEY_DIR_ENV = "STOREAPP_KEY_DIR"
#: ``STOREAPP_KEYRING=0`` keeps keys in files even where an OS keyring exists (tests, servers)
KEYRING_ENV = "STOREAPP_KEYRING"
SECRET_BYTES = 32
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def key_directory() -> Path:
    configured = os.environ.get(KEY_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_config_dir("storeapp", appauthor=False)) / "keys"


def _usable_keyring() -> object | None:
    if os.environ.get(KEYRING_ENV, "1") == "0":
        return None
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - a dependency, but a till must start without it
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) < 1:
        return None
    return backend


class KeyStore:
    """The secrets of one database (``entry``): raw bytes by name."""

    def __init__(self, entry: str, directory: Path | None = None, *,
                 use_keyring: bool | None = None) -> None:
        if not _NAME.fullmatch(entry):
            raise ValueError(f"bad key entry {entry!r}")
        self.entry = entry
        self._backend = (_usable_keyring() if use_keyring is None
                         else (_usable_keyring() if use_keyring else None))
        self.directory = (directory or key_directory()) / entry

    @property
    def where(self) -> str:
        """Where the secrets are, for people: ``keyring:<backend>`` or the directory."""
        if self._backend is not None:
            return f"keyring:{type(self._backend).__name__}"
        return str(self.directory)

    @property
    def service(self) -> str:
        return f"storeapp/{self.entry}"

    def get(self, name: str) -> bytes | None:
        _check(name)
        if self._backend is not None:
            value = self._backend.get_password(self.service, name)  # type: ignore[attr-defined]
            return None if value is None else base64.b64decode(value)
        path = self.directory / f"{name}.key"
        try:
            return base64.b64decode(path.read_bytes())
        except FileNotFoundError:
            return None

    def put(self, name: str, value: bytes) -> None:
        _check(name)
        if self._backend is not None:
            self._backend.set_password(  # type: ignore[attr-defined]
                self.service, name, base64.b64encode(value).decode())
            return
        partial = self._written(name, value)
        os.replace(partial, self.directory / f"{name}.key")
        _fsync_directory(self.directory)

    def _written(self, name: str, value: bytes) -> Path:
        """``value`` in a new file of its own (0600 whatever the umask), synced, not yet in
        place: the caller moves or links it there."""
        self._make_directory()
        partial = self.directory / f"{name}.{_random.token_hex(4)}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, base64.b64encode(value))
            os.fsync(fd)
        finally:
            os.close(fd)
        return partial

    def _make_directory(self) -> None:
        """The key directory and this entry's, readable by the app's user only (which entries
        exist is nobody else's business either)."""
        for path in (self.directory.parent, self.directory):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.chmod(0o700)

    def delete(self, name: str) -> None:
        _check(name)
        if self._backend is not None:
            with contextlib.suppress(Exception):  # already gone is gone
                self._backend.delete_password(self.service, name)  # type: ignore[attr-defined]
            return
        with contextlib.suppress(FileNotFoundError):
            (self.directory / f"{name}.key").unlink()
            _fsync_directory(self.directory)

    def secret(self, name: str) -> bytes:
        """The secret ``name``, made (32 random bytes) the first time it is asked for. Two
        processes asking at once (head office's workers) end up with the same one: the file
        is linked into place only if none is there yet."""
        value = self.get(name)
        if value is not None:
            return value
        value = _random.token_bytes(SECRET_BYTES)
        if self._backend is not None:
            self.put(name, value)
            return value
        partial = self._written(name, value)
        try:
            os.link(partial, self.directory / f"{name}.key")
        except FileExistsError:
            pass  # another process made it first: theirs is the one
        finally:
            partial.unlink()
        _fsync_directory(self.directory)
        kept = self.get(name)
        assert kept is not None
        return kept

    def text(self, name: str) -> str:
        """A secret kept as text (a head-office token): empty when there is none."""
        value = self.get(name)
        return "" if value is None else value.decode()

    def put_text(self, name: str, value: str) -> None:
        if value:
            self.put(name, value.encode())
        else:
            self.delete(name)


def new_entry(prefix: str) -> str:
    return f"{prefix}-{_random.token_hex(8)}"


def _check(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"bad secret name {name!r}")


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


__all__ = ["KEYRING_ENV", "KEY_DIR_ENV", "KeyStore", "key_directory", "new_entry"]
