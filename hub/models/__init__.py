"""Pydantic models of the event catalogue, generated from its schemas.

The modules under `hub.models.generated` are written by `hub schemas models`
(see `hub.catalogue.models`) and must not be edited by hand. Look a model up by
event type and major version:

    JudgmentFinal = model_for("judgment.final", 2)
    judgment = JudgmentFinal.model_validate(data)
"""

from __future__ import annotations

import importlib

from pydantic import BaseModel

from hub.catalogue.models import GENERATED_PACKAGE, class_name, module_name


class ModelNotFoundError(KeyError):
    """No generated model for this type and version (run `hub schemas models`)."""


def model_for(type_name: str, version: int) -> type[BaseModel]:
    """The generated model class of `type_name` version `version`."""
    module_path = f"{GENERATED_PACKAGE}.{module_name(type_name, version)}"
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as error:
        if error.name is None or not module_path.startswith(error.name):
            raise  # the module exists but imports something missing
        raise ModelNotFoundError(f"no model for {type_name} v{version}") from None
    model = getattr(module, class_name(type_name, version), None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ModelNotFoundError(f"{module_path} has no model {class_name(type_name, version)}")
    return model
