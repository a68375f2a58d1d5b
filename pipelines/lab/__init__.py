"""The embedding lab: experiment cells (compare, learning curve), the report, and the step-by-step run."""
