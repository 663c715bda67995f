"""Assembling the hub from its data files: catalogue, validators, routes."""

from __future__ import annotations

from pathlib import Path

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.catalogue.validation import SchemaValidators
from hub.pipeline.alert_policy import AlertPolicy
from hub.pipeline.decide import Pipeline, PipelineLimits
from hub.pipeline.process import PartitionProcessor
from hub.pipeline.publish import Publisher
from hub.pipeline.route import default_routes_path, load_routes
from hub.settings import SigningSettings, alert_policy_from_env
from hub.signing import Keyring, load_keyring


def build_processor(
    schemas_dir: Path | None = None,
    routes_path: Path | None = None,
    limits: PipelineLimits | None = None,
    keyring: Keyring | None = None,
    alerts: AlertPolicy | None = None,
) -> PartitionProcessor:
    """The per-partition processor, with every data file loaded and checked.

    `keyring`: the organisations' published keys (default: HUB_JWKS_DIR's key sets);
    `alerts`: how victim alerts are repeated and escalated (default: HUB_ALERT_*).
    """
    catalogue = load_catalogue(schemas_dir or default_schemas_dir())
    routes = load_routes(routes_path or default_routes_path(), catalogue)
    if keyring is None:
        keyring = load_keyring(SigningSettings.from_env().jwks_dir)
    validators = SchemaValidators(catalogue)
    pipeline = Pipeline(
        catalogue,
        validators,
        routes,
        limits or PipelineLimits(),
        keyring=keyring,
        alerts=alerts or alert_policy_from_env(),
    )
    publisher = Publisher(
        {name: known.canonical_version for name, known in catalogue.types.items()}
    )
    return PartitionProcessor(pipeline, publisher)
