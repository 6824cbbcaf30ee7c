"""The web edge: dependencies, error handlers, templating, forms. HTTPException lives here only."""
