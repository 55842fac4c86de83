"""Schema documentation: every property described, every named schema with examples."""

from __future__ import annotations

from collections.abc import Iterator

from croupier.conformance.lint._context import LintContext, pointer, walk_schemas
from croupier.conformance.lint._registry import ERR, WARN, Hit, rule

__all__: list[str] = []


@rule("property-description", ERR)
def property_description(ctx: LintContext) -> Iterator[Hit]:
    """Every property in spec/openapi.yaml and schemas/ has a description."""
    for file, _path, doc, _ in ctx.schema_documents():
        for node, where in walk_schemas(doc, ""):
            props = node.get("properties")
            if not isinstance(props, dict):
                continue
            for name, schema in props.items():
                if not isinstance(schema, dict):
                    continue
                described = schema.get("description")
                if not (isinstance(described, str) and described.strip()):
                    yield Hit(
                        file,
                        where + pointer("properties", name),
                        f"property `{name}` has no description",
                    )


@rule("schema-examples", WARN)
def schema_examples(ctx: LintContext) -> Iterator[Hit]:
    """Every named schema (components.schemas, schemas/common) has `examples`."""
    for name, schema in ctx.components("schemas").items():
        if not isinstance(schema, dict) or set(schema) == {"$ref"}:
            continue  # an alias: the schema file it names carries the examples
        if not (schema.get("examples") or "example" in schema):
            yield Hit(
                "spec/openapi.yaml",
                pointer("components", "schemas", name),
                f"schema {name} has no examples",
            )
    for path in ctx.contract.schema_files():
        if "events" in path.relative_to(ctx.contract.schemas_dir).parts:
            continue  # event schemas keep their examples in examples/*.json
        from croupier._contract import ContractError, load_document

        try:
            doc = load_document(path)
        except ContractError:
            continue
        if isinstance(doc, dict) and not doc.get("examples"):
            yield Hit(ctx.rel(path), "", f"schema {path.name} has no examples")
