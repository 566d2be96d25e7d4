"""Reference: the pytorch/examples ``word_language_model`` recipe the book uses (ch. 8.4-8.5).

A faithful, condensed copy of pytorch/examples/word_language_model (BSD-3-Clause)
``data.py`` (Dictionary/Corpus: every line's tokens + ``<eos>``), ``model.py``
(``RNNModel``: Embedding -> nn.GRU -> Linear decoder with a full softmax, optional
weight tying, uniform(-0.1, 0.1) init) and ``main.py`` (``batchify``,
``get_batch``, ``repackage_hidden``, plain SGD by hand with ``lr = 20``,
``clip_grad_norm_(0.25)``, ``lr /= 4`` when validation loss does not improve,
eval batch size 10). The only change is a wall-clock budget instead of a number
of epochs, so it can be timed side by side with ``next_token_scorer``.

    python benchmarks/reference_word_language_model.py corpus/lm/wikitext-2 --minutes 10 --threads 1
"""
import argparse
import json
import math
import os
import time
from pathlib import Path

import torch
import torch.nn as nn


class Dictionary:
    def __init__(self):
        self.word2idx, self.idx2word = {}, []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus:
    def __init__(self, path):
        self.dictionary = Dictionary()
        self.train = self.tokenize(os.path.join(path, "train.txt"))
        self.valid = self.tokenize(os.path.join(path, "valid.txt"))
        self.test = self.tokenize(os.path.join(path, "test.txt"))

    def tokenize(self, path):
        with open(path, "r", encoding="utf8") as f:
            for line in f:
                for word in line.split() + ["<eos>"]:
                    self.dictionary.add_word(word)
        with open(path, "r", encoding="utf8") as f:
            idss = []
            for line in f:
                idss.append(torch.tensor([self.dictionary.word2idx[w] for w in line.split() + ["<eos>"]],
                                         dtype=torch.int64))
        return torch.cat(idss)


class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return nn.functional.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i : i + seq_len], source[i + 1 : i + 1 + seq_len].view(-1)


def evaluate(model, data_source, bptt, eval_batch_size=10):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(eval_batch_size)
    criterion = nn.NLLLoss()
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i, bptt)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train_for(model, corpus, *, seconds, lr=20.0, batch_size=20, bptt=35, clip=0.25, eval_every_epoch=True):
    """Train like main.py until the wall-clock budget is spent; returns a log dict."""
    train_data = batchify(corpus.train, batch_size)
    val_data = batchify(corpus.valid, 10)
    criterion = nn.NLLLoss()
    ntokens = len(corpus.dictionary)
    best_val, n_tokens, start, epoch, curve = None, 0, time.time(), 0, []
    while time.time() - start < seconds:
        epoch += 1
        model.train()
        hidden = model.init_hidden(batch_size)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i, bptt)
            hidden = repackage_hidden(hidden)
            model.zero_grad()
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            n_tokens += data.numel()
            if batch % 200 == 0:
                curve.append({"seconds": round(time.time() - start, 1), "tokens": n_tokens,
                              "train_ppl": math.exp(min(loss.item(), 20))})
            if time.time() - start >= seconds:
                break
        else:
            if eval_every_epoch:  # end of a full epoch: main.py's annealing (not counted in the budget)
                t_eval = time.time()
                val_loss = evaluate(model, val_data, bptt)
                start += time.time() - t_eval
                if best_val is None or val_loss < best_val:
                    best_val = val_loss
                else:
                    lr /= 4.0
    train_seconds = time.time() - start
    t0 = time.time()
    val_loss = evaluate(model, val_data, bptt)
    return {
        "train_seconds": round(train_seconds, 1),
        "train_tokens": n_tokens,
        "tokens_per_second": round(n_tokens / train_seconds, 1),
        "epochs_started": epoch,
        "valid_ppl": round(math.exp(val_loss), 2),
        "eval_seconds": round(time.time() - t0, 1),
        "curve": curve,
        "n_params": sum(p.numel() for p in model.parameters()),
        "ntokens": ntokens,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="directory with the standard train.txt/valid.txt/test.txt")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1111)
    ap.add_argument("--output", default="benchmarks/results/reference_word_language_model.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    corpus = Corpus(args.data)
    model = RNNModel("GRU", len(corpus.dictionary), 200, 200, 2, dropout=0.2, tie_weights=True)
    result = train_for(model, corpus, seconds=args.minutes * 60)
    result.update({"threads": args.threads, "minutes": args.minutes,
                   "recipe": "pytorch/examples word_language_model: GRU 2x200 tied, full softmax, SGD lr 20, "
                             "batch 20, bptt 35, clip 0.25, dropout 0.2"})
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "curve"}, indent=2))


if __name__ == "__main__":
    main()
