"""Anonymizing many records at once, the same way in one process and on a Dask cluster.

:mod:`.engine` runs the conversation engine on a batch of records grouped by conversation
(detect, observe, resolve, rewrite), with one pipeline per process; :func:`spacy_rnn.anonymize_frame`
and :func:`spacy_rnn.dask.anonymize` (DataFrames) and ``anonymize`` on a directory or glob of shards
(``spacy_rnn.cli.sharded``) are built on it. Nothing here imports Dask.
"""
