"""``assess instrument ...``: check, list and show instruments.

A plain click group so it works with or without an application; the
application adds it to its CLI (``app.cli.add_command(instrument_cli)``).
The JSON printed by ``show --format json`` is documented in
``docs/instrument-format.md`` ("The show JSON shape") and built by
:func:`instrument_summary`.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import click

from .loader import (
    InstrumentError,
    InstrumentNotFound,
    Problem,
    default_questionnaires_dir,
    discover_instruments,
    load_instrument,
    load_instrument_by_id,
    validate_instrument,
)
from .schema import Audience, Instrument, Lens

#: Bumped when the JSON shape of ``show --format json`` changes incompatibly.
SHOW_FORMAT_VERSION = 1

_root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding instrument folders (default: the shipped questionnaires).",
)

instrument_cli = click.Group(
    "instrument",
    help="Check, list and show questionnaire instruments (see docs/instrument-format.md).",
)


def _locate(target: str, root: Path | None) -> Path | None:
    """A folder for ``target``: an existing path, else an id under the root."""
    path = Path(target)
    if path.exists():
        return path
    base = root or default_questionnaires_dir()
    candidate = base / target
    if "/" not in target and "\\" not in target and candidate.is_dir():
        return candidate
    return None


def _counts_line(inst: Instrument) -> str:
    staff = len(inst.items_for(Audience.STAFF))
    customer = len(inst.items_for(Audience.CUSTOMER))
    return f"{staff} staff items, {customer} customer items, {len(inst.pairs())} pairs"


@instrument_cli.command("check")
@click.argument("targets", nargs=-1, metavar="[PATH|ID]...")
@_root_option
def check_command(targets: tuple[str, ...], root: Path | None) -> None:
    """Validate instrument folders and list every problem, one per line.

    PATH is an instrument folder (or an instrument id in the questionnaires
    folder). Without arguments, every instrument in the questionnaires folder
    is checked. Exits with status 1 if any instrument has a problem.
    """
    if not targets:
        base = root or default_questionnaires_dir()
        folders: list[tuple[str, Path | None]] = [
            (str(info.path), info.path) for info in discover_instruments(base)
        ]
        if not folders:
            click.echo(f"No instruments in {base}.", err=True)
            raise SystemExit(1)
    else:
        folders = [(target, _locate(target, root)) for target in targets]
    failed = 0
    for target, folder in folders:
        if folder is None:
            problems = [Problem("", "", f"no instrument folder or id '{target}'")]
            inst = None
        else:
            inst, problems = validate_instrument(folder)
        if inst is not None:
            click.echo(f"OK: {inst.id} {inst.version}: {_counts_line(inst)}")
            continue
        failed += 1
        for problem in problems:
            click.echo(str(problem))
        noun = "problem" if len(problems) == 1 else "problems"
        click.echo(f"FAILED: {target}: {len(problems)} {noun}", err=True)
    if failed:
        raise SystemExit(1)


@instrument_cli.command("list")
@_root_option
def list_command(root: Path | None) -> None:
    """List the instruments and versions in the questionnaires folder."""
    base = root or default_questionnaires_dir()
    infos = discover_instruments(base)
    if not infos:
        click.echo(f"No instruments in {base}.")
        return
    width = max(len(info.id) for info in infos)
    for info in infos:
        status = ""
        if not info.valid:
            count = len(info.problems)
            status = f"  INVALID ({count} problem{'s' if count != 1 else ''}; run "
            status += f"'instrument check {info.path}')"
        click.echo(f"{info.id:<{width}}  {info.version or '?':<8}  {info.title}{status}")


@instrument_cli.command("show")
@click.argument("target", metavar="ID|PATH")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A readable summary, or the documented JSON shape.",
)
@click.option("--language", default=None, help="Language of the texts (default: the first).")
@_root_option
def show_command(target: str, output_format: str, language: str | None, root: Path | None) -> None:
    """Show a parsed instrument: dimensions, items, segments and open questions."""
    try:
        path = Path(target)
        if path.exists():
            inst = load_instrument(path)
        else:
            inst = load_instrument_by_id(target, root)
    except InstrumentNotFound as error:
        raise click.ClickException(str(error)) from None
    except InstrumentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"instrument '{target}' is not valid; run 'instrument check' for details"
        ) from None
    if language is not None and language not in inst.languages:
        raise click.BadParameter(
            f"'{language}' is not one of {', '.join(inst.languages)}", param_hint="--language"
        )
    summary = instrument_summary(inst, language)
    if output_format == "json":
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(summary))


# -- the show shape -----------------------------------------------------------------


def instrument_summary(inst: Instrument, language: str | None = None) -> dict[str, Any]:
    """The instrument as documented plain data, texts in one language."""
    lang = language or inst.default_language

    def t(value: dict[str, str]) -> str:
        return inst.text(value, lang)

    scales = {s.id: s for s in inst.scales}
    lens_of = {d.id: d.lens for d in inst.dimensions}
    cuts = list(inst.scoring.maturity_cuts)
    bounds = [0.0, *cuts, 100.0]
    pairs = inst.pairs()
    return {
        "format": SHOW_FORMAT_VERSION,
        "id": inst.id,
        "version": inst.version,
        "title": t(inst.title),
        "description": t(inst.description),
        "languages": list(inst.languages),
        "language": lang,
        "content_hash": inst.content_hash(),
        "counts": {
            "dimensions": {lens.value: len(inst.dimensions_in(lens)) for lens in Lens},
            "items": {a.value: len(inst.items_for(a)) for a in inst.audiences()},
            "pairs": len(pairs),
            "reverse": {
                a.value: sum(1 for i in inst.items_for(a) if i.reverse) for a in inst.audiences()
            },
            "outcomes": sum(1 for i in inst.items if i.outcome is not None),
        },
        "scales": [
            {
                "id": s.id,
                "min": s.min,
                "max": s.max,
                "allow_na": s.allow_na,
                "labels": {str(point): t(label) for point, label in sorted(s.labels.items())},
            }
            for s in inst.scales
        ],
        "dimensions": [
            {
                "id": d.id,
                "lens": d.lens.value,
                "weight": d.weight,
                "title": t(d.title),
                "description": t(d.description),
                "items": {
                    a.value: [i.id for i in inst.dimension_items(d.id, a)] for a in inst.audiences()
                },
            }
            for d in inst.dimensions
        ],
        "scoring": inst.scoring.model_dump(mode="json"),
        "maturity": [
            {
                "level": m.level,
                "label": t(m.label),
                "description": t(m.description),
                "from": bounds[index] if index < len(bounds) else None,
                "to": bounds[index + 1] if index + 1 < len(bounds) else None,
            }
            for index, m in enumerate(inst.maturity)
        ],
        "questionnaires": {
            a.value: {
                "title": t(q.title),
                "intro": t(q.intro),
                "privacy": t(q.privacy),
                "estimated_minutes": q.estimated_minutes,
                "sections": [
                    {"id": s.id, "title": t(s.title), "intro": t(s.intro), "items": list(s.items)}
                    for s in q.sections
                ],
                "segments": [
                    {
                        "id": g.id,
                        "text": t(g.text),
                        "options": [{"id": o.id, "label": t(o.label)} for o in g.options],
                    }
                    for g in q.segments
                ],
                "open_questions": [
                    {"id": o.id, "text": t(o.text), "max_length": o.max_length}
                    for o in q.open_questions
                ],
            }
            for a, q in ((a, inst.questionnaires[a]) for a in inst.audiences())
        },
        "items": [
            {
                "id": i.id,
                "audience": i.audience.value,
                "section": i.section,
                "dimension": i.dimension,
                "lens": lens_of[i.dimension].value if i.dimension in lens_of else None,
                "outcome": i.outcome.value if i.outcome else None,
                "text": t(i.text),
                "scale": i.scale,
                "min": scales[i.scale].min if i.scale in scales else None,
                "max": scales[i.scale].max if i.scale in scales else None,
                "reverse": i.reverse,
                "pair": i.pair,
            }
            for i in inst.items
        ],
        "pairs": [
            {"id": key, "dimension": staff.dimension, "staff": staff.id, "customer": customer.id}
            for key, (staff, customer) in pairs.items()
        ],
        "recommendations": {
            dim_id: {
                pattern: [{"title": t(r.title), "text": t(r.text)} for r in getattr(recs, pattern)]
                for pattern in ("blind_spot", "low", "strength")
            }
            for dim_id, recs in inst.recommendations.items()
        },
    }


def render_text(summary: dict[str, Any]) -> str:
    """A readable summary of :func:`instrument_summary`'s data."""
    out: list[str] = []
    add = out.append
    add(f"{summary['id']} {summary['version']}: {summary['title']}")
    if summary["description"]:
        add(textwrap.fill(summary["description"], 88, initial_indent="  ", subsequent_indent="  "))
    counts = summary["counts"]
    add(
        f"Languages: {', '.join(summary['languages'])}    "
        f"content hash: {summary['content_hash'][:12]}"
    )
    add("")
    add("Scales")
    for s in summary["scales"]:
        labels = ", ".join(f"{k} {v}" for k, v in s["labels"].items())
        na = "with don't know" if s["allow_na"] else "no don't know"
        add(f"  {s['id']}: {s['min']}..{s['max']}, {na}" + (f" ({labels})" if labels else ""))
    add("")
    dims = counts["dimensions"]
    add(f"Dimensions ({dims.get('means', 0)} means, {dims.get('ends', 0)} ends)")
    width = max((len(d["id"]) for d in summary["dimensions"]), default=0)
    for d in summary["dimensions"]:
        per = ", ".join(f"{a} {len(ids)}" for a, ids in d["items"].items())
        add(f"  {d['id']:<{width}}  {d['lens']:<5}  weight {d['weight']:g}  {d['title']} ({per})")
    add("")
    sc = summary["scoring"]
    add(
        f"Scoring: quadrant cut {sc['quadrant_cut']:g}; maturity cuts "
        f"{', '.join(f'{c:g}' for c in sc['maturity_cuts'])}; anonymity threshold "
        f"{sc['anonymity_threshold']}; blind spot gap {sc['blind_spot_gap']:g}"
    )
    add("Maturity levels")
    for m in summary["maturity"]:
        span = f"{m['from']:g}-{m['to']:g}" if m["from"] is not None and m["to"] is not None else ""
        add(f"  {m['level']}. {m['label']}" + (f" ({span})" if span else ""))
    items_by_id = {i["id"]: i for i in summary["items"]}
    for audience, q in summary["questionnaires"].items():
        add("")
        n_items = counts["items"][audience]
        add(
            f"{audience.capitalize()} questionnaire: {q['title']} "
            f"({n_items} rated items, about {q['estimated_minutes']} minutes)"
        )
        for s in q["sections"]:
            add(f"  [{s['id']}] {s['title']}")
            for item_id in s["items"]:
                i = items_by_id[item_id]
                what = i["dimension"] or f"outcome:{i['outcome']}"
                flags = "R" if i["reverse"] else " "
                pair = f"  <{i['pair']}>" if i["pair"] else ""
                add(
                    f"    {flags} {i['id']:<20} {what:<22} {i['min']}..{i['max']:<3} "
                    f"{i['text']}{pair}"
                )
        if q["segments"]:
            add("  Segment questions")
            for g in q["segments"]:
                options = " | ".join(f"{o['id']}: {o['label']}" for o in g["options"])
                add(f"    {g['id']}: {g['text']}  [{options}]")
        if q["open_questions"]:
            add("  Open questions")
            for o in q["open_questions"]:
                add(f"    {o['id']} (up to {o['max_length']} characters): {o['text']}")
    add("")
    add(f"Pairs ({counts['pairs']})")
    for p in summary["pairs"]:
        add(f"  {p['id']:<18} {p['dimension']:<20} {p['staff']} <-> {p['customer']}")
    add("")
    reverse = ", ".join(f"{a} {n}" for a, n in counts["reverse"].items())
    add(f"Reverse-keyed items: {reverse}. R marks them above.")
    with_recs = sum(1 for recs in summary["recommendations"].values() if any(recs.values()))
    add(f"Recommendations for {with_recs} of {len(summary['dimensions'])} dimensions.")
    return "\n".join(out)
