"""The relevance suite: realistic searches, written from the source document, each with
the instruments a reader must find in the first ten results and those that must not be
there (tests/relevance/queries.json; tests/relevance/README.md says how it was made).

It reports recall@10 (the share of each query's expected records in its first ten,
averaged) and MRR (the mean reciprocal rank of the first expected record), and holds them
to 0.95 and 0.85 with no forbidden record in any first ten. It writes each query's first
ten to var/relevance/top10-<database>.json: .ci/run compares the two databases' files,
which must be identical.
"""

import json
import statistics
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from programs.models import Instrument

SUITE = Path(__file__).parent / "relevance" / "queries.json"
QUERIES = json.loads(SUITE.read_text(encoding="utf-8"))
OUT = Path(__file__).resolve().parent.parent / "var" / "relevance"
CLASSES = {
    "keyword": 20, "question": 15, "english": 20, "typo1": 10, "typo2": 8, "acronym": 12,
    "institution": 10, "group": 10, "year": 6, "phrase": 6, "exclusion": 5, "linked": 8,
    "nonsense": 6, "filtered": 10,
}  # fmt: skip

pytestmark = pytest.mark.usefixtures("knowledge_base")


def first_ten(client, entry):
    response = client.get("/instrumentos/", {"q": entry["q"], **entry.get("filters", {})})
    assert response.status_code == 200, entry["q"]
    return [instrument.slug for instrument in response.context["page"].object_list[:10]]


def test_the_suite_covers_every_kind_of_query_and_names_existing_records():
    named = {slug for entry in QUERIES for slug in entry["must"] + entry.get("must_not", [])}
    assert named - set(Instrument.objects.values_list("slug", flat=True)) == set()
    counts = Counter(entry["class"] for entry in QUERIES)
    assert len(QUERIES) >= 120
    assert {name: counts[name] >= least for name, least in CLASSES.items()} == dict.fromkeys(
        CLASSES, True
    )
    assert len({entry["q"] + json.dumps(entry.get("filters")) for entry in QUERIES}) == len(QUERIES)


def test_search_finds_what_readers_expect_and_nothing_it_must_not(client):
    recall, reciprocal, forbidden, tops = [], [], {}, {}
    for entry in QUERIES:
        top = first_ten(client, entry)
        tops[entry["q"] + json.dumps(entry.get("filters", {}), sort_keys=True)] = top
        if must := entry["must"]:
            recall.append(sum(slug in top for slug in must) / len(must))
            ranks = [top.index(slug) + 1 for slug in must if slug in top]
            reciprocal.append(1 / min(ranks) if ranks else 0)
        wrong = [slug for slug in entry.get("must_not", []) if slug in top]
        if entry.get("expect_empty") and top:
            wrong.append("(results where none were expected)")
        if wrong:
            forbidden[entry["q"]] = wrong
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"top10-{connection.vendor}.json").write_text(
        json.dumps(tops, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    print(
        f"\nrelevance: {len(QUERIES)} queries, recall@10 {statistics.mean(recall):.3f}, "
        f"MRR {statistics.mean(reciprocal):.3f}"
    )
    assert forbidden == {}
    assert statistics.mean(recall) >= 0.95
    assert statistics.mean(reciprocal) >= 0.85
