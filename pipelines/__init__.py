"""Composing ocr and nlp: analysis of a review, training, embeddings, batch runs and the lab.

The only layer that imports both ``inksight.ocr`` and ``inksight.nlp``; assets are resolved here.
"""
