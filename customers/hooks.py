"""Work other apps do when something happens to customers, without customers depending on
them (the same registry as customers.panels).

An app registers `hook(attempts: list[DuplicateAttempt]) -> None` from its
AppConfig.ready(); `customers.services.duplicate_attempts_record` calls each in registration
order, in the transaction that records the attempts, so a hook's writes commit or roll back
with them. The risk app watches for someone probing whether people bank here (risk.conduct).
"""

from collections.abc import Callable

DUPLICATE_ATTEMPT_HOOKS: list[Callable] = []


def register_duplicate_attempt_hook(hook: Callable) -> Callable:
    if hook not in DUPLICATE_ATTEMPT_HOOKS:
        DUPLICATE_ATTEMPT_HOOKS.append(hook)
    return hook


def duplicate_attempts_recorded(attempts: list) -> None:
    for hook in DUPLICATE_ATTEMPT_HOOKS:
        hook(attempts)
