"""Learn pages: an index, one page per cause, the guides, and the evidence page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from candid import i18n
from candid.web.context import Page, page
from candid.web.evidence import accuracy, evidence, vignettes_dir

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends(page)]


@router.get("/learn")
def index(p: PageDep, pathway: str | None = None) -> Response:
    """Causes grouped by the pathway's sites, in the pack's order, each group alphabetical in
    the reader's language. `pathway` shows another served pathway's pages than the
    person's own (the start page links each)."""
    shown = p.reading(pathway)
    if shown is None:
        return p.render("error.jinja", status=404, kind="not_found")
    p = shown
    groups = []
    for site in p.pack.meta.sites:
        here = [c for c in p.pack.causes.values() if c.site == site.id]
        here.sort(key=lambda c: i18n.collation_key(c.name.get(p.lang), p.lang))
        if here:
            groups.append((site, here))
    return p.render("learn_index.jinja", groups=groups, guides=p.learn.guides)


@router.get("/learn/causes/{cause_id}")
def cause_page(p: PageDep, cause_id: str, pathway: str | None = None) -> Response:
    shown = p.reading(pathway)
    if shown is None:
        return p.render("error.jinja", status=404, kind="not_found")
    p = shown
    cause = p.pack.causes.get(cause_id)
    if cause is None:
        return p.render("error.jinja", status=404, kind="not_found")
    learn = p.learn.causes[cause_id]
    tests = [w for w in p.pack.workup.values() if cause_id in w.tests_for]
    keys = list(dict.fromkeys([*cause.sources, *(k for s in learn.sections for k in s.sources)]))
    sources = [p.pack.sources[k] for k in keys]
    return p.render("learn_cause.jinja", cause=cause, learn=learn, tests=tests, sources=sources)


@router.get("/learn/{guide_id}")
def guide_page(p: PageDep, guide_id: str, pathway: str | None = None) -> Response:
    shown = p.reading(pathway)
    if shown is None:
        return p.render("error.jinja", status=404, kind="not_found")
    p = shown
    guide = p.learn.guides.get(guide_id.replace("-", "_"))
    if guide is None:
        return p.render("error.jinja", status=404, kind="not_found")
    keys = {k for s in guide.sections for k in s.sources}
    keys |= {k for product in guide.products for k in product.sources}
    keys |= {k for tip in guide.tips for k in tip.sources}
    sources = sorted(
        (p.pack.sources[k] for k in keys),
        key=lambda s: i18n.collation_key(s.citation, p.lang),
    )
    return p.render(
        "learn_guide.jinja",
        guide=guide,
        sources=sources,
        affiliate_links=p.web.affiliate_links if guide.products else {},
    )


@router.get("/evidence")
def evidence_page(p: PageDep, pathway: str | None = None) -> Response:
    shown = p.reading(pathway)
    if shown is None:
        return p.render("error.jinja", status=404, kind="not_found")
    p = shown
    report = accuracy(p.pack, vignettes_dir(p.pack.meta.id))
    return p.render(
        "evidence.jinja",
        evidence=evidence(p.pack, p.learn, p.lang),
        report=report,
        number=lambda value: i18n.number(value, p.lang),
        percent=lambda value: i18n.percent(value, p.lang),
    )
