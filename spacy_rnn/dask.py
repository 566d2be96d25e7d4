"""Anonymize a Dask DataFrame: :func:`anonymize`, lazily, on any Dask scheduler.

    import spacy_rnn.dask
    out = spacy_rnn.dask.anonymize(ddf, text="text", conversation="conversation_id", key=key)
    out.to_parquet("anonymized/")            # or .compute(), on a distributed Client or locally

The rows are shuffled by conversation id so that every record of a conversation meets in one
partition, whatever partition it came from, and each partition is anonymized like
:func:`spacy_rnn.anonymize_frame` anonymizes a DataFrame: the output holds the same rows (index and
every other column unchanged), a conversation's rows in their input order. Each worker process
builds the pipeline once and reuses it for every partition; the key travels inside a
:class:`~spacy_rnn.scale.engine.Secret`, so no task name or dashboard page shows it.
Needs ``pip install "spacy-rnn[dask]"``.
"""
import os
import tempfile
from typing import Optional, Sequence, Union

import dask.dataframe as dd
import pandas as pd

from .anonymizer.keys import DEFAULT_KEY_ENV
from .errors import Errors
from .frame import _columns, anonymize_rows, build_args, resolve_key
from .scale.engine import BuildArgs, Secret, pipeline

SEQ = "_spacy_rnn_seq"  # input order: partition number << 40 | row number (dropped from the output)
_ROWS_BITS = 40


def _number(df: pd.DataFrame, partition_info=None) -> pd.DataFrame:
    part = partition_info["number"] if partition_info else 0
    out = df.copy()
    out[SEQ] = pd.Series([(part << _ROWS_BITS) | i for i in range(len(df))], index=df.index, dtype="int64")
    return out


def _anonymize_partition(df: pd.DataFrame, texts: Sequence[str], conversation: Optional[str], key: Secret,
                         args: BuildArgs, batch_size: int, partition_info=None) -> pd.DataFrame:
    if SEQ in df.columns:
        df = df.sort_values(SEQ, kind="stable").drop(columns=[SEQ])
    prefix = f"{partition_info['number'] if partition_info else 0}:" if conversation is None else ""
    p = pipeline(args, threads=1)  # one per worker process; torch on one thread beside the other workers
    with p.lock:
        p.anonymizer(key)
        return anonymize_rows(df, list(texts), conversation, p.nlp, batch_size, record_prefix=prefix)


def anonymize(ddf: dd.DataFrame, text: Union[str, Sequence[str]] = "text",
              conversation: Optional[str] = "conversation_id", key: Union[None, bytes, str, Secret] = None, *,
              key_file: Optional[str] = None, key_env: Optional[str] = DEFAULT_KEY_ENV, npartitions: Optional[int] = None,
              model: Optional[str] = None, lang: str = "en", max_length: Optional[int] = None, batch_size: int = 512,
              shuffle_method: Optional[str] = "tasks", **options) -> dd.DataFrame:
    """A lazy Dask DataFrame: ``ddf`` with the person names of its ``text`` column(s) replaced.

    The arguments are those of :func:`spacy_rnn.anonymize_frame`; ``npartitions``: the partitions after
    the shuffle by conversation (default: those of ``ddf``). Without ``conversation`` each row is its
    own conversation and no shuffle happens. The key is read here (from ``key``, ``key_file`` or
    ``key_env``), once, and reaches the workers in memory only."""
    texts = _columns(ddf._meta, text, conversation)
    secret = resolve_key(key, key_file, key_env)
    args = build_args(model, lang, max_length, **options)
    if conversation is not None:
        numbered = ddf.map_partitions(_number, meta=_number(ddf._meta))
        ddf = numbered.shuffle(conversation, npartitions=npartitions or ddf.npartitions,
                               shuffle_method=shuffle_method)
    return ddf.map_partitions(_anonymize_partition, texts, conversation, secret, args, batch_size,
                              meta=ddf._meta.drop(columns=[SEQ], errors="ignore"))




def partitions_graph(specs, job, n_parts: int, single: bool, shuffle_method: str = "p2p"):
    """The delayed partition tasks of a sharded ``anonymize`` run: read every shard (one task each),
    move each row to the partition its conversation's hash names (a shuffle with fixed divisions, so
    partition ``i`` holds what it holds in one process), anonymize and write each partition."""
    import dask
    from .cli.sharded import run_partition
    from .cli.shards import read_shard, rows_frame

    rows = dd.from_map(read_shard, specs, paths=job.paths, n_parts=n_parts, single=single, meta=rows_frame(),
                       label="read-shard", enforce_metadata=False)
    grouped = rows.set_index("_part", divisions=list(range(n_parts)) + [n_parts - 1], shuffle_method=shuffle_method)
    task = dask.delayed(run_partition, pure=True)
    return [task(i, part, job, dask_key_name=f"anonymize-partition-{i:05d}-{dask.base.tokenize(i, part, job)}")
            for i, part in enumerate(grouped.to_delayed())]


def scratch_directory() -> str:
    """The local workers' scratch space, where the shuffle buffers records as they were read: one folder
    per user, mode 700. Each worker removes its own folder when it closes, and Dask purges the folders of
    workers that were killed when the next worker starts in it."""
    import getpass
    path = os.path.join(tempfile.gettempdir(), f"spacy-rnn-dask-{getpass.getuser()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def connect(cluster: Union[int, str]):
    """A Client: on ``cluster`` local worker processes (one thread each, torch on one thread) started
    here, or on the scheduler at an address. ValueError (E345) if it cannot be reached."""
    import logging
    from distributed import Client, LocalCluster

    if isinstance(cluster, int):
        import dask
        # one thread per worker process, as Dask's nanny sets up workers; without the nanny's
        # MALLOC_TRIM_THRESHOLD_=65536, which makes the pipeline's many small allocations about 28%
        # slower (measured: 20,000 messages in 20.7 s instead of 16.1 s)
        environ = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            local = LocalCluster(n_workers=cluster, threads_per_worker=1, processes=True, dashboard_address=None,
                                 silence_logs=logging.ERROR, local_directory=scratch_directory())
        return Client(local), local
    try:
        return Client(cluster, timeout="20s"), None
    except (OSError, TimeoutError) as e:
        raise ValueError(Errors.E345.format(address=cluster, reason=str(e).splitlines()[0] if str(e) else
                                            type(e).__name__)) from None


def run_partitions(cluster: Union[int, str], specs, job, n_parts: int, single: bool):
    """Run a sharded ``anonymize`` on ``cluster`` (see :func:`connect`): (partition results, workers)."""
    import dask
    client, local = connect(cluster)
    try:
        # the rows' strings stay Python strings (pyarrow's would refuse a lone surrogate in a conversation id)
        with dask.config.set({"dataframe.convert-string": False}):
            tasks = partitions_graph(specs, job, n_parts, single)
            results = client.gather(client.compute(tasks))
        workers = len(client.scheduler_info()["workers"])
        return results, workers
    finally:
        client.close()
        if local is not None:
            local.close()


__all__ = ["anonymize", "partitions_graph", "connect", "run_partitions"]
