"""The `candid` command: assess, evaluate, calibrate, kb validate, bench."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from candid.engine import FactsError, assess
from candid.engine.facts import UNKNOWN_FACT
from candid.evaluation.metrics import Report, evaluate
from candid.evaluation.vignettes import VignetteFileError, load_vignettes
from candid.knowledge import deployment
from candid.knowledge.loader import (
    DEFAULT_PACK,
    UnknownPack,
    installed_pack,
    installed_packs,
    load_pack_from,
    pack_dir,
)
from candid.knowledge.models import LANGUAGES, Pack
from candid.knowledge.problems import PackError
from candid.settings import settings

app = typer.Typer(
    help="Candid: a private, evidence-based guide for bleeding after sex.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb = typer.Typer(help="Check and inspect the knowledge pack.", no_args_is_help=True)
app.add_typer(kb, name="kb")

out = Console()
err = Console(stderr=True)
USAGE_ERROR = 2
Lang = Annotated[str, typer.Option("--lang", help=f"Language of the text: {', '.join(LANGUAGES)}.")]
PathwayOpt = Annotated[
    str,
    typer.Option(
        "--pathway",
        envvar="CANDID_DEFAULT_PATHWAY",
        help="The installed pathway (pack id) to use; `candid kb validate` lists them.",
    ),
]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(USAGE_ERROR)


def _pack(pathway: str = DEFAULT_PACK) -> Pack:
    try:
        pack = installed_pack(pathway)
    except UnknownPack as e:
        raise _fail(f"--pathway: {e}") from None
    except PackError as e:
        raise _fail("the knowledge pack is invalid; run `candid kb validate`\n" + str(e)) from None
    _deploy(pack)
    return pack


def _deploy(pack: Pack) -> None:
    """The deployer's choices for the pack (CANDID_PACK_SETTINGS), as the app applies them."""
    try:
        chosen = settings().pack_settings
    except ValueError as e:
        raise _fail(f"CANDID_PACK_SETTINGS: {e}") from None
    wrong = deployment.problems(chosen, [pack], every_name=False)
    if wrong:
        raise _fail("CANDID_PACK_SETTINGS: " + "; ".join(wrong))
    deployment.configure(chosen)


