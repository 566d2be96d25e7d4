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
