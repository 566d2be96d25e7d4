"""`anonymize --dask` and ``spacy_rnn.dask.anonymize`` on a local cluster of worker processes (issue #17):
the same records as one process, models loaded once per worker process, no key in the graph, and a
worker killed mid-run costs a retry, not data."""
import json
import os
import signal
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

import cloudpickle  # noqa: E402  (distributed's dependency)
import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster, WorkerPlugin  # noqa: E402

from test_shards import KEY, NAMES, SHARDS, anonymize, read_lines, write_jsonl  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker plugin below, for the workers

# a conversation "a" split over every shard, and more conversations so that every partition holds some
RECORDS = [r for s in SHARDS for r in s] + [
    {"conversation_id": f"x{i}", "turn": t, "user": {"name": "Ingrid Johansson"} if t == 0 else None,
     "text": f"turn {t}: Ingrid Johansson" if t else "hello"} for i in range(30) for t in range(3)]


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one thread (as --dask local:2 starts), shared by the tests below."""
    with dask.config.set({"distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": "1"},
                          "distributed.scheduler.allowed-failures": 3}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=50)
    client = Client(cluster)
    yield cluster, client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """RECORDS spread over 4 shards (record i in shard i % 4), and the one-process output."""
    tmp = tmp_path_factory.mktemp("logs")
    for k in range(4):
        write_jsonl(tmp / "logs" / f"{k}.jsonl", RECORDS[k::4])
    assert anonymize(tmp, tmp / "logs", tmp / "one", "--partitions", "4") == 0
    return tmp


def manifest(folder: Path):
    return json.loads((folder / "_SUCCESS.json").read_text())


def test_dask_local_2_equals_one_process(logs, capsys):
    out = logs / "dask"
    assert anonymize(logs, logs / "logs", out, "--partitions", "4", "--dask", "local:2",
                     "--summary-file", logs / "s.json") == 0
    assert KEY not in capsys.readouterr().err
    lines = read_lines(out)
    assert sorted(lines) == sorted(read_lines(logs / "one")) and len(lines) == len(RECORDS)
    assert not any(name in json.loads(line)["text"] for line in lines for name in NAMES)
    assert manifest(out)["shards"] == manifest(logs / "one")["shards"]  # partition i: the same bytes
    summary = json.loads((logs / "s.json").read_text())
    assert summary["workers"] == 2 and len(summary["peak_memory_mb"]) <= 2
    # the workers' scratch space (the shuffle's buffers of the records) is private and left empty
    from spacy_rnn.dask import scratch_directory
    scratch = Path(scratch_directory())
    assert scratch.stat().st_mode & 0o777 == 0o700
    assert not list(scratch.glob("dask-scratch-space/worker-*"))


def test_models_load_once_per_worker_and_no_key_in_the_graph(cluster, logs):
    _, client = cluster
    import spacy_rnn
    from spacy_rnn.scale.engine import Secret

    df = pd.DataFrame([{"conversation_id": str(r["conversation_id"]), "turn": r["turn"], "text": r["text"],
                        "other": i} for i, r in enumerate(RECORDS)])
    ddf = dd.from_pandas(df, npartitions=6)
    out = spacy_rnn.dask.anonymize(ddf, text="text", conversation="conversation_id", key=KEY, npartitions=5,
                                   known_names=["Rochdi Khalid", "Ingrid Johansson", "Kenji Tanaka"],
                                   detector="never")
    assert isinstance(out, dd.DataFrame)  # lazy: nothing ran yet
    graph = dict(out.__dask_graph__())
    assert KEY not in repr(list(graph)) and KEY not in repr(graph)
    assert dask.base.tokenize(Secret(KEY.encode())) != dask.base.tokenize(Secret(KEY.encode()))  # no hash of it
    result = client.compute(out).result()
    expected = spacy_rnn.anonymize_frame(ddf.compute(), text="text", conversation="conversation_id", key=KEY,
                                         known_names=["Rochdi Khalid", "Ingrid Johansson", "Kenji Tanaka"],
                                         detector="never")
    pd.testing.assert_frame_equal(result.sort_index(), expected)  # every other column, the index, the texts
    # a second computation reuses each worker's pipeline; the CLI's options are another one, built once too
    client.compute(out).result()
    assert [list(b.values()) for b in client.run(builds).values()] == [[1], [1]]
    for _ in range(2):
        assert anonymize(logs, logs / "logs", logs / "remote", "--partitions", "4", "--dask",
                         cluster[0].scheduler_address) == 0
        assert sorted(read_lines(logs / "remote")) == sorted(read_lines(logs / "one"))
    assert [list(b.values()) for b in client.run(builds).values()] == [[2], [2]]
    keys = [str(k) for k in client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))]
    assert keys and not any(KEY in k for k in keys)


def builds():
    """On a worker: pipelines built per process id (one process per worker)."""
    from spacy_rnn.scale.engine import BUILDS
    return dict(BUILDS)


class KillOnce(WorkerPlugin):
    """Kills the worker process the first time it starts anonymizing a partition (SIGKILL: no cleanup)."""

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and "anonymize-partition" in str(key) and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(key))
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_costs_a_retry_not_data(cluster, logs):
    local, client = cluster
    marker = logs / "killed"
    client.register_plugin(KillOnce(str(marker)), name="kill-once")
    try:
        out = logs / "after-kill"
        done = {}
        thread = threading.Thread(target=lambda: done.setdefault("rc", anonymize(
            logs, logs / "logs", out, "--partitions", "4", "--dask", local.scheduler_address)))
        thread.start()
        thread.join(timeout=120)
        assert not thread.is_alive() and done["rc"] == 0
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker died running a partition
    assert sorted(read_lines(out)) == sorted(read_lines(logs / "one"))
    assert manifest(out)["shards"] == manifest(logs / "one")["shards"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