def _read_facts(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise _fail(f"cannot read {path}: {e.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise _fail(f"{path} is not valid JSON (line {e.lineno}: {e.msg})") from None


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise _fail(f"--lang {lang!r} is not supported (allowed: {', '.join(LANGUAGES)})")


@app.command("assess")
def assess_cmd(
    facts: Annotated[
        Path | None,
        typer.Option("--facts", help="JSON file of facts (the contract: candid kb facts)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
    lang: Lang = "en",
    pathway: PathwayOpt = DEFAULT_PACK,
) -> None:
    """Interview a person in the terminal, or assess the facts in a file."""
    _check_lang(lang)
    pack = _pack(pathway)
    if facts is None:
        if as_json:
            raise _fail("--json needs --facts FILE")
        from candid.terminal.interview import run_interview

        try:
            run_interview(pack, out, lang)
        except (KeyboardInterrupt, EOFError):
            err.print("\nStopped. Nothing was saved.")
            raise typer.Exit(1) from None
        return
    raw = _read_facts(facts)
    try:
        result = assess(pack, raw, lang=lang)
    except FactsError as e:
        for problem in e.problems:
            err.print(f"[red]error:[/red] {problem}", highlight=False)
        if any(p.message == UNKNOWN_FACT for p in e.problems):
            err.print("The facts are listed by `candid kb facts`.", highlight=False)
        raise typer.Exit(USAGE_ERROR) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from candid.terminal.report import render

        render(result, out, pack)


def _print_report(report: Report) -> None:
    table = Table(title=f"Vignettes: {report.n} cases")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("cases", justify="right")
    rows = [
        ("top1", report.top1, report.n_with_causes),
        ("top3", report.top3, report.n_with_causes),
        ("urgency_exact", report.urgency_exact, report.n_with_urgency),
        ("under_triage", report.under_triage, report.n_with_urgency),
        ("over_triage", report.over_triage, report.n_with_urgency),
        ("workup_recall", report.workup_recall, report.n_with_workup),
        ("workup_recall_now", report.workup_recall_now, report.n_with_workup),
    ]
    for name, value, n in rows:
        table.add_row(name, f"{value:.3f}", str(n))
    out.print(table)
    misses = [c for c in report.cases if c.top3 is False or c.error]
    under = [c for c in report.cases if c.expected_urgency and c.urgency != c.expected_urgency]
    if misses or under:
        detail = Table(title="Cases to look at")
        for col in ("id", "expected", "top 3", "urgency (expected)", "note"):
            detail.add_column(col)
        for c in sorted({id(x): x for x in misses + under}.values(), key=lambda x: x.id):
            detail.add_row(
                c.id,
                ", ".join(c.expected_causes),
                ", ".join(str(p["id"]) for p in c.predicted[:3]),
                f"{c.urgency} ({c.expected_urgency})",
                c.error or "",
            )
        out.print(detail)


@app.command("evaluate")
def evaluate_cmd(
    file: Annotated[Path, typer.Argument(help="A vignette .jsonl file or a folder of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    interview: Annotated[
        bool,
        typer.Option(
            "--interview",
            help="Also replay the adaptive interview on each case's patient answers.",
        ),
    ] = False,
    respondent: Annotated[
        str,
        typer.Option(
            "--respondent",
            help=(
                "With --interview, how questions a case is silent about are answered: "
                "'typical' (the most common answer in the pack's baseline) or 'unsure'."
            ),
        ),
    ] = "typical",
    pathway: PathwayOpt = DEFAULT_PACK,
) -> None:
    """Run vignettes through the engine and print top1, top3, triage and workup metrics.

    Each pathway's public vignettes are their own folder: `vignettes/` for the first
    pathway, `vignettes/<pathway>/` for the others (docs/evaluation.md)."""
    if respondent not in ("typical", "unsure"):
        raise _fail(f"--respondent: {respondent!r} is not allowed (allowed: typical, unsure)")
    pack = _pack(pathway)
    try:
        cases = load_vignettes(file)
    except VignetteFileError as e:
        raise _fail(str(e)) from None
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Assessing", total=len(cases))
        report = evaluate(
            cases,
            lambda case: assess(pack, case.facts),
            progress=lambda: progress.advance(task),
        )
    replayed = None
    if interview:
        from candid.evaluation.interview import summarise

        replayed = summarise(pack, cases, "typical" if respondent == "typical" else "unsure")
    if as_json:
        data = report.to_dict()
        if replayed is not None:
            data["interview"] = replayed
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        _print_report(report)
        if replayed is not None:
            shown = {k: v for k, v in replayed.items() if k != "cases"}
            out.print("Interview replay: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
    if report.errors:
        err.print(f"[yellow]{report.errors} case(s) had invalid facts; see 'error' per case[/]")


@app.command("calibrate")
def calibrate_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the table of docs/calibration.md.")
    ] = False,
    pathway: PathwayOpt = DEFAULT_PACK,
) -> None:
    """The engine against published prevalence for named groups (calibration.yaml).

    Exits 1 if an entry is outside its published range without an explanation.
    """
    from candid.evaluation import calibration as cal

    if as_json and as_markdown:
        raise _fail("--json and --markdown cannot be combined")
    pack = _pack(pathway)
    rows = cal.compare(pack, cal.load_calibration(pack.meta.id))
    if as_json:
        data = {"summary": cal.summary(rows), "entries": [r.to_dict() for r in rows]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif as_markdown:
        sys.stdout.write(cal.markdown(rows))
    else:
        table = Table(title="Calibration: the engine against published prevalence")
        for col in ("entry and group", "cause", "engine", "published (range)", "verdict"):
            table.add_column(col, overflow="fold")
        for r in rows:
            verdict = cal.verdict(r)
            if not r.within:
                verdict += ", explained below" if r.explanation else ", [red]no explanation[/red]"
            table.add_row(
                f"[bold]{r.id}[/bold]\n{r.group}\n[dim]{cal.facts_text(r.facts)}[/dim]",
                " + ".join(r.causes),
                cal.percent(r.engine),
                f"{cal.published_text(r)}\n[dim]{', '.join(r.sources)}[/dim]",
                verdict,
            )
        out.print(table)
        for r in rows:
            if r.explanation:
                out.print(f"[bold]{r.id}[/bold]: {r.explanation}", highlight=False)
        counts = cal.summary(rows)
        out.print(
            f"{counts['within']} of {counts['entries']} within the published range; "
            f"{counts['outside_explained']} outside with an explanation; "
            f"{counts['outside_unexplained']} outside without one."
        )
    if any(r.unexplained for r in rows):
        raise typer.Exit(1)


@kb.command("validate")
def kb_validate(
    path: Annotated[
        Path | None,
        typer.Option("--path", help="A pack folder (default: every installed pack)."),
    ] = None,
) -> None:
    """Check the packs: references, probabilities, sources, texts; print what is wrong."""
    folders = [path] if path is not None else [pack_dir(name) for name in installed_packs()]
    failed = [folder for folder in folders if not _validate(folder)]
    if failed:
        raise typer.Exit(1)


def _validate(folder: Path) -> bool:
    from candid.knowledge.learn import load_learn_from

    try:
        pack = load_pack_from(folder)
        learn = load_learn_from(folder, pack)
    except PackError as e:
        for problem in e.problems:
            out.print(f"[red]✗[/red] {problem}", highlight=False)
        err.print(f"{len(e.problems)} problem(s) in {folder}")
        return False
    estimates = sum(
        1 for c in pack.causes.values() for lik in c.likelihoods if lik.estimate and not lik.source
    )
    out.print(
        f"[green]✓[/green] {pack.meta.id} {pack.meta.version}: {len(pack.causes)} causes, "
        f"{len(pack.facts)} facts, {len(pack.urgency.rules)} urgency rules, "
        f"{len(pack.workup)} workup items, {len(pack.sources)} sources, "
        f"{len(learn.causes)} learn pages and {len(learn.guides)} guides; "
        f"{estimates} likelihoods rest on labelled estimates only"
    )
    return True


@kb.command("facts")
def kb_facts(pathway: PathwayOpt = DEFAULT_PACK) -> None:
    """List the facts the engine accepts, with their allowed values."""
    from candid.engine.facts import allowed_values

    pack = _pack(pathway)
    table = Table()
    for col in ("fact", "who", "allowed"):
        table.add_column(col)
    for fid, fact in pack.facts.items():
        table.add_row(fid, fact.asked_by, allowed_values(fact))
    out.print(table)


@app.command("bench")
def bench_cmd(
    runs: Annotated[int, typer.Option(min=100, help="Timed assessments.")] = 3000,
    vignettes: Annotated[
        Path, typer.Option(help="Vignette file or folder supplying the fact profiles.")
    ] = Path("vignettes"),
    pathway: PathwayOpt = DEFAULT_PACK,
) -> None:
    """Assessments per second and p50/p99 latency of one full assessment."""
    from candid.bench import GOAL_P50_MS, run_bench

    pack = _pack(pathway)
    try:
        profiles = [case.facts for case in load_vignettes(vignettes)]
    except VignetteFileError as e:
        raise _fail(f"{e} (pass --vignettes)") from None
    result = run_bench(pack, profiles, runs=runs)
    out.print(
        f"{result.runs} assessments over {len(profiles)} profiles: "
        f"{result.per_second:,.0f}/s, p50 {result.p50_ms:.3f} ms, p99 {result.p99_ms:.3f} ms, "
        f"mean {result.mean_ms:.3f} ms; p50 is {result.p50_vs_goal:.2f}x the "
        f"{GOAL_P50_MS:.0f} ms goal"
    )


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the patient web app, the JSON API, FHIR and CDS Hooks over HTTP."""
    import uvicorn

    for name in installed_packs():  # refuse to start on an invalid pack, saying why
        _pack(name)
    uvicorn.run(
        "candid.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # request lines are not needed, and no answers ever reach the logs
        # uvicorn would trust X-Forwarded-For from loopback by default, letting a client on
        # this machine (or any proxy that passes the header on) name a new address with each
        # request; Candid reads it itself, from CANDID_TRUSTED_PROXIES only.
        proxy_headers=False,
    )


def main() -> None:  # pragma: no cover
    app()
