"""Training the sentiment classifier: config, data splits, fitting, pretrained initial embeddings, the default model."""
