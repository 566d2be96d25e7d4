"""Quick dev-set experiments for surname_nationality: the component's module and loss
in a plain torch loop (AdamW, warm-up + linear decay, batch 128), no spaCy training
overhead. Trains on corpus/nationality/<--train>.spacy, reports top-1/top-3 on <--eval>.

    python scripts/experiment_nationality.py --hidden 64 --wide 1      # the bundled recipe
    python scripts/experiment_nationality.py --hidden 128 --wide 0     # the previous one

Used to choose the bundled configuration (see the model card); the shipped model
itself is trained by `spacy project run train`.
"""
import argparse
import copy
import json
import time

import numpy as np
import spacy
import torch
from spacy.tokens import DocBin
from torch import nn

from spacy_rnn.text import encode_names, fold_name
from spacy_rnn.layers.char_rnn import CharRNNClassifier
from spacy_rnn.scorers import topk_hits
p = argparse.ArgumentParser()
p.add_argument("--hidden", type=int, default=128); p.add_argument("--bi", type=int, default=1)
p.add_argument("--embed", type=int, default=32); p.add_argument("--ngram_dim", type=int, default=64)
p.add_argument("--wide", type=int, default=0); p.add_argument("--epochs", type=int, default=12)
p.add_argument("--lr", type=float, default=0.005); p.add_argument("--dropout", type=float, default=0.4)
p.add_argument("--edrop", type=float, default=0.25); p.add_argument("--seed", type=int, default=0)
p.add_argument("--sw", type=float, default=1.0); p.add_argument("--train", default="train")
p.add_argument("--eval", default="dev"); p.add_argument("--save", default=None)
p.add_argument("--wd", type=float, default=1e-4); p.add_argument("--bs", type=int, default=128)
p.add_argument("--extra", default=None, help="TSV name<TAB>label|label: extra training surnames (e.g. faker's per-locale lists)")
p.add_argument("--extra_weight", type=float, default=1.0)
p.add_argument("--setloss", type=int, default=0, help="softmax term = -log P(gold set) instead of CE to the uniform set")
p.add_argument("--folds", type=int, default=0, help="with --fold: train on the other folds of --train, save out-of-fold probs to --oof")
p.add_argument("--fold", type=int, default=0); p.add_argument("--oof", default=None)
p.add_argument("--soft", default=None, help=".npy (n_train, n_labels) teacher probabilities, e.g. merged out-of-fold ones")
p.add_argument("--soft_w", type=float, default=0.5, help="share of the teacher in the training targets")
p.add_argument("--twohead", type=int, default=0, help="the softmax term trains its own output layer; predictions use the sigmoid head only")
p.add_argument("--aux", default=None, help="TSV name<TAB>locale|locale (scripts/build_aux_names.py): an auxiliary head on the shared encoder")
p.add_argument("--aux_w", type=float, default=0.5, help="weight of the auxiliary loss (one aux batch per main step)")
p.add_argument("--ema", type=float, default=0.0); p.add_argument("--cell", default="gru"); p.add_argument("--buckets", type=int, default=65536)
p.add_argument("--ngram_max", type=int, default=5, help="longest hashed character n-gram")
a = p.parse_args()
torch.set_num_threads(1); torch.manual_seed(a.seed); np.random.seed(a.seed)
nlp = spacy.blank("en")
labels = json.load(open("corpus/nationality/summary.json"))["labels"]
def load(split):
    docs = list(DocBin().from_disk(f"corpus/nationality/{split}.spacy").get_docs(nlp.vocab))
    texts = [fold_name(d.text) for d in docs]
    gold = np.array([[d.cats.get(l, 0.0) for l in labels] for d in docs], dtype="float32")
    return texts, gold
