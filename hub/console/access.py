"""Who may see and do what: one permission per page or action, granted per role.

A viewer sees the flow and its counts only. An operator works the lists. An
auditor reads timelines and the audit check, sees the lists, and may reveal a
masked field (each reveal is audited). The check runs on the server for every
request; the pages only hide what a role cannot use.
"""

from __future__ import annotations

from enum import StrEnum

from hub.console.users import Role


class Permission(StrEnum):
    SEE_FLOW = "see-flow"
    SEE_WORK = "see-work"  # the work lists and their entries, personal data masked
    ACT = "act"  # lock, correct, re-drive, close
    SEE_CASE = "see-case"
    VERIFY_AUDIT = "verify-audit"
    REVEAL = "reveal"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.SEE_FLOW}),
    Role.OPERATOR: frozenset(
        {Permission.SEE_FLOW, Permission.SEE_WORK, Permission.ACT, Permission.SEE_CASE}
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.SEE_FLOW,
            Permission.SEE_WORK,
            Permission.SEE_CASE,
            Permission.VERIFY_AUDIT,
            Permission.REVEAL,
        }
    ),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]
