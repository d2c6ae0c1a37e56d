"""Candid's own stylesheet and script (built by `make assets`), and the NHS.UK frontend icons
its CSS refers to, served by Starlette's StaticFiles: never a CDN."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

STATIC = Path(str(files("candid.web").joinpath("static")))


def mount(app: FastAPI) -> None:
    # check_dir=False: the app still starts before the assets are built (it warns); their
    # URLs answer 404 until `make assets` has run.
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.mount("/assets", StaticFiles(directory=STATIC / "nhsuk", check_dir=False), name="nhsuk")
