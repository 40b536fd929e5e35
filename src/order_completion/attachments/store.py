"""Where attachment bytes are kept: a folder, each file named by its SHA-256 (so the same
file sent twice is stored once, and a file's name can never reach the file system)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class AttachmentStore(Protocol):
    """Where attachment bytes live: a folder (the default) or an S3-compatible bucket
    (``integrations.s3``); either names a file by its SHA-256."""

    async def put(self, data: bytes) -> str: ...

    async def get(self, sha256: str) -> bytes: ...


@dataclass(frozen=True)
class FolderStore:
    root: Path

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put(self, data: bytes) -> str:
        """Keep ``data``; its SHA-256, by which it is found again."""
        sha256 = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, sha256, data)
        return sha256

    def _write(self, sha256: str, data: bytes) -> None:
        target = self._path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and moved in: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as output:
                output.write(data)
                output.flush()
                os.fsync(output.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._path(sha256).read_bytes)
