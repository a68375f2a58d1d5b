"""Batch analysis of a folder: inputs, the journal that makes runs resumable, outputs, local and Ray runners."""
