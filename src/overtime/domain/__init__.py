"""Pure rules of a meeting control plane: standard library only, every "now" passed in."""
