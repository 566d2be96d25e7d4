"""``nlp.pipe(texts, n_process=2)`` finishes for every component (issue #14, item 10).

A forked child inherits torch's OpenMP thread pool in a state it cannot use: once the
parent has run a multi-threaded op, the child's first one waits forever. Each test runs
a fresh interpreter (the parent uses two threads, as on any machine without
OMP_NUM_THREADS=1), warms the pipeline up in the parent, then pipes with two processes
under a timeout.
"""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

# seconds for the whole child interpreter: importing torch and spaCy, loading the bundled
# weights and piping eight short texts takes about 5 s on a loaded two-core machine
TIMEOUT = 40

SCRIPT = textwrap.dedent("""
    import sys, warnings
    import torch, spacy
    warnings.simplefilter("ignore")
    torch.set_num_threads(2)
    nlp = spacy.blank("en")
    nlp.add_pipe(sys.argv[1])
    texts = ["Thanks, Maria Garcia, the cat sat on the mat."] * 8
    expected = [nlp(t).to_bytes(exclude=["user_data"]) for t in texts]  # uses the thread pool
    docs = list(nlp.pipe(texts, n_process=2, batch_size=2))
    assert len(docs) == len(texts)
    assert [d.to_bytes(exclude=["user_data"]) for d in docs] == expected
    print("done", len(docs))
""")


@pytest.mark.parametrize("factory", ["surname_nationality", "person_name_detector",
                                     "next_token_scorer", "name_anonymizer"])
def test_pipe_n_process_2_finishes(factory, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["SPACY_RNN_ANON_KEY"] = "00" * 32
    # a session of its own, so that a hung run's worker processes are killed with it
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, factory], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"nlp.pipe(n_process=2) with {factory} did not finish in {TIMEOUT} s")
    assert proc.returncode == 0, err[-2000:]
    assert "done 8" in out
