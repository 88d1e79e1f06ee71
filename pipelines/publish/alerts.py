"""Email alerts for operators: run failures, failed blocking checks, stale councils.

SMTP settings come from the environment when an alert is sent. With no RAA_SMTP_HOST or
RAA_ALERT_TO nothing is sent and a log line says so.
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    subject: str
    problem: str
    what_to_do: str
    council: str | None = None

    def body(self) -> str:
        lines = [f"Council: {self.council}"] if self.council else []
        lines += [f"Problem: {self.problem}", "", f"What to do: {self.what_to_do}"]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int
    user: str | None
    password: str | None
    sender: str
    recipients: tuple[str, ...]

    @classmethod
    def from_env(cls) -> SmtpSettings:
        return cls(
            host=os.environ.get("RAA_SMTP_HOST") or None,
            port=int(os.environ.get("RAA_SMTP_PORT") or 25),
            user=os.environ.get("RAA_SMTP_USER") or None,
            password=os.environ.get("RAA_SMTP_PASSWORD") or None,
            sender=os.environ.get("RAA_ALERT_FROM") or "raa-warehouse@localhost",
            recipients=tuple(
                a.strip() for a in (os.environ.get("RAA_ALERT_TO") or "").split(",") if a.strip()
            ),
        )

    @property
    def configured(self) -> bool:
        return bool(self.host and self.recipients)


def send_alert(alert: Alert, smtp: SmtpSettings, logger: logging.Logger = log) -> bool:
    """Send the alert; False (and a log line) when SMTP is not configured."""
    if not smtp.configured:
        logger.warning(f"alert not sent (RAA_SMTP_HOST / RAA_ALERT_TO unset): {alert.subject}")
        return False
    message = EmailMessage()
    message["Subject"] = f"[RAA warehouse] {alert.subject}"
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(alert.body())
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
        server.ehlo()
        if server.has_extn("starttls"):
            server.starttls()
            server.ehlo()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        server.send_message(message)
    logger.info(f"alert sent to {', '.join(smtp.recipients)}: {alert.subject}")
    return True


def stale_council_alert(council: str, problem: str, limit_days: float) -> Alert:
    return Alert(
        subject=f"{council}: no fresh submission",
        council=council,
        problem=problem,
        what_to_do=(
            f"Ask {council} to send this week's export (the limit is {limit_days:g} days), or "
            "check why their last one was refused: `raa status` and the validation report in "
            f"outbox/{council}/. The published figures still use their previous submission."
        ),
    )


def run_failure_alert(job: str, run_id: str, council: str | None, problem: str) -> Alert:
    what = (
        f"Read the run log (Dagster UI, run {run_id}). "
        + (
            f"For {council}'s load see `raa status` and outbox/{council}/ for the validation "
            f"report; once fixed, reload with `raa run --council {council}`. "
            if council
            else "Fix the cause and re-run `raa run` (or the job in the Dagster UI). "
        )
        + "Nothing was published by this run: analysts keep the previous snapshot."
    )
    subject = f"{job} failed" + (f" for {council}" if council else "")
    return Alert(subject=subject, council=council, problem=problem, what_to_do=what)


def unregistered_folder_alert(folders: list[str], landing: str) -> Alert:
    return Alert(
        subject=f"{len(folders)} landing folder(s) not in the council registry",
        problem=(
            f"{landing} holds folder(s) that are no council in the registry: "
            f"{', '.join(folders)}. Nothing in them is loaded."
        ),
        what_to_do=(
            "If a council's export was dropped in the wrong folder, move it to "
            "<landing>/<council code>/<submission>/ (codes in capitals, as in the registry). If "
            "a new council has joined, add it to the registry (RAA_COUNCILS_FILE). Otherwise "
            "remove the folder."
        ),
    )
