"""Plain report data: what the report templates (screen and PDF) receive.

Templates never see ORM objects; everything here is computed from the scoring
results and the instrument snapshot.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from assess.engagements.models import Engagement
from assess.scoring import Results


def report_data(engagement: Engagement, results: Results) -> dict[str, Any]:
    instrument = engagement.instrument()
    document = results.to_dict()
    titles = {d.id: instrument.text(d.title) for d in instrument.dimensions}
    descriptions = {d.id: instrument.text(d.description) for d in instrument.dimensions}
    dimensions = [
        {**row, "title": titles[row["id"]], "description": descriptions[row["id"]]}
        for row in document["dimensions"]
    ]
    return {
        "language": instrument.default_language,
        "title": f"Customer-centricity gap report: {engagement.organisation.name}",
        "organisation": engagement.organisation.name,
        "engagement": engagement.name,
        "engagement_id": engagement.id,
        "prepared_by": engagement.prepared_by,
        "accent_colour": engagement.accent_colour,
        "generated_on": date.today().isoformat(),
        "instrument": {
            "id": instrument.id,
            "version": instrument.version,
            "title": instrument.text(instrument.title),
        },
        "anonymity_threshold": engagement.anonymity_threshold,
        "audiences": document["audiences"],
        "position": document["position"],
        "indices": document["indices"],
        "nps": document["nps"],
        "dimensions": dimensions,
        "lenses": [
            {"id": lens, "dimensions": [d for d in dimensions if d["lens"] == lens]}
            for lens in ("means", "ends")
        ],
    }
