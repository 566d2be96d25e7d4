import subprocess
import sys


def test_predict_command_prints_one_line_per_name():
    out = subprocess.run([sys.executable, "-m", "spacy_rnn", "predict", "Yamamoto", "Горбачёв", "", "-k", "2"],
                         capture_output=True, text=True, check=True)
    lines = out.stdout.strip("\n").splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Yamamoto") and "Japanese" in lines[0]
    assert "Russian" in lines[1]
    assert "no letter to read" in lines[2] and lines[2].endswith("tags=[]")


def test_predict_from_stdin_keeps_one_output_line_per_input_line():
    # a blank or unreadable line is still a record: the output lines up with the input
    stdin = "Kowalski\n\n😀\nYamamoto\n"
    out = subprocess.run([sys.executable, "-m", "spacy_rnn", "predict", "-k", "1"], input=stdin,
                         capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("Kowalski") and "Polish" in lines[0]
    assert "no letter to read" in lines[1] and "no letter to read" in lines[2]
    assert lines[3].startswith("Yamamoto")


def test_predict_jsonl_lists_every_tag_whatever_k():
    import json

    import spacy

    pipe = spacy.blank("en").add_pipe("surname_nationality")
    name = next(n for n in ["Garcia", "Hernandez", "Lopez", "Martinez", "Silva"]
                if (pipe.predict_proba([n])[0] >= pipe.threshold).sum() >= 2)
    out = subprocess.run([sys.executable, "-m", "spacy_rnn", "predict", "--format", "jsonl", "-k", "1", name, ""],
                         capture_output=True, text=True, check=True)
    first, blank = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["name"] == name and len(first["nationality"]) == 1
    assert len(first["tags"]) >= 2 and first["tags"][0] in first["nationality"]
    assert blank == {"name": "", "nationality": {}, "tags": [], "note": "no letter to read after ASCII folding"}


def test_predict_with_missing_model_says_which_file_and_exits_2(tmp_path):
    out = subprocess.run([sys.executable, "-m", "spacy_rnn", "predict", "--model", str(tmp_path / "nope"), "Khalid"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("✘ [RNN-E002]") and "nope" in out.stderr and "Traceback" not in out.stderr
