"""Compliance evidence packs: what a reviewer or regulator asks about one version, gathered in one read."""

from __future__ import annotations

from steward.core.evidence import EvidencePack, PolicyEvidence, check_format, render_html, render_zip
from steward.ports import Store
from steward.services.cards import gather_facts, resolve_version
from steward.services.policies import PolicyService
from steward.services.registry import Clock, utcnow

AUDIT_LIMIT = 1000


class EvidenceService:
    def __init__(self, store: Store, policies: PolicyService, clock: Clock = utcnow) -> None:
        self.store = store
        self.policies = policies
        self.clock = clock

    def pack(self, ref: str) -> EvidencePack:
        """The version's card, lineage, validation, approvals, policies, audit excerpt and monitoring plan."""
        with self.store.read() as tx:
            model, version = resolve_version(tx, ref)
            facts = gather_facts(tx, model, version)
            current = tx.policies.current()
            targets = sorted(set(facts.version.aliases) | {a.target for a in facts.approvals})
            policies = tuple(
                PolicyEvidence(
                    alias,
                    tuple(p for p in current if p.document.guards(model, alias)),
                    self.policies.evaluate_in(tx, model, version, alias),
                )
                for alias in targets
            )
            events = list(tx.audit.list(target=facts.version.ref, limit=AUDIT_LIMIT))
            for alias in facts.version.aliases:
                events += tx.audit.list(target=f"{model}@{alias}", limit=AUDIT_LIMIT)
            audit = tuple(sorted(events, key=lambda e: e.seq or 0))
        return EvidencePack(facts, policies, audit, generated_at=self.clock().isoformat())

    def render(self, ref: str, fmt: str = "html") -> bytes:
        """The pack as one self-contained HTML page (``html``) or a ZIP of its JSON parts (``zip``)."""
        check_format(fmt)
        pack = self.pack(ref)
        return render_html(pack).encode() if fmt == "html" else render_zip(pack)
