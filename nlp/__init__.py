"""Text and meaning: spaCy cleaning, the vocabulary, the Embedding-max-pool-Linear classifier,
word vectors and their plots. Never imports ``ocr`` or ``pipelines``.
"""
