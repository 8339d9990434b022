"""Spanish-aware search, with the same matching rules on SQLite and PostgreSQL.

The engine is four layers, each importing only those before it:

    analyzer    text → terms: casefold, strip accents, drop stop words, Spanish stems
    vocabulary  the indexed words (typos, "did you mean") and the editors' synonyms
    query       a reader's words → concepts (prefixes, synonyms, acronyms, typos)
    searchable  the model mixin that keeps a record's analyzed text, and the queryset
                method `search(query)`, which matches and ranks (`matching`, the one
                place that branches on the database vendor)

`highlight` marks matched words in displayed text.
"""
