"""One module per read model."""
