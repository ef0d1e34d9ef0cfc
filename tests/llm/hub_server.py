"""A local HTTP server that serves files in the Hugging Face hub's layout
(`/{repo}/resolve/{revision}/{file}` and the file listing), for download tests."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import TracebackType

from aiohttp import web

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class LocalHub:
    """`async with LocalHub({"owner/repo": {"file.gguf": path}}) as hub:` → `hub.url`."""

    def __init__(self, repos: dict[str, dict[str, Path]]) -> None:
        self.repos = repos
        self.downloads: list[str] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> LocalHub:
        app = web.Application()
        app.router.add_route("*", "/api/models/{owner}/{name}/tree/{revision}", self._tree)
        app.router.add_route("*", "/{owner}/{name}/resolve/{revision}/{file}", self._resolve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _files(self, request: web.Request) -> dict[str, Path]:
        repo = f"{request.match_info['owner']}/{request.match_info['name']}"
        if repo not in self.repos:
            raise web.HTTPNotFound(headers={"X-Error-Code": "RepoNotFound"})
        return self.repos[repo]

    async def _tree(self, request: web.Request) -> web.Response:
        files = self._files(request)
        entries = [
            {"type": "file", "path": name, "size": path.stat().st_size, "oid": "0" * 40}
            for name, path in files.items()
        ]
        return web.json_response(entries)

    async def _resolve(self, request: web.Request) -> web.StreamResponse:
        files = self._files(request)
        name = request.match_info["file"]
        if name not in files:
            raise web.HTTPNotFound(headers={"X-Error-Code": "EntryNotFound"})
        data = files[name].read_bytes()
        etag = hashlib.sha256(data).hexdigest()
        headers = {
            "ETag": f'"{etag}"',
            "X-Repo-Commit": COMMIT,
            "Content-Length": str(len(data)),
            "Accept-Ranges": "bytes",
        }
        if request.method == "HEAD":
            return web.Response(headers=headers)
        self.downloads.append(name)
        return web.Response(body=data, headers=headers)
