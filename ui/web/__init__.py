"""The Gradio web app: the page's tabs and the pure handlers behind them."""
