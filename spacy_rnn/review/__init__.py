"""The review page of an anonymized file: its replacements marked by type, the counts per type, the
residual risks (identifier shapes and near-names left in the output) and a sample of conversations."""
from .page import render_page
from .scan import Review, Scanner, review

__all__ = ["Review", "Scanner", "review", "render_page"]
