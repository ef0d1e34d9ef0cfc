"""A local aiohttp server with the Hugging Face hub's download API, for one model repository.

It answers exactly what huggingface_hub 2.x asks during `snapshot_download` (read from its
source: `_snapshot_download.py`, `hf_api.py`, `file_download.py`):

* `GET  /api/models/{repo}/revision/{revision}` → repository info with the commit `sha`
* `GET  /api/models/{repo}/tree/{sha}?recursive=...` → the file list (paths, sizes, oids)
* `HEAD /{repo}/resolve/{sha}/{file}` → `X-Repo-Commit`, `ETag`, `Content-Length`
* `GET  /{repo}/resolve/{sha}/{file}` → the bytes
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class HubRepository:
    """Files of one repository, served from a folder."""

    repo_id: str
    folder: Path
    requests: list[tuple[str, str]] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        """Repository path → content."""
        return {
            path.relative_to(self.folder).as_posix(): path.read_bytes()
            for path in sorted(self.folder.rglob("*"))
            if path.is_file()
        }


def _oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def build_app(repo: HubRepository) -> web.Application:
    """The hub endpoints for repo; anything else is a 404 like the hub's."""
    files = repo.files()
    prefix = f"/api/models/{repo.repo_id}"

    @web.middleware
    async def record(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        repo.requests.append((request.method, request.path))
        return await handler(request)

    async def revision(request: web.Request) -> web.Response:
        siblings = [{"rfilename": name} for name in files]
        return web.json_response({"id": repo.repo_id, "sha": COMMIT, "siblings": siblings})

    async def tree(request: web.Request) -> web.Response:
        entries = [
            {"type": "file", "path": name, "size": len(data), "oid": _oid(data)}
            for name, data in files.items()
        ]
        return web.json_response(entries)

    async def resolve(request: web.Request) -> web.StreamResponse:
        name = request.match_info["filename"]
        if name not in files:
            return web.Response(status=404, headers={"X-Error-Code": "EntryNotFound"})
        data = files[name]
        headers = {
            "X-Repo-Commit": COMMIT,
            "ETag": f'"{_oid(data)}"',
            "Content-Length": str(len(data)),
        }
        if request.method == "HEAD":
            return web.Response(status=200, headers=headers)
        return web.Response(body=data, headers=headers)

    async def not_found(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": "Repository not found"},
            status=404,
            headers={"X-Error-Code": "RepoNotFound"},
        )

    app = web.Application(middlewares=[record])
    app.router.add_get(f"{prefix}/revision/{{revision}}", revision)
    app.router.add_get(f"{prefix}/tree/{{revision}}", tree)
    # add_get answers HEAD too (the metadata request).
    app.router.add_get(f"/{repo.repo_id}/resolve/{{revision}}/{{filename:.+}}", resolve)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app


@asynccontextmanager
async def running_hub(repo: HubRepository) -> AsyncIterator[str]:
    """Serve repo on a free loopback port; yields the endpoint URL (for HF_ENDPOINT)."""
    runner = web.AppRunner(build_app(repo))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
