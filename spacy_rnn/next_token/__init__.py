"""next_token_scorer: a word-level RNN language model (component, model, torch module, scorer)."""
