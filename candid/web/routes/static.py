"""Candid's own stylesheet and script, and the NHS.UK frontend images its CSS refers to."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)
STATIC = Path(str(files("candid.web").joinpath("static")))
TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
}
CACHE = "public, max-age=86400"


def _serve(folder: Path, name: str) -> FileResponse:
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents or not path.is_file() or path.suffix not in TYPES:
        raise HTTPException(404, "no such asset")
    return FileResponse(path, media_type=TYPES[path.suffix], headers={"cache-control": CACHE})


@router.get("/static/{name:path}")
def static(name: str) -> FileResponse:
    return _serve(STATIC, name)


@router.get("/assets/{name:path}")
def nhs_assets(name: str) -> FileResponse:
    return _serve(STATIC / "nhsuk", name)
