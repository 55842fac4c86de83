"""Generators: typed models, Avro twins and the AsyncAPI document. Imports only `croupier`.

`codegen/generated/` is written by `croupier gen` alone and is never edited by hand.
"""

from croupier.codegen._asyncapi import asyncapi_document, delivery_facts, generate_asyncapi
from croupier.codegen._avro import avro_schema_for, generate_avro, normalise_event
from croupier.codegen._command import generate_all, stale_files
from croupier.codegen._models import event_model_names, generate_models, referenced_files
from croupier.codegen._settings import GenSettings, load_settings

__all__ = [
    "GenSettings",
    "asyncapi_document",
    "avro_schema_for",
    "delivery_facts",
    "event_model_names",
    "generate_all",
    "generate_asyncapi",
    "generate_avro",
    "generate_models",
    "load_settings",
    "normalise_event",
    "referenced_files",
    "stale_files",
]
