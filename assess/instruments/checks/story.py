"""Checks of ``story.yaml``: known sentences with known placeholders, dimension
owners for real dimensions, known maturity conditions, real open questions."""

from __future__ import annotations

from ..fileformat import STORY_FILE
from ..story import COMMENT_FINDINGS, CONDITIONS, SENTENCES, placeholders
from .context import CheckContext, join, suggest


def _check_template(ctx: CheckContext, location: str, key: str, value: object) -> None:
    texts = (
        [value]
        if isinstance(value, str)
        else (list(value.values()) if isinstance(value, dict) else [])
    )
    allowed = SENTENCES[key]
    for text in texts:
        if not isinstance(text, str):
            continue
        try:
            names = placeholders(text)
        except ValueError as error:
            ctx.add(STORY_FILE, location, f"braces do not match ({error}); write {{{{ for a brace")
            continue
        for name in names:
            if name not in allowed:
                known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
                ctx.add(
                    STORY_FILE,
                    location,
                    f"unknown placeholder {{{name}}}{suggest(name, allowed)}; "
                    f"this sentence may use: {known}",
                )


def check_story(ctx: CheckContext) -> None:
    """Every part of ``story.yaml`` refers to something that exists."""
    story = ctx.files.get(STORY_FILE)
    if not isinstance(story, dict):
        return
    sentences = story.get("sentences")
    if isinstance(sentences, dict):
        for key, value in sentences.items():
            location = join("sentences", str(key))
            if key not in SENTENCES:
                hint = suggest(str(key), SENTENCES)
                ctx.add(STORY_FILE, location, f"unknown sentence '{key}'{hint}")
                continue
            ctx.check_text(STORY_FILE, location, value)
            _check_template(ctx, location, key, value)
    dimensions = story.get("dimensions")
    if isinstance(dimensions, dict):
        for dim_id, entry in dimensions.items():
            location = join("dimensions", str(dim_id))
            if ctx.instrument_known and dim_id not in ctx.dimensions:
                ctx.add(
                    STORY_FILE,
                    location,
                    f"unknown dimension '{dim_id}'{suggest(str(dim_id), ctx.dimensions)}",
                )
            if isinstance(entry, dict):
                ctx.check_text(STORY_FILE, join(location, "owner"), entry.get("owner"))
                ctx.check_text(STORY_FILE, join(location, "measure"), entry.get("measure"))
    maturity = story.get("maturity")
    if isinstance(maturity, dict):
        levels = {m.get("level") for m in ctx.inst.get("maturity", []) or [] if isinstance(m, dict)}
        for level, conditions in maturity.items():
            location = join("maturity", str(level))
            if ctx.instrument_known and level not in levels:
                ctx.add(STORY_FILE, location, f"no maturity level {level} in instrument.yaml")
            for condition in conditions if isinstance(conditions, list) else []:
                if condition not in CONDITIONS:
                    ctx.add(
                        STORY_FILE,
                        location,
                        f"unknown condition '{condition}'{suggest(str(condition), CONDITIONS)}"
                        f" (known: {', '.join(sorted(CONDITIONS))})",
                    )
    hostage = story.get("hostage_dimensions")
    for index, dim_id in enumerate(hostage if isinstance(hostage, list) else []):
        if ctx.instrument_known and isinstance(dim_id, str) and dim_id not in ctx.dimensions:
            ctx.add(
                STORY_FILE,
                f"hostage_dimensions[{index}]",
                f"unknown dimension '{dim_id}'{suggest(dim_id, ctx.dimensions)}",
            )
    comments = story.get("comments")
    if isinstance(comments, dict):
        questions: set[str] = {
            str(q["id"])
            for data in ctx.questionnaires.values()
            for q in (data.get("open_questions") or [])
            if isinstance(q, dict) and isinstance(q.get("id"), str)
        }
        for question, findings in comments.items():
            location = join("comments", str(question))
            if ctx.items_complete and question not in questions:
                ctx.add(
                    STORY_FILE,
                    location,
                    f"unknown open question '{question}'{suggest(str(question), questions)}",
                )
            for finding in findings if isinstance(findings, list) else []:
                if finding not in COMMENT_FINDINGS:
                    ctx.add(
                        STORY_FILE,
                        location,
                        f"unknown finding '{finding}' (known: "
                        f"{', '.join(sorted(COMMENT_FINDINGS))})",
                    )
