"""Batch analysis of a folder, by role: ``run`` (``run_batch``: the whole batch, local or Ray),
``inputs`` (which files), ``journal`` (the resumable, locked record of what is done), ``outputs``
(JSONL/CSV/Parquet, written and read back), ``local`` and ``ray_records`` (the runners)."""
