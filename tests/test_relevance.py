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
    "nonsense": 6, "filtered": 10, "english-text": 12,
}  # fmt: skip

pytestmark = pytest.mark.usefixtures("knowledge_base")


# Searches of the records' English text, asked on the English catalogue only; the other
# classes are asked on the Spanish one, and the "english" class on both.
ENGLISH_PAGE_ONLY = "english-text"


def first_ten(client, entry, catalogue="/instrumentos/"):
    response = client.get(catalogue, {"q": entry["q"], **entry.get("filters", {})})
    assert response.status_code == 200, entry["q"]
    return [instrument.slug for instrument in response.context["page"].object_list[:10]]


def measure(client, entries, catalogue, vendor_file):
    """Recall@10, MRR and the forbidden records of `entries` asked on `catalogue`; the
    first tens are written to var/relevance/`vendor_file`."""
    recall, reciprocal, forbidden, tops = [], [], {}, {}
    for entry in entries:
        top = first_ten(client, entry, catalogue)
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
    (OUT / vendor_file).write_text(
        json.dumps(tops, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    return statistics.mean(recall), statistics.mean(reciprocal), forbidden


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
    asked = [entry for entry in QUERIES if entry["class"] != ENGLISH_PAGE_ONLY]
    recall, mrr, forbidden = measure(
        client, asked, "/instrumentos/", f"top10-{connection.vendor}.json"
    )
    print(f"\nrelevance: {len(asked)} queries, recall@10 {recall:.3f}, MRR {mrr:.3f}")
    assert forbidden == {}
    assert recall >= 0.95
    assert mrr >= 0.85


# Measured 2026-12-06: recall@10 0.959, MRR 0.986 (0.905 and 0.973 before an English
# search also found what its Spanish reading finds: core/search/query.py, Query.spanish).
def test_english_searches_on_the_english_pages_meet_the_same_targets(client):
    asked = [entry for entry in QUERIES if entry["class"] in ("english", ENGLISH_PAGE_ONLY)]
    recall, mrr, forbidden = measure(
        client, asked, "/en/instrumentos/", f"top10-en-{connection.vendor}.json"
    )
    print(f"\nrelevance in English: {len(asked)} queries, recall@10 {recall:.3f}, MRR {mrr:.3f}")
    assert forbidden == {}
    assert recall >= 0.95
    assert mrr >= 0.85
