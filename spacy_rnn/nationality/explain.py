"""Looking inside a prediction: the top labels, the hidden state, the prediction letter by letter."""
from typing import TYPE_CHECKING, List

import numpy as np

from ..errors import Errors
from ..lazy_torch import torch_module
from ..text import fold_name
from .model import char_window, encoded, name_doc

if TYPE_CHECKING:
    import pandas as pd


class Explanations:
    """The explanation methods of ``SurnameNationality``, over its ``predict_proba``, ``labels``,
    ``threshold`` and ``model`` (pandas and, to plot, matplotlib)."""

    def topk(self, name: str, k: int = 3) -> "pd.DataFrame":
        """The k most probable nationalities: rank, text, nationality, log_prob, likelihood."""
        import pandas as pd

        if not isinstance(k, int) or k < 1:
            raise ValueError(Errors.E006.format(k=k))
        probs = self.predict_proba([name])[0]
        order = np.argsort(-probs)[:k]
        return pd.DataFrame({
            "rank": np.arange(1, len(order) + 1),
            "text": [name] * len(order),
            "nationality": [self.labels[i] for i in order],
            "log_prob": np.log(np.clip(probs[order], 1e-12, None)),
            "likelihood": probs[order],
        })

    def predict_hidden(self, name: str) -> np.ndarray:
        """The final hidden state of the top recurrent layer (all directions concatenated)."""
        import torch

        self._require_ready()
        module = torch_module(self.model)
        ids, lengths = encoded(self.model, [name_doc(self.vocab, fold_name(name))])
        module.eval()
        with torch.inference_mode():
            state = module.encode(ids, lengths)[0]
        return state[: module.n_dirs * module.rnn.hidden_size].numpy().copy()

    def _prefixes(self, name: str) -> List[str]:
        """Each prefix of the folded name, as far as the model reads it."""
        folded = fold_name(name)
        window = char_window(self.model)
        if window is not None:
            folded = folded[-window:]
        return [folded[: i + 1] for i in range(len(folded))]

    def prediction_history(self, name: str) -> "pd.DataFrame":
        """How the prediction evolves letter by letter: one row per prefix of the folded name."""
        import pandas as pd

        if not isinstance(name, str):
            raise ValueError(Errors.E001.format(index=0, value=name, type_name=type(name).__name__))
        prefixes = self._prefixes(name) or [""]
        probs = self.predict_proba(prefixes)
        top = probs.argmax(axis=1)
        second = np.argsort(-probs, axis=1)[:, 1] if probs.shape[1] > 1 else top
        return pd.DataFrame({
            "position": np.arange(1, len(prefixes) + 1),
            "prefix": prefixes,
            "nationality": [self.labels[i] for i in top],
            "probability": probs[np.arange(len(prefixes)), top],
            "runner_up": [self.labels[i] for i in second],
            "runner_up_probability": probs[np.arange(len(prefixes)), second],
        })

    def plot_prediction_history(self, name: str, path=None, k: int = 4):
        """Line chart of the k finally most probable labels, prefix by prefix: the matplotlib
        Figure, also saved to ``path`` (PNG, SVG...) if given. Needs ``pip install spacy-rnn[plot]``."""
        try:
            import matplotlib
        except ImportError as e:
            raise ImportError(Errors.E011) from e
        if path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        prefixes = self._prefixes(name) or [" "]
        probs = self.predict_proba(prefixes)
        top = np.argsort(-probs[-1])[:k]
        fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(prefixes) + 2), 3.6))
        for j in top:
            ax.plot(range(len(prefixes)), probs[:, j], marker="o", label=self.labels[j])
        ax.set_xticks(range(len(prefixes)), list(prefixes[-1]))
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
        ax.set_title(f"{name!s}: prediction letter by letter")
        ax.axhline(self.threshold, color="grey", linestyle=":", linewidth=1)
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=110)
        return fig
