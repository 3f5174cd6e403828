"""import-linter contract types of Hovor's own (pyproject.toml registers them).

`connectors_independent`: the platform packages under `container` (every subpackage with a
`connector` module, found by looking, so a new channel is covered without editing the
config) never import one another, directly or through others; what a family of platforms
shares lives in a family package (channels.meta), which is not a platform itself."""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class ConnectorsIndependentContract(Contract):
    container = fields.StringField()
    family = fields.SetField(subfield=fields.StringField(), required=False)

    def platforms(self, graph: ImportGraph) -> set[str]:
        container = str(self.container)
        families = {str(f) for f in (self.family or set())}  # type: ignore[attr-defined]
        return {
            child
            for child in graph.find_children(container)
            if f"{child}.connector" in graph.modules and child not in families
        }

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        platforms = self.platforms(graph)
        if not platforms:
            raise ValueError(f"no platform packages (with a connector module) under {self.container}")
        dependencies = graph.find_illegal_dependencies_for_layers(layers=(platforms,))
        chains: list[dict[str, Any]] = []
        for dependency in sorted(dependencies, key=lambda d: (d.importer, d.imported)):
            for route in dependency.routes:
                via = " -> ".join([" | ".join(sorted(route.heads)), *route.middle, " | ".join(sorted(route.tails))])
                chains.append({"importer": dependency.importer, "imported": dependency.imported, "via": via})
        if verbose:
            output.verbose_print(verbose, f"platform packages: {', '.join(sorted(platforms))}")
        return ContractCheck(kept=not dependencies, metadata={"chains": chains, "platforms": sorted(platforms)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for chain in check.metadata["chains"]:
            output.print_error(f"{chain['importer']} is not allowed to import {chain['imported']}")
            output.print(f"    {chain['via']}")
            output.new_line()
