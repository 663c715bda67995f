# One image for the hub and the three reference connectors; the command picks the role.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY connectors ./connectors
COPY schemas ./schemas
COPY contracts ./contracts
COPY routes ./routes
RUN pip install --no-cache-dir .
ENV HUB_SCHEMAS_DIR=/app/schemas HUB_ROUTES=/app/routes/routes.yaml HUB_CONTRACTS_DIR=/app/contracts
ENTRYPOINT ["hub"]
