"""The house world: AI2-THOR house dicts turned into renderable, navigable scenes."""
