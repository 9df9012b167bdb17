"""The HTTP API: FastAPI routes over the domain's service layer and the read models."""
