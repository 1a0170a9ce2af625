"""The shipped reward-model checkpoint (tiny64 + MiniLM) and its model card (data, training, metrics)."""
