"""Writeback: approved corrections pushed to Mirakl exactly once, every call audited.

Modules, by what they hold:

- `planning`: open exceptions → corrections (STO01, OR21, OR23+OR24, OR28 or route_to_person);
- `approvals`: the approvals inbox beside the warehouse (`record_approval`), consumed by runs;
- `applying`: the state machine that sends approved corrections at most once;
- `reconciling`: reading Mirakl back when a send's outcome is unknown;
- `mirakl_calls`: the Mirakl calls, their spacing, retries and answers;
- `store`: the `writeback` schema (corrections, attempts, approvals);
- `runs`: `plan` and `apply` as whole runs under the warehouse lock;
- `settings`: `[writeback]` configuration and the Mirakl connection.
"""

from writeback.approvals import record_approval

__all__ = ["record_approval"]
