"""Front ends: the ``inksight`` command line and the Gradio web app. They call ``pipelines`` only."""