tr_t, tr_g = load(a.train); ev_t, ev_g = load(a.eval)
weights = np.ones(len(tr_t), dtype="float32")
if a.soft:  # distillation: targets mix the gold set with a teacher's probabilities
    soft = np.load(a.soft).astype("float32")
    assert soft.shape == tr_g.shape, (soft.shape, tr_g.shape)
    tr_soft = (1 - a.soft_w) * tr_g + a.soft_w * soft
    tr_soft_set = (1 - a.soft_w) * tr_g / tr_g.sum(1, keepdims=True) + a.soft_w * soft / soft.sum(1, keepdims=True)
oof_rows = None
if a.folds:  # fixed fold assignment (seed 123), whatever --seed is
    fold_of = np.random.RandomState(123).permutation(len(tr_t)) % a.folds
    oof_rows = np.nonzero(fold_of == a.fold)[0]
    keep = np.nonzero(fold_of != a.fold)[0]
    oof_t = [tr_t[i] for i in oof_rows]
    tr_t = [tr_t[i] for i in keep]; tr_g = tr_g[keep]; weights = weights[keep]
if a.extra:
    seen = {t.lower() for t in tr_t} | {t.lower() for t in ev_t}
    rows = [line.rstrip("\n").split("\t") for line in open(a.extra, encoding="utf8")]
    rows = [(n, labs.split("|")) for n, labs in rows if n.lower() not in seen]
    ex_g = np.array([[float(l in labs) for l in labels] for _, labs in rows], dtype="float32")
    tr_t = tr_t + [n for n, _ in rows]; tr_g = np.concatenate([tr_g, ex_g])
    weights = np.concatenate([weights, np.full(len(rows), a.extra_weight, dtype="float32")])
    print(f"extra: {len(rows)} surnames at weight {a.extra_weight}", flush=True)
m = CharRNNClassifier(len(labels), cell=a.cell, embed_size=a.embed, hidden_size=a.hidden, n_layers=1,
                      bidirectional=bool(a.bi), dropout=a.dropout, embed_dropout=a.edrop, ngram_max=a.ngram_max,
                      ngram_buckets=a.buckets, ngram_dim=a.ngram_dim, ngram_linear=bool(a.wide))
if a.twohead:
    from spacy_rnn.layers.char_rnn import _bag_sum
    m.output2 = nn.Linear(m.output.in_features, len(labels))
    def forward_both(x, L):
        grams = m._ngrams(x, L)
        feats = m.dropout(m._encode(x, L, grams))
        flat, offsets, count = grams
        wide = _bag_sum(m.ngram_logits, flat, offsets) / count.sqrt() if m.ngram_logits is not None else 0.0
        return m.output(feats) + wide, m.output2(feats) + wide
if a.aux:  # auxiliary task: which Faker locale a name comes from; its own head, the main head never sees it
    aux_rows = [line.rstrip("\n").split("\t") for line in open(a.aux, encoding="utf8")]
    aux_labels = sorted({loc for _, locs in aux_rows for loc in locs.split("|")})
    aux_index = {loc: i for i, loc in enumerate(aux_labels)}
    aux_g = np.zeros((len(aux_rows), len(aux_labels)), dtype="float32")
    for i, (_, locs) in enumerate(aux_rows):
        aux_g[i, [aux_index[loc] for loc in locs.split("|")]] = 1.0
    aux_G = torch.from_numpy(aux_g / aux_g.sum(1, keepdims=True))
    aux_ids, aux_lens = (torch.from_numpy(v) for v in encode_names([n for n, _ in aux_rows], 32))
    m.aux_head = nn.Linear(m.output.in_features, len(aux_labels))
    print(f"aux: {len(aux_rows)} names, {len(aux_labels)} locales, weight {a.aux_w}", flush=True)
    aux_perm, aux_pos = torch.randperm(len(aux_rows)), 0
ids, lens = encode_names(tr_t, 32); ids = torch.from_numpy(ids); lens = torch.from_numpy(lens)
eids, elens = encode_names(ev_t, 32); eids = torch.from_numpy(eids); elens = torch.from_numpy(elens)
G = torch.from_numpy(tr_g); W = torch.from_numpy(weights)
if a.soft:
    G = torch.from_numpy(tr_soft); GS = torch.from_numpy(tr_soft_set)
ema = copy.deepcopy(m) if a.ema else None
opt = torch.optim.AdamW(m.parameters(), lr=a.lr, weight_decay=a.wd)
n = len(tr_t); steps = a.epochs * ((n + a.bs - 1) // a.bs); warm = 200
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s+1)/warm, max(0.0, (steps - s) / (steps - warm))))
def evaluate():
    m.eval()
    with torch.no_grad():
        P = torch.cat([torch.sigmoid(m(eids[i:i+2048], elens[i:i+2048])) for i in range(0, len(ev_t), 2048)]).numpy()
    m.train()
    return P, topk_hits(P, ev_g, 1).mean(), topk_hits(P, ev_g, 3).mean()
t0 = time.time()
for ep in range(a.epochs):
    perm = torch.randperm(n)
    for i in range(0, n, a.bs):
        b = perm[i:i+a.bs]
        L = lens[b]; x = ids[b][:, :int(L.max())]
        if a.twohead:
            logits, soft_logits = forward_both(x, L)
        else:
            logits = soft_logits = m(x, L)
        g = G[b]; w = W[b]
        loss = (nn.functional.binary_cross_entropy_with_logits(logits, g, reduction="none").sum(1) * w).sum() / len(b)
        if a.sw and a.setloss:
            log_p = torch.log_softmax(soft_logits, 1).masked_fill(g <= 0, float("-inf"))
            loss = loss + a.sw * (-torch.logsumexp(log_p, 1) * w).mean()
        elif a.sw:
            tgt = GS[b] if a.soft else g / g.sum(1, keepdim=True)
            loss = loss + a.sw * (-(tgt * torch.log_softmax(soft_logits, 1)).sum(1) * w).mean()
        if a.aux:
            if aux_pos + a.bs > len(aux_perm):
                aux_perm, aux_pos = torch.randperm(len(aux_perm)), 0
            ab = aux_perm[aux_pos:aux_pos + a.bs]; aux_pos += a.bs
            AL = aux_lens[ab]; ax = aux_ids[ab][:, :int(AL.max())]
            aux_logits = m.aux_head(m.dropout(m._encode(ax, AL, m._ngrams(ax, AL))))
            loss = loss + a.aux_w * (-(aux_G[ab] * torch.log_softmax(aux_logits, 1)).sum(1)).mean()
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); sched.step()
        if ema is not None:
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), m.parameters()): pe.mul_(a.ema).add_(pm, alpha=1 - a.ema)
    if ep >= a.epochs - 3 or ep % 3 == 2:
        P, t1, t3 = evaluate()
        print(f"ep {ep+1} top1 {t1:.4f} top3 {t3:.4f} {time.time()-t0:.0f}s", flush=True)
P, t1, t3 = evaluate()
if ema is not None:
    raw = (t1, t3); m.load_state_dict(ema.state_dict()); P, t1, t3 = evaluate(); print("raw", raw, "ema", t1, t3)
print(json.dumps({"args": vars(a), "top1": float(t1), "top3": float(t3), "secs": time.time()-t0}))
if a.oof:
    oids, olens = encode_names(oof_t, 32); oids = torch.from_numpy(oids); olens = torch.from_numpy(olens)
    m.eval()
    with torch.no_grad():
        OP = torch.cat([torch.sigmoid(m(oids[i:i+2048], olens[i:i+2048])) for i in range(0, len(oof_t), 2048)]).numpy()
    np.save(a.oof, {"rows": oof_rows, "probs": OP}, allow_pickle=True)
if a.save:
    np.save(a.save + ".probs.npy", P); torch.save(m.state_dict(), a.save + ".pt")
